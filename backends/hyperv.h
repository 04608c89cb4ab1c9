/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side's reading of the Hyper-V TLFS for cold-discard hints:
 * HvExtCallMemoryHeatHint (0x8003) takes an input page holding one 8-byte
 * header (bits 0-1: hint type) and up to 511 GPA page ranges, each one u64:
 *
 *   4 KiB units:  bits 0-10 additional pages, bit 11 = 0, bits 12-63 GPFN
 *   2 MiB units:  bits 0-10 additional pages, bit 11 = 1, bit 12 page size
 *                 (0: 2 MiB), bits 21-63 the 2 MiB frame number
 *
 * as union hv_gpa_page_range in include/asm-generic/hyperv-tlfs.h, written
 * out with shifts so that the user-space tests build the same encoder.
 * The test host (hosts/hyperv/tlfs.c) reads the TLFS on its own.
 */
#ifndef _AERATION_HYPERV_H
#define _AERATION_HYPERV_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#endif

#include "../core/backend.h"

#define AER_HV_CALL_QUERY_CAPABILITIES	0x8001
#define AER_HV_CALL_MEMORY_HEAT_HINT	0x8003
#define AER_HV_CAP_COLD_DISCARD		BIT_ULL(8)
#define AER_HV_HINT_COLD_DISCARD	2
#define AER_HV_ENABLE_EXTENDED_HYPERCALLS	BIT(20)	/* CPUID 0x40000003 EBX */

#define AER_HV_MAX_RANGES		511	/* (4096 - 8) / 8 */
#define AER_HV_MAX_UNITS		2048	/* additional pages: 11 bits */
#define AER_HV_LARGE_ORDER		9	/* 2 MiB units from this order */

/* Hypercall input value and result (TLFS "hypercall interface"). */
#define AER_HV_REP_COUNT_SHIFT		32
#define AER_HV_STATUS(result)		((unsigned int)((result) & 0xffff))
#define AER_HV_REPS_DONE(result)	((unsigned int)(((result) >> 32) & 0xfff))
#define AER_HV_STATUS_SUCCESS		0
#define AER_HV_STATUS_INVALID_PARAMETER	5
/* Ours, not the TLFS: no hypervisor answered (no Hyper-V, transport down). */
#define AER_HV_STATUS_NO_ANSWER		0xffff

/* The input page of one heat hint: header, then the ranges. */
struct aer_hv_hint {
	u64 header;
	u64 ranges[AER_HV_MAX_RANGES];
};

unsigned int aer_hv_encode(struct aer_block *blocks, unsigned int nr,
			   struct aer_hv_hint *hint);

#ifdef __KERNEL__
/* The test transport to a TLFS test host, backends/hyperv_test_host.c. */
#ifdef CONFIG_AERATION_HYPERV_TEST_HOST
extern bool aer_hv_test_host;
void aer_hv_test_cpuid(u32 leaf, u32 *r);
u64 aer_hv_test_hypercall(u64 control, const void *in, unsigned int len,
			  u64 *out);
#else
#define aer_hv_test_host false
static inline void aer_hv_test_cpuid(u32 leaf, u32 *r)
{
}

static inline u64 aer_hv_test_hypercall(u64 control, const void *in,
					unsigned int len, u64 *out)
{
	return AER_HV_STATUS_NO_ANSWER;
}
#endif
#endif

#endif /* _AERATION_HYPERV_H */
