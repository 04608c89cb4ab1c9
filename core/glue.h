/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the engine needs from a buddy allocator.  Implemented by
 * linux-glue/mm.c on top of struct zone and struct page, and by the model
 * allocator in tests/unit/buddy.c.
 *
 * A "zone" is one buddy allocator with its own lock; a "blk" is the head
 * page of a free block.  Everything between aerg_lock() and aerg_unlock()
 * runs with the zone lock held and must not sleep.
 */
#ifndef _AERATION_GLUE_H
#define _AERATION_GLUE_H

#include "backend.h"

struct aer_zone;
struct aer_blk;

/* Walk populated zones: aerg_zone_next(NULL) is the first. */
struct aer_zone *aerg_zone_next(struct aer_zone *z);
/* Enough free memory in the zone to isolate @nr blocks of @order? */
bool aerg_zone_has_room(struct aer_zone *z, unsigned int order,
			unsigned int nr);
unsigned int aerg_nr_orders(void);
unsigned int aerg_nr_migratetypes(void);
/* Free lists the engine must never take blocks from (isolation). */
bool aerg_skip_migratetype(unsigned int mt);

void aerg_lock(struct aer_zone *z);
void aerg_unlock(struct aer_zone *z);

/* Free list access, zone lock held. */
unsigned long aerg_nr_free(struct aer_zone *z, unsigned int order);
struct aer_blk *aerg_first(struct aer_zone *z, unsigned int order,
			   unsigned int mt);
struct aer_blk *aerg_next(struct aer_zone *z, unsigned int order,
			  unsigned int mt, struct aer_blk *b);
void aerg_rotate_to_front(struct aer_zone *z, unsigned int order,
			  unsigned int mt, struct aer_blk *b);
bool aerg_aerated(struct aer_blk *b);
void aerg_clear_aerated(struct aer_blk *b);
void aerg_set_aerated(struct aer_blk *b);
unsigned long aerg_pfn(struct aer_blk *b);

/*
 * Blocks held back: off the free lists, frames still with the hypervisor.
 * aerg_hold() may be called with a zone lock held; neither sleeps.
 */
void aerg_hold(unsigned long pfn, unsigned int order);
bool aerg_held_pop(unsigned long *pfn, unsigned int *order);
struct aer_zone *aerg_pfn_zone(unsigned long pfn);

/*
 * One block reported or reclaimed, @result 0 or an error: the trace events
 * aeration:report, :reclaim and :fail (linux-glue/trace.c).
 */
enum aer_op { AER_OP_REPORT, AER_OP_RECLAIM };
void aerg_trace(enum aer_op op, enum aer_backend_id id, unsigned long pfn,
		unsigned int order, int result);

/* A monotonic clock, for the cost counters. */
unsigned long long aerg_clock_ns(void);
/* Free the pages the per-CPU lists hold to the free lists; may sleep. */
void aerg_drain_percpu(void);

/*
 * reclaim()'s one context, checked before every call: the zone lock of
 * @pfn held, so interrupts off (a backend may use per-CPU buffers).
 */
bool aerg_reclaim_context(unsigned long pfn);

/* Take a block off its free list, like __isolate_free_page(). */
bool aerg_isolate(struct aer_zone *z, struct aer_blk *b, unsigned int order);
/*
 * Return an isolated block to the tail of its free list without notifying
 * the engine.  If @mark, mark it aerated, unless it merged with a buddy.
 * Returns true if the block is now marked.
 */
bool aerg_putback(struct aer_zone *z, unsigned long pfn, unsigned int order,
		  bool mark);
/* Is a pageblock of the block isolated (offlining, alloc_contig_range)? */
bool aerg_pageblock_isolated(unsigned long pfn, unsigned int order);
/*
 * Would an isolated block merge with a free buddy if put back now (the
 * migratetypes allowing it, as in __free_one_page())?
 */
bool aerg_would_merge(struct aer_zone *z, unsigned long pfn,
		      unsigned int order);

#endif /* _AERATION_GLUE_H */
