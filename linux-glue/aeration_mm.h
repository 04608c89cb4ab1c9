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

void __aeration_notify(bool freed);
bool __aeration_reclaim(struct page *page, unsigned int order, bool merge);
void __aeration_leave(struct page *page, unsigned int order);
void __aeration_hold(struct page *page);

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
	__aeration_notify(true);
}

/*
 * A backend may have given an aerated block's frames away (Xen).  They
 * come back before the block leaves its free list; where that fails:
 *
 * page_reported_reclaim(): before an isolation, and
 * page_reported_merge(): before a merge, which can leave the block where
 *   it is instead.  True if the block may go.
 * page_reported_clear(): in __del_page_from_free_list(), for every other
 *   way out (allocation).  If the frames stay gone, so does the mark, and
 * page_reported_whole(): expand() does not split it (no half, no guard
 *   page, can carry the mark back to a list), and
 * page_reported_hold(): rmqueue keeps the whole block from its caller.
 *   True if aeration took it: the allocation takes another block, at most
 *   PAGE_REPORTED_MAX_HOLDS times, so that a hypervisor out of memory costs
 *   an allocation a few failed hypercalls, not one per aerated block.
 */
static inline bool page_reported_reclaim(struct page *page, unsigned int order)
{
	return !page_reported(page) || __aeration_reclaim(page, order, false);
}

static inline bool page_reported_merge(struct page *page, unsigned int order)
{
	return !page_reported(page) || __aeration_reclaim(page, order, true);
}

static inline void page_reported_clear(struct page *page, unsigned int order)
{
	__aeration_leave(page, order);
}

/* The block's order, for page_reported_hold(): private is free until then. */
static inline bool page_reported_whole(struct page *page, unsigned int order)
{
	if (!page_reported(page))
		return false;
	set_page_private(page, order);
	return true;
}

static inline bool page_reported_hold(struct page *page)
{
	if (!page_reported(page))
		return false;
	__aeration_hold(page);
	return true;
}

#endif /* _AERATION_MM_H */
