/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlfs.h: the host's reading of the Hyper-V Top-Level Functional
 * Specification, as far as free page hinting needs it: CPUID leaves, the
 * hypercall input and result values, HvExtCallQueryCapabilities and
 * HvExtCallMemoryHeatHint (cold discard).
 *
 * Written for hosts/hyperv only; the guest's encoder must not include it,
 * so a misreading on either side shows up as a failed call, not as two
 * copies of the same mistake.  Every field is taken from little-endian u64
 * words with explicit shifts and masks.
 *
 * Sources: TLFS "Hypercall Interface" (input value, result value, rep
 * semantics, common status codes), "HvExtCallQueryCapabilities",
 * "HV_PARTITION_PRIVILEGE_MASK", "Feature Discovery".  The public TLFS has
 * no page for HvExtCallMemoryHeatHint; its layout is taken from Linux
 * (include/hyperv/hvgdk_ext.h, hvgdk_mini.h, drivers/hv/hv_balloon.c) and
 * Microsoft's OpenVMM (hvdef: HvGpaRangeExtendedLargePage).
 */
#ifndef AER_HV_TLFS_H
#define AER_HV_TLFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLFS_PAGE_SIZE		4096ULL
#define TLFS_2M			(2ULL << 20)
#define TLFS_1G			(1ULL << 30)

/* Hypercall input value (register RCX on x64) */
#define TLFS_IN_CODE_MASK	0xffffULL		/* bits 0-15 */
#define TLFS_IN_FAST		(1ULL << 16)
#define TLFS_IN_VARHEAD_SHIFT	17			/* bits 17-26, in u64s */
#define TLFS_IN_VARHEAD_MASK	0x3ffULL
#define TLFS_IN_REP_COUNT_SHIFT	32			/* bits 32-43 */
#define TLFS_IN_REP_START_SHIFT	48			/* bits 48-59 */
#define TLFS_IN_REP_MASK	0xfffULL
/*
 * Bits 27-31, 44-47 and 60-63.  Newer TLFS text calls bit 31 "Is Nested"
 * (for an L1 hypervisor to reach L0); this host is nobody's L0, so a guest
 * that sets it gets the reserved-bit answer, as from KVM.
 */
#define TLFS_IN_RSVD_MASK	((0x1fULL << 27) | (0xfULL << 44) | \
				 (0xfULL << 60))

/* Hypercall result value (RAX) */
#define TLFS_RES_STATUS_MASK	0xffffULL		/* bits 0-15 */
#define TLFS_RES_REPS_SHIFT	32			/* bits 32-43 */

/* HV_STATUS */
#define HV_STATUS_SUCCESS			0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE	0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT	0x0003
#define HV_STATUS_INVALID_ALIGNMENT		0x0004
#define HV_STATUS_INVALID_PARAMETER		0x0005
#define HV_STATUS_ACCESS_DENIED			0x0006
#define HV_STATUS_OPERATION_DENIED		0x0008
#define HV_STATUS_INSUFFICIENT_MEMORY		0x000b

/* Call codes */
#define HVCALL_EXT_QUERY_CAPABILITIES	0x8001	/* simple */
#define HVCALL_EXT_MEMORY_HEAT_HINT	0x8003	/* rep */

/*
 * HvExtCallQueryCapabilities output, one u64.  The TLFS table lists bit 1
 * as "HvExtCallMemoryHeatHint"; Linux tests bit 8
 * (HV_EXT_CAPABILITY_MEMORY_COLD_DISCARD_HINT) before it sends cold discard
 * hints.  This host grants both by default.
 */
#define TLFS_EXTCAP_HEAT_HINT		(1ULL << 1)
#define TLFS_EXTCAP_COLD_DISCARD	(1ULL << 8)
#define TLFS_EXTCAP_DEFAULT	(TLFS_EXTCAP_HEAT_HINT | \
				 TLFS_EXTCAP_COLD_DISCARD)

/*
 * HvExtCallMemoryHeatHint input page: u64 header, then rep_count u64 GPA
 * page ranges.  Header: heat type in bits 0-1 (COLD 0, HOT 1,
 * COLD_DISCARD 2), bits 2-63 reserved.
 */
#define TLFS_HINT_TYPE_MASK		0x3ULL
#define TLFS_HINT_TYPE_COLD_DISCARD	2
#define TLFS_HINT_MAX_RANGES	((TLFS_PAGE_SIZE - 8) / 8)	/* 511 */

/*
 * HV_GPA_PAGE_RANGE, two layouts chosen by bit 11:
 *   small (bit 11 = 0): additional units in bits 0-10, GPA page number
 *     (4 KiB) in bits 12-63;
 *   large (bit 11 = 1): additional units in bits 0-10, page size in bit 12
 *     (0 = 2 MiB, 1 = 1 GiB), bits 13-20 reserved, GPA >> 21 in bits 21-63.
 * A range is 1 + additional units, so 1..2048 units.
 */
#define TLFS_RANGE_ADD_MASK		0x7ffULL
#define TLFS_RANGE_LARGE		(1ULL << 11)
#define TLFS_RANGE_SMALL_PFN_SHIFT	12
#define TLFS_RANGE_1G			(1ULL << 12)
#define TLFS_RANGE_LARGE_RSVD_MASK	(0xffULL << 13)
#define TLFS_RANGE_LARGE_SHIFT		21
#define TLFS_RANGE_MAX_UNITS		2048

/* CPUID */
#define TLFS_CPUID_VENDOR		0x40000000
#define TLFS_CPUID_INTERFACE		0x40000001
#define TLFS_CPUID_FEATURES		0x40000003
#define TLFS_CPUID_MAX_LEAF		0x40000005
#define TLFS_CPUID_ISOLATION		0x4000000C	/* EBX 3:0: type */
#define TLFS_CPUID_SIG_HV1		0x31237648	/* "Hv#1" */
/* 0x40000003 EAX/EBX = privilege mask bits 0-31 / 32-63 */
#define TLFS_PRIV_EAX_HYPERCALL_MSRS	(1U << 5)	/* AccessHypercallMsrs */
#define TLFS_PRIV_EBX_EXT_HYPERCALLS	(1U << 20)	/* bit 52 overall */
#define TLFS_PRIV_EBX_ISOLATION		(1U << 22)	/* bit 54: Isolation */

/* Discard [off, off + len) of guest RAM; 0 or -errno. */
typedef int (*tlfs_discard_fn)(void *ctx, uint64_t off, uint64_t len);

struct tlfs_stats {
	uint64_t hint_calls;	/* HvExtCallMemoryHeatHint, any outcome */
	uint64_t query_calls;	/* HvExtCallQueryCapabilities */
	uint64_t other_calls;	/* any other call code */
	uint64_t failed;	/* calls answered with a status other than 0 */
	uint64_t ranges;	/* ranges discarded */
	uint64_t bytes;		/* bytes discarded */
	uint64_t host_errors;	/* discards the host could not carry out */
};

struct tlfs_host {
	uint64_t ram_size;	/* GPA [0, ram_size) is guest RAM */
	tlfs_discard_fn discard;
	void *discard_ctx;
	/* what the partition is offered */
	bool no_ext_hypercalls;	/* withhold EnableExtendedHypercalls */
	uint32_t isolation;	/* nonzero: an isolated partition of this type */
	uint64_t ext_caps;	/* HvExtCallQueryCapabilities answer */
	/* test knobs: bad answers a guest must survive */
	bool reject_small;	/* INVALID_PARAMETER for every 4 KiB-unit range */
	uint16_t fail_all;	/* nonzero: every heat hint fails with it */
	unsigned int max_reps;	/* nonzero: do at most this many reps a call */
	struct tlfs_stats st;
};

/* What one call did, for logs and tests. */
struct tlfs_trace {
	uint16_t code;
	uint16_t rep_count;
	uint16_t rep_start;
	uint16_t status;
	uint16_t reps_done;	/* total, as in the result value */
	uint64_t bytes;		/* discarded by this call */
	int bad_rep;		/* index of the rep that failed, or -1 */
	uint64_t bad_range;	/* its raw u64 */
	const char *why;	/* NULL on success */
};

void tlfs_host_init(struct tlfs_host *h, uint64_t ram_size,
		    tlfs_discard_fn discard, void *ctx);

uint64_t tlfs_get_le64(const unsigned char *p);
void tlfs_put_le64(unsigned char *p, uint64_t v);
uint32_t tlfs_get_le32(const unsigned char *p);
void tlfs_put_le32(unsigned char *p, uint32_t v);

uint64_t tlfs_result(uint16_t status, uint16_t reps_done);

/*
 * Carry out one hypercall.  in/in_len: the input page as the guest passed
 * it (at most one page).  out/out_cap: room for the output page; *out_len
 * is set to the bytes written.  Returns the hypercall result value.  tr may
 * be NULL.
 */
uint64_t tlfs_hypercall(struct tlfs_host *h, uint64_t input,
			const unsigned char *in, size_t in_len,
			unsigned char *out, size_t out_cap, size_t *out_len,
			struct tlfs_trace *tr);

/* regs: eax, ebx, ecx, edx */
void tlfs_cpuid(const struct tlfs_host *h, uint32_t leaf, uint32_t regs[4]);

/* tlfs_discard_fn that punches a hole in the file *(int *)ctx */
int tlfs_punch_hole(void *ctx, uint64_t off, uint64_t len);

const char *tlfs_status_name(uint16_t status);
/* A status given as a name (with or without HV_STATUS_) or a number; -1 */
long tlfs_status_parse(const char *s);

#endif /* AER_HV_TLFS_H */
