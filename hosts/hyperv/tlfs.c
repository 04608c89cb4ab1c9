// SPDX-License-Identifier: GPL-2.0
/*
 * tlfs.c: a Hyper-V host's side of free page hinting, from the TLFS.
 *
 * The order of the checks in tlfs_hypercall() follows the TLFS where it
 * says anything and KVM's kvm_hv_hypercall() where it does not: reserved
 * bits of the input value, then the call code, then the privilege, then
 * the call's own rules.
 */
#define _GNU_SOURCE		/* fallocate() */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/falloc.h>

#include "tlfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void tlfs_host_init(struct tlfs_host *h, uint64_t ram_size,
		    tlfs_discard_fn discard, void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->ram_size = ram_size;
	h->discard = discard;
	h->discard_ctx = ctx;
	h->ext_caps = TLFS_EXTCAP_DEFAULT;
}

uint64_t tlfs_get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void tlfs_put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = v & 0xff;
}

uint32_t tlfs_get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void tlfs_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

uint64_t tlfs_result(uint16_t status, uint16_t reps_done)
{
	return ((uint64_t)status & TLFS_RES_STATUS_MASK) |
	       ((uint64_t)reps_done & TLFS_IN_REP_MASK) << TLFS_RES_REPS_SHIFT;
}

/*
 * One GPA page range to [*gpa, *gpa + *len), checked against guest RAM.
 * Every failure is HV_STATUS_INVALID_PARAMETER: the TLFS common codes only
 * cover the input value and the parameter pages' placement, and Linux's
 * hv_balloon takes INVALID_PARAMETER as "this host wants larger ranges".
 */
static uint16_t decode_range(const struct tlfs_host *h, uint64_t v,
			     uint64_t *gpa, uint64_t *len, const char **why)
{
	uint64_t units = (v & TLFS_RANGE_ADD_MASK) + 1;
	uint64_t unit;

	if (!(v & TLFS_RANGE_LARGE)) {
		if (h->reject_small) {
			*why = "4 KiB-unit range refused (--reject-small)";
			return HV_STATUS_INVALID_PARAMETER;
		}
		*gpa = (v >> TLFS_RANGE_SMALL_PFN_SHIFT) <<
		       TLFS_RANGE_SMALL_PFN_SHIFT;
		unit = TLFS_PAGE_SIZE;
	} else {
		/*
		 * Bits 13-20 are reserved in the large layout; they are also
		 * where a 4 KiB page number not aligned to 2 MiB would put
		 * its low bits, so this is the misaligned large page.
		 */
		if (v & TLFS_RANGE_LARGE_RSVD_MASK) {
			*why = "large range: reserved bits 13-20 set "
			       "(base not 2 MiB aligned)";
			return HV_STATUS_INVALID_PARAMETER;
		}
		*gpa = (v >> TLFS_RANGE_LARGE_SHIFT) << TLFS_RANGE_LARGE_SHIFT;
		unit = (v & TLFS_RANGE_1G) ? TLFS_1G : TLFS_2M;
		if (*gpa & (unit - 1)) {
			*why = "1 GiB range: base not 1 GiB aligned";
			return HV_STATUS_INVALID_PARAMETER;
		}
	}
	*len = units * unit;
	/* Written so that neither side can overflow. */
	if (*gpa >= h->ram_size || *len > h->ram_size - *gpa) {
		*why = "range not inside guest RAM";
		return HV_STATUS_INVALID_PARAMETER;
	}
	return HV_STATUS_SUCCESS;
}

static uint16_t heat_hint(struct tlfs_host *h, unsigned int count,
			  unsigned int start, const unsigned char *in,
			  size_t in_len, struct tlfs_trace *tr)
{
	unsigned int i, end = count;
	uint64_t hdr;

	tr->reps_done = start;
	/*
	 * The input page holds the header and at most 511 ranges; a longer
	 * list would spill over the page, which the TLFS answers with
	 * HV_STATUS_INVALID_ALIGNMENT ("the input parameter list spans
	 * pages").
	 */
	if (count > TLFS_HINT_MAX_RANGES) {
		tr->why = "more than 511 ranges: list spans the input page";
		return HV_STATUS_INVALID_ALIGNMENT;
	}
	/* Our transport only: the guest sent less than it counted. */
	if (in_len < 8 + 8 * (size_t)count) {
		tr->why = "input shorter than header + rep list (transport)";
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (h->fail_all) {
		tr->why = "every heat hint fails (--fail-all)";
		return h->fail_all;
	}
	hdr = tlfs_get_le64(in);
	if ((hdr & TLFS_HINT_TYPE_MASK) != TLFS_HINT_TYPE_COLD_DISCARD) {
		tr->why = "heat hint type is not COLD_DISCARD (2)";
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (hdr & ~TLFS_HINT_TYPE_MASK) {
		tr->why = "reserved bits 2-63 of the heat hint header set";
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (h->max_reps && end - start > h->max_reps)
		end = start + h->max_reps;

	/* In list order; the first bad rep ends the call (TLFS rep rules). */
	for (i = start; i < end; i++) {
		uint64_t v = tlfs_get_le64(in + 8 + 8 * (size_t)i);
		uint64_t gpa = 0, len = 0;
		uint16_t st = decode_range(h, v, &gpa, &len, &tr->why);

		if (st) {
			tr->bad_rep = (int)i;
			tr->bad_range = v;
			return st;
		}
		/*
		 * A hint is advisory: if the host cannot drop the memory the
		 * guest has lost nothing, so the rep still completes; the
		 * error shows in the host's counters.
		 */
		if (h->discard && h->discard(h->discard_ctx, gpa, len)) {
			h->st.host_errors++;
		} else {
			h->st.ranges++;
			h->st.bytes += len;
			tr->bytes += len;
		}
		tr->reps_done = i + 1;
	}
	return HV_STATUS_SUCCESS;
}

uint64_t tlfs_hypercall(struct tlfs_host *h, uint64_t input,
			const unsigned char *in, size_t in_len,
			unsigned char *out, size_t out_cap, size_t *out_len,
			struct tlfs_trace *tr)
{
	struct tlfs_trace dummy;
	unsigned int varhead, count, start;
	uint16_t st;

	if (!tr)
		tr = &dummy;
	memset(tr, 0, sizeof(*tr));
	tr->bad_rep = -1;
	*out_len = 0;
	if (in_len > TLFS_PAGE_SIZE)
		in_len = TLFS_PAGE_SIZE;

	tr->code = input & TLFS_IN_CODE_MASK;
	varhead = (input >> TLFS_IN_VARHEAD_SHIFT) & TLFS_IN_VARHEAD_MASK;
	count = (input >> TLFS_IN_REP_COUNT_SHIFT) & TLFS_IN_REP_MASK;
	start = (input >> TLFS_IN_REP_START_SHIFT) & TLFS_IN_REP_MASK;
	tr->rep_count = count;
	tr->rep_start = start;

	if (tr->code == HVCALL_EXT_MEMORY_HEAT_HINT)
		h->st.hint_calls++;
	else if (tr->code == HVCALL_EXT_QUERY_CAPABILITIES)
		h->st.query_calls++;
	else
		h->st.other_calls++;

	/* TLFS common codes: a reserved input value bit is INVALID_INPUT. */
	if (input & TLFS_IN_RSVD_MASK) {
		tr->why = "reserved bits of the input value set";
		st = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto out;
	}
	if (tr->code != HVCALL_EXT_MEMORY_HEAT_HINT &&
	    tr->code != HVCALL_EXT_QUERY_CAPABILITIES) {
		tr->why = "call code not implemented";
		st = HV_STATUS_INVALID_HYPERCALL_CODE;
		goto out;
	}
	/* The TLFS does not say; KVM answers ACCESS_DENIED. */
	if (h->no_ext_hypercalls) {
		tr->why = "partition lacks EnableExtendedHypercalls";
		st = HV_STATUS_ACCESS_DENIED;
		goto out;
	}
	/*
	 * Both calls pass memory pages and have no variable header: an
	 * input value that asks otherwise is an encoding this call does not
	 * support (KVM answers a fast extended call INVALID_PARAMETER).
	 */
	if (input & TLFS_IN_FAST) {
		tr->why = "fast (register) calling convention";
		st = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto out;
	}
	if (varhead) {
		tr->why = "variable header size not 0";
		st = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto out;
	}

	if (tr->code == HVCALL_EXT_QUERY_CAPABILITIES) {
		/* TLFS: a nonzero rep count to a simple call is INVALID_INPUT */
		if (count || start) {
			tr->why = "rep count or start index on a simple call";
			st = HV_STATUS_INVALID_HYPERCALL_INPUT;
			goto out;
		}
		if (out_cap < 8) {
			tr->why = "no room for the output (host bug)";
			st = HV_STATUS_INSUFFICIENT_MEMORY;
			goto out;
		}
		tlfs_put_le64(out, h->ext_caps);
		*out_len = 8;
		st = HV_STATUS_SUCCESS;
		goto out;
	}

	/*
	 * TLFS common codes: a zero rep count to a rep call, or a rep start
	 * index not below the rep count, is INVALID_INPUT.  A start index
	 * below the count is a continuation: resume at that element.
	 */
	if (!count) {
		tr->why = "rep count 0 on a rep call";
		st = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto out;
	}
	if (start >= count) {
		tr->why = "rep start index not below rep count";
		st = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto out;
	}
	st = heat_hint(h, count, start, in, in_len, tr);
out:
	tr->status = st;
	if (st)
		h->st.failed++;
	return tlfs_result(st, tr->reps_done);
}

void tlfs_cpuid(const struct tlfs_host *h, uint32_t leaf, uint32_t regs[4])
{
	memset(regs, 0, 4 * sizeof(regs[0]));
	switch (leaf) {
	case TLFS_CPUID_VENDOR:
		/* max leaf, then "Microsoft Hv" in EBX, ECX, EDX */
		regs[0] = h->isolation ? TLFS_CPUID_ISOLATION : TLFS_CPUID_MAX_LEAF;
		regs[1] = 0x7263694d;	/* "Micr" */
		regs[2] = 0x666f736f;	/* "osof" */
		regs[3] = 0x76482074;	/* "t Hv" */
		break;
	case TLFS_CPUID_INTERFACE:
		regs[0] = TLFS_CPUID_SIG_HV1;
		break;
	case TLFS_CPUID_FEATURES:
		regs[0] = TLFS_PRIV_EAX_HYPERCALL_MSRS;
		if (!h->no_ext_hypercalls)
			regs[1] = TLFS_PRIV_EBX_EXT_HYPERCALLS;
		if (h->isolation)
			regs[1] |= TLFS_PRIV_EBX_ISOLATION;
		break;
	case TLFS_CPUID_ISOLATION:
		regs[1] = h->isolation & 0xf;
		break;
	}
}

int tlfs_punch_hole(void *ctx, uint64_t off, uint64_t len)
{
	int fd = *(int *)ctx;

	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len))
		return -errno;
	return 0;
}

static const struct {
	uint16_t code;
	const char *name;
} status_names[] = {
	{ HV_STATUS_SUCCESS, "SUCCESS" },
	{ HV_STATUS_INVALID_HYPERCALL_CODE, "INVALID_HYPERCALL_CODE" },
	{ HV_STATUS_INVALID_HYPERCALL_INPUT, "INVALID_HYPERCALL_INPUT" },
	{ HV_STATUS_INVALID_ALIGNMENT, "INVALID_ALIGNMENT" },
	{ HV_STATUS_INVALID_PARAMETER, "INVALID_PARAMETER" },
	{ HV_STATUS_ACCESS_DENIED, "ACCESS_DENIED" },
	{ HV_STATUS_OPERATION_DENIED, "OPERATION_DENIED" },
	{ HV_STATUS_INSUFFICIENT_MEMORY, "INSUFFICIENT_MEMORY" },
};

const char *tlfs_status_name(uint16_t status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(status_names); i++)
		if (status_names[i].code == status)
			return status_names[i].name;
	return "?";
}

long tlfs_status_parse(const char *s)
{
	unsigned long v;
	char *end;
	size_t i;

	if (!strncasecmp(s, "HV_STATUS_", 10))
		s += 10;
	for (i = 0; i < ARRAY_SIZE(status_names); i++)
		if (!strcasecmp(s, status_names[i].name))
			return status_names[i].code;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > 0xffff || *s == '-')
		return -1;
	return (long)v;
}
