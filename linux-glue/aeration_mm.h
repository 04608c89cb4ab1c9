/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page allocator's view of aeration, included by mm/page_reporting.h
 * in place of the stock page reporting hooks.  With no backend active the
 * static key keeps every hook a single patched-out jump.
 */
#ifndef _AERATION_MM_H
#define _AERATION_MM_H

#include <linux/jump_label.h>
#include <linux/page-flags.h>

#include "../core/aeration.h"

DECLARE_STATIC_KEY_FALSE(aeration_enabled);
extern struct aer_engine aeration_engine;

void __aeration_notify(void);
void __aeration_leave(struct page *page, unsigned int order);

/* Aerated free blocks carry PG_reported, as reported pages do upstream. */
static inline bool page_reported(struct page *page)
{
	return static_branch_unlikely(&aeration_enabled) && PageReported(page);
}

/* Called from __free_one_page() after merging, zone lock held. */
static inline void page_reporting_notify_free(unsigned int order)
{
	if (!static_branch_unlikely(&aeration_enabled))
		return;
	if (order < READ_ONCE(aeration_engine.min_order))
		return;
	__aeration_notify();
}

/*
 * Called from __del_page_from_free_list() for an aerated block: the block
 * is about to be allocated, split, merged or isolated.
 */
static inline void page_reported_clear(struct page *page, unsigned int order)
{
	__aeration_leave(page, order);
}

#endif /* _AERATION_MM_H */
