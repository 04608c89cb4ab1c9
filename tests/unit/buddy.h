/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A model of the Linux buddy allocator for the user-space build of core/:
 * zones with free lists per order and migratetype, split on allocation,
 * merge with free buddies on free, isolation and putback, and the same
 * hook points as mm/page_alloc.c (notify on free, leave on removal).
 */
#ifndef _AER_BUDDY_H
#define _AER_BUDDY_H

#include "../../core/aeration.h"

#define MB_ORDERS	11	/* NR_PAGE_ORDERS on x86_64 */
#define MB_MTS		3	/* unmovable, movable, isolate */
#define MB_MT_ISOLATE	2
#define MB_PAGEBLOCK	9	/* order of one pageblock */
#define MB_MAX_ZONES	2
#define MB_MAX_PAGES	(1UL << 16)

/* One struct per page frame, like struct page. */
struct aer_blk {
	unsigned long pfn;
	struct aer_blk *prev, *next;	/* free list links, head pages only */
	unsigned int order;		/* block order, head pages only */
	unsigned int mt;		/* pageblock migratetype */
	bool buddy;			/* head of a free block on a list */
	bool aerated;			/* PageReported */
	bool isolated;			/* head of a block the engine holds */
	bool allocated;			/* handed out (every page of a block) */
	bool gone;			/* frame taken by a reclaim backend */
	bool held;			/* held back: frames gone, not free */
	bool guard;			/* head of a debug_pagealloc guard block */
};

struct aer_zone {
	unsigned int id;
	unsigned long start_pfn, nr_pages;
	struct aer_blk heads[MB_ORDERS][MB_MTS];	/* list sentinels */
	unsigned long nr_free[MB_ORDERS];
	unsigned long free_pages;
	unsigned long low_wmark;
	int locked;
};

extern struct aer_engine mb_engine;
extern struct aer_blk mb_pages[MB_MAX_PAGES];
extern struct aer_zone mb_zones[MB_MAX_ZONES];
extern unsigned int mb_nr_zones;
extern unsigned long long mb_now_ns;	/* aerg_clock_ns() */
extern int mb_requests;		/* times the engine asked for a pass */
extern int mb_percpu_drains;	/* aerg_drain_percpu() calls */
extern bool mb_fail_isolate;	/* make aerg_isolate() fail */
/* debug_guardpage_minorder: split-off halves below it become guard pages. */
extern unsigned int mb_guard_minorder;
extern unsigned long mb_gone_handed_out;	/* must stay 0 */
extern unsigned long mb_bad_context;	/* reclaims off their zone lock: 0 */
extern unsigned long mb_max_holds;	/* most blocks one mb_alloc() held */
/* aerg_trace() calls by enum aer_op: blocks, blocks with an error. */
extern unsigned long mb_traced[2], mb_traced_failed[2];

/*
 * A backend that records what it is given.  The reclaim kind marks given
 * frames "gone" until reclaimed, like Xen; mb_check() then proves that no
 * gone frame is handed out or left unmarked on a free list.
 */
struct mb_backend {
	struct aer_backend b;
	bool reclaim_kind;
	int fail_reports;		/* fail this many report calls */
	int fail_reclaims;
	bool hold_on_fail;		/* a failing report keeps blocks[0] */
	unsigned long calls, blocks, pages, max_batch, reclaims;
	unsigned long last_reclaim_pfn;	/* the last block reclaimed */
	unsigned int last_reclaim_order;
	void (*during_report)(const struct aer_block *blocks, unsigned int nr);
};

extern struct mb_backend mb_tb;
void mb_backend_init(bool reclaim_kind);

/* @zone_pages per zone, all free; pageblocks alternate migratetypes. */
void mb_init(unsigned int nr_zones, unsigned long zone_pages);
/* Returns the first pfn of a 2^order block, or -1 if none is free. */
long mb_alloc(unsigned int order, unsigned int mt);
void mb_free(unsigned long pfn, unsigned int order);
/* __isolate_free_page(): the free block at @pfn; its order, or -1. */
int mb_isolate_free(unsigned long pfn);
/*
 * Memory offline of the order-10 range holding @pfn (all free): its first
 * pfn, or -1 if busy.  mb_online() gives it back to the allocator.
 */
long mb_offline(unsigned long pfn);
void mb_online(unsigned long start);
/* Blocks held back now. */
unsigned long mb_nr_held(void);
/* Set a pageblock's migratetype (pfn is any page in it). */
void mb_set_pageblock_mt(unsigned long pfn, unsigned int mt);
/*
 * Check that every page is in exactly one state and that counters and
 * lists agree.  Returns 0, or a message describing the first violation.
 */
const char *mb_check(void);
unsigned long mb_count_aerated_pages(void);
unsigned long mb_count_gone(void);

#endif /* _AER_BUDDY_H */
