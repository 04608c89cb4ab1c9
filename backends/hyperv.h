/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cold-discard heat hints: HvExtCallMemoryHeatHint takes one input page,
 * struct hv_memory_hint and up to HV_MEMORY_HINT_MAX_GPA_PAGE_RANGES
 * union hv_gpa_page_range, all from the kernel's hyperv-tlfs.h.  The
 * user-space tests build the encoder against a copy of those definitions
 * (tests/unit/hyperv/); the KUnit suite checks the encoder against the
 * kernel's own.
 */
#ifndef _AERATION_HYPERV_H
#define _AERATION_HYPERV_H

#include <asm/hyperv-tlfs.h>

#include "../core/backend.h"

/* additional_pages is 11 bits: at most 2048 units in one range. */
#define AER_HV_MAX_UNITS	HV_MAX_FLUSH_PAGES
/* Blocks of this order and up (2 MiB) go in 2 MiB units. */
#define AER_HV_LARGE_ORDER	9

/* Ours, not the TLFS: no hypervisor answered (no Hyper-V, transport down). */
#define AER_HV_STATUS_NO_ANSWER	0xffff

/* One heat hint's input page. */
union aer_hv_hint_page {
	struct hv_memory_hint hint;
	u64 raw[HV_HYP_PAGE_SIZE / sizeof(u64)];
};

unsigned int aer_hv_encode(struct aer_block *blocks, unsigned int nr,
			   struct hv_memory_hint *hint);

#ifdef __KERNEL__
/* The test transport to a TLFS test host, tests/kernel/hyperv_test_host.c. */
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
