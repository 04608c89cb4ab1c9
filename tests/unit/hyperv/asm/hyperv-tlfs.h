/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of Linux 6.12's include/asm-generic/hyperv-tlfs.h that the heat
 * hint encoder (backends/hyperv_hint.c) uses, copied as is, so that the
 * user-space tests build it unmodified (-I tests/unit/hyperv).
 *
 * The copy is checked both ways: test_hvwire decodes the encoder's output
 * with the test host's own reading of the TLFS (hosts/hyperv/tlfs.c), and
 * the KUnit case aeration_test_hyperv_abi builds the encoder against the
 * kernel's header and checks the same bits with its bitfields.
 */
#ifndef _AER_HYPERV_TLFS_STUB_H
#define _AER_HYPERV_TLFS_STUB_H

#include "../../kshim.h"

#define __packed	__attribute__((__packed__))

#define HV_HYP_PAGE_SHIFT	12
#define HV_HYP_PAGE_SIZE	BIT(HV_HYP_PAGE_SHIFT)

#define HV_MAX_FLUSH_PAGES (2048)
#define HV_GPA_PAGE_RANGE_PAGE_SIZE_2MB		0
#define HV_GPA_PAGE_RANGE_PAGE_SIZE_1GB		1

/* HvFlushGuestPhysicalAddressList, HvExtCallMemoryHeatHint hypercall */
union hv_gpa_page_range {
	u64 address_space;
	struct {
		u64 additional_pages:11;
		u64 largepage:1;
		u64 basepfn:52;
	} page;
	struct {
		u64 reserved:12;
		u64 page_size:1;
		u64 reserved1:8;
		u64 base_large_pfn:43;
	};
};

#define HV_MEMORY_HINT_MAX_GPA_PAGE_RANGES  \
	((HV_HYP_PAGE_SIZE - sizeof(struct hv_memory_hint)) / \
		sizeof(union hv_gpa_page_range))

/* HvExtCallMemoryHeatHint hypercall */
#define HV_EXT_MEMORY_HEAT_HINT_TYPE_COLD_DISCARD	2
struct hv_memory_hint {
	u64 type:2;
	u64 reserved:62;
	union hv_gpa_page_range ranges[];
} __packed;

#endif /* _AER_HYPERV_TLFS_STUB_H */
