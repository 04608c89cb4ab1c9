// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit case: the Hyper-V backend's hint encoder against the kernel's own
 * definitions of the wire format.  Part of the aeration suite: included by
 * linux-glue/aeration_kunit.c when the backend is built.
 */
#include "../../backends/hyperv.h"

/* Range @i of @hint read through the kernel's bitfields: first pfn, pages. */
static unsigned long kt_hv_range(struct hv_memory_hint *hint, unsigned int i,
				 unsigned long *pfn)
{
	union hv_gpa_page_range r = hint->ranges[i];
	unsigned long n = r.page.additional_pages + 1;

	if (!r.page.largepage) {
		*pfn = r.page.basepfn;
		return n;
	}
	if (r.page_size != HV_GPA_PAGE_RANGE_PAGE_SIZE_2MB || r.reserved1)
		return 0;
	*pfn = (unsigned long)r.base_large_pfn << AER_HV_LARGE_ORDER;
	return n << AER_HV_LARGE_ORDER;
}

/*
 * The Hyper-V encoder against the kernel's union hv_gpa_page_range and
 * struct hv_memory_hint (the user-space tests build it against a copy):
 * 4 KiB and 2 MiB units, merging up to 2048 units, the widest frame
 * numbers.  The raw values are the ones test_hvwire expects of the copy.
 */
static void aeration_test_hyperv_abi(struct kunit *test)
{
	static union aer_hv_hint_page page;
	struct hv_memory_hint *hint = &page.hint;
	unsigned long small = (1UL << 52) - 2, large = ((1UL << 43) - 1) << 9;
	struct aer_block b[9];
	unsigned long pfn = 0;
	unsigned int i;

	BUILD_BUG_ON(sizeof(page) != HV_HYP_PAGE_SIZE);
	BUILD_BUG_ON(HV_MEMORY_HINT_MAX_GPA_PAGE_RANGES != 511);

	b[0] = (struct aer_block){ .pfn = 512, .order = 9 };
	b[1] = (struct aer_block){ .pfn = 256, .order = 8 };
	b[2] = (struct aer_block){ .pfn = 0, .order = 0 };
	b[3] = (struct aer_block){ .pfn = 1, .order = 0 };
	KUNIT_ASSERT_EQ(test, aer_hv_encode(b, 4, hint), 3U);
	KUNIT_EXPECT_EQ(test, page.raw[0],
			(u64)HV_EXT_MEMORY_HEAT_HINT_TYPE_COLD_DISCARD);
	KUNIT_EXPECT_EQ(test, page.raw[1], 1ULL);
	KUNIT_EXPECT_EQ(test, page.raw[2], (256ULL << 12) | 255);
	KUNIT_EXPECT_EQ(test, page.raw[3], (1ULL << 21) | BIT_ULL(11));
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 0, &pfn), 2UL);
	KUNIT_EXPECT_EQ(test, pfn, 0UL);
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 1, &pfn), 256UL);
	KUNIT_EXPECT_EQ(test, pfn, 256UL);
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 2, &pfn), 512UL);
	KUNIT_EXPECT_EQ(test, pfn, 512UL);

	/* 9 * 256 pages: 2048 units fill the first range, one block is left. */
	for (i = 0; i < 9; i++)
		b[i] = (struct aer_block){ .pfn = 256 * i, .order = 8 };
	KUNIT_ASSERT_EQ(test, aer_hv_encode(b, 9, hint), 2U);
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 0, &pfn), 2048UL);
	KUNIT_EXPECT_EQ(test, pfn, 0UL);
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 1, &pfn), 256UL);
	KUNIT_EXPECT_EQ(test, pfn, 2048UL);

	/* The widest frame numbers: 52 bits, 43 bits for 2 MiB frames. */
	b[0] = (struct aer_block){ .pfn = small, .order = 1 };
	b[1] = (struct aer_block){ .pfn = large, .order = 9 };
	KUNIT_ASSERT_EQ(test, aer_hv_encode(b, 2, hint), 2U);
	KUNIT_EXPECT_EQ(test, page.raw[1],
			((u64)(large >> 9) << 21) | BIT_ULL(11));
	KUNIT_EXPECT_EQ(test, page.raw[2], ((u64)small << 12) | 1);
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 0, &pfn), 512UL);
	KUNIT_EXPECT_EQ(test, pfn, large);
	KUNIT_EXPECT_EQ(test, kt_hv_range(hint, 1, &pfn), 2UL);
	KUNIT_EXPECT_EQ(test, pfn, small);
}
