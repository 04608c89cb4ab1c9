// SPDX-License-Identifier: GPL-2.0
/*
 * Encode a batch of free blocks as one cold-discard heat hint.  Pure: it
 * builds in the kernel and in the user-space tests (tests/unit), which
 * decode its output with the test host's own reading of the TLFS.
 */
#ifdef __KERNEL__
#include <linux/sort.h>
#else
#include <stdlib.h>
#endif

#include "hyperv.h"

static int aer_hv_cmp(const void *a, const void *b)
{
	const struct aer_block *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/*
 * Blocks of 2 MiB and up go in 2 MiB units, smaller ones in 4 KiB units.
 * Blocks that touch merge into one range while it has room (2048 units),
 * so a batch of neighbours is one range.  Sorts @blocks by pfn.  Returns
 * the number of ranges, at most @nr (the caller keeps nr <= 511).
 */
unsigned int aer_hv_encode(struct aer_block *blocks, unsigned int nr,
			   struct hv_memory_hint *hint)
{
	unsigned long end = 0;
	unsigned int i, n = 0, units = 0, shift = 0;

#ifdef __KERNEL__
	sort(blocks, nr, sizeof(*blocks), aer_hv_cmp, NULL);
#else
	qsort(blocks, nr, sizeof(*blocks), aer_hv_cmp);
#endif
	hint->type = HV_EXT_MEMORY_HEAT_HINT_TYPE_COLD_DISCARD;
	hint->reserved = 0;
	for (i = 0; i < nr; i++) {
		unsigned int order = blocks[i].order;
		unsigned int s = order >= AER_HV_LARGE_ORDER ? AER_HV_LARGE_ORDER : 0;
		unsigned int add = 1U << (order - s);
		unsigned long pfn = blocks[i].pfn;
		union hv_gpa_page_range r = { .address_space = 0 };

		if (n && s == shift && pfn == end &&
		    units + add <= AER_HV_MAX_UNITS) {
			units += add;
			end += 1UL << order;
			hint->ranges[n - 1].page.additional_pages = units - 1;
			continue;
		}
		shift = s;
		units = add;
		end = pfn + (1UL << order);
		r.page.additional_pages = add - 1;
		if (s) {	/* as hv_balloon fills a 2 MiB range */
			r.page.largepage = 1;
			r.page_size = HV_GPA_PAGE_RANGE_PAGE_SIZE_2MB;
			r.base_large_pfn = pfn >> s;
		} else {
			r.page.basepfn = pfn;
		}
		/* By value: hint is __packed, no pointers into it. */
		hint->ranges[n++] = r;
	}
	return n;
}
