// SPDX-License-Identifier: GPL-2.0
/*
 * aeration engine: the state machine that picks free blocks, hands them to
 * the backend and marks them aerated.  Modelled on mm/page_reporting.c.
 *
 * Per pass, for each zone with enough free memory, for each order from
 * min_order up and each migratetype: walk the free list from the head,
 * skipping aerated blocks, isolating up to capacity blocks; report them
 * with the zone lock dropped; put them back at the tail, marked.  Marked
 * blocks collect at the tail, so the next walk finds the unaerated ones
 * first.  A budget of 1/16 of a list per pass keeps one pass from starving
 * the allocator; whatever is left asks for another pass.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#endif

#include "aeration.h"
#include "glue.h"

void aer_engine_init(struct aer_engine *e)
{
	memset(e, 0, sizeof(*e));
	atomic_set(&e->state, AER_IDLE);
	e->min_order = aerg_nr_orders() > 9 ? 9 : aerg_nr_orders() - 1;
	e->capacity = 32;
	e->delay_ms = AER_DEFAULT_DELAY_MS;
	e->adaptive = 1;
	aer_adapt_reset(e);
	e->lowest_order = aerg_nr_orders();
}

/* Report from the order the backend asks for (it changed, or is new). */
static void aer_follow_order(struct aer_engine *e, struct aer_backend *b)
{
	unsigned int order = READ_ONCE(b->order);

	e->backend_order = order;
	if (order < aerg_nr_orders())
		WRITE_ONCE(e->min_order, order > b->min_order ? order : b->min_order);
}

/*
 * Bring a backend in.  Tunables the operator set stay, clamped to what the
 * backend accepts, except the order a backend asks for.  The caller queues
 * the first pass if this returns 0.
 */
int aer_engine_activate(struct aer_engine *e, struct aer_backend *b)
{
	if (e->backend)
		return -EBUSY;
	/* The last reclaim backend still has frames out: it stays. */
	if (e->reclaimer && e->reclaimer != b)
		return -EBUSY;
	if (!b->report || !b->capacity || b->min_order >= aerg_nr_orders())
		return -EINVAL;

	if (b->has_order)
		aer_follow_order(e, b);
	if (e->min_order < b->min_order)
		e->min_order = b->min_order;
	if (e->capacity > b->capacity || e->capacity > AER_MAX_CAPACITY)
		e->capacity = b->capacity < AER_MAX_CAPACITY ?
			      b->capacity : AER_MAX_CAPACITY;
	e->nr = 0;
	e->drain = false;
	e->percpu_drain_ns = 0;
	aer_adapt_reset(e);
	atomic_set(&e->state, AER_IDLE);
	WRITE_ONCE(e->reclaimer, b->reclaim ? b : NULL);
	WRITE_ONCE(e->backend, b);
	return 0;
}

/* An aerated block left its free list; a merge keeps it free, no reuse. */
static void aer_count_reuse(struct aer_engine *e, unsigned int order,
			    enum aer_leave how)
{
	if (order < AER_MAX_ORDERS)
		atomic_long_inc(&e->stats.reused[order]);
	if (how != AER_LEAVE_MERGE)
		aer_adapt_reused(e);
}

/*
 * Forget every aerated mark, reclaiming first where the backend needs it,
 * so a later backend (or none) starts from a clean free list.  A block
 * whose frames do not come back is held.  Only the orders a pass has
 * marked are walked (marks never move to a lower order): the long order-0
 * lists stay out of this zone-locked walk unless min_order was 0.  Returns
 * how many blocks stay marked: gone, and the zone too low to take them.
 */
static unsigned long aer_unaerate_all(struct aer_engine *e)
{
	struct aer_zone *z;
	struct aer_blk *blk, *next;
	unsigned int order, mt;
	unsigned long left = 0;
	int gone;

	for (z = aerg_zone_next(NULL); z; z = aerg_zone_next(z)) {
		aerg_lock(z);
		for (order = e->lowest_order; order < aerg_nr_orders(); order++) {
			for (mt = 0; mt < aerg_nr_migratetypes(); mt++) {
				for (blk = aerg_first(z, order, mt); blk; blk = next) {
					next = aerg_next(z, order, mt, blk);
					if (!aerg_aerated(blk))
						continue;
					gone = aer_leave(e, aerg_pfn(blk), order,
							 AER_LEAVE_TRY);
					aerg_clear_aerated(blk);
					if (!gone)
						continue;
					if (aerg_isolate(z, blk, order)) {
						aer_count_reuse(e, order, AER_LEAVE_GOING);
						aer_hold(e, aerg_pfn(blk), order);
					} else {
						/* Its reclaim stays the way out. */
						aerg_set_aerated(blk);
						left++;
					}
				}
			}
		}
		aerg_unlock(z);
	}
	return left;
}

/*
 * No backend: bring back what the last reclaim backend still has, marked
 * or held.  Returns true while some is out; then the reclaimer stays, so
 * no allocation can take a gone frame, and the caller asks again later.
 */
static bool aer_recall(struct aer_engine *e)
{
	unsigned long left = aer_unaerate_all(e);

	aer_retry_held(e);
	if (left || atomic_long_read(&e->stats.held_pages) > 0)
		return true;
	WRITE_ONCE(e->reclaimer, NULL);
	e->lowest_order = aerg_nr_orders();
	return false;
}

/*
 * The caller holds off passes; one still queued will find no backend.
 * Returns true if frames are still out: the caller must run passes until
 * aer_pass() says none is needed.
 */
bool aer_engine_deactivate(struct aer_engine *e)
{
	if (!e->backend)
		return false;
	WRITE_ONCE(e->backend, NULL);
	atomic_set(&e->state, AER_IDLE);
	e->last_retry_ns = 0;
	return aer_recall(e);
}

/*
 * A pass is wanted: @freed, a block of at least min_order was freed.
 * Returns true if the caller must queue a pass after aer_next_delay_ms()
 * (the request's age starts then); false if one is queued or running.
 */
bool aer_request(struct aer_engine *e, bool freed)
{
	int was;

	/* For aer_adapt_wait(): a block of 2 MiB or so, an atomic is cheap. */
	if (freed)
		atomic_long_inc(&e->adapt.freed);
	if (atomic_read(&e->state) == AER_REQUESTED)
		return false;
	/* A running pass sees REQUESTED when it ends and asks to run again. */
	was = atomic_xchg(&e->state, AER_REQUESTED);
	if (was == AER_IDLE)
		aer_adapt_requested(e);
	return was == AER_IDLE;
}

/* Bring back the frames of a given-away block, if the backend takes them. */
static int aer_reclaim(struct aer_engine *e, unsigned long pfn,
		       unsigned int order)
{
	struct aer_backend *b = READ_ONCE(e->reclaimer);
	unsigned int every = READ_ONCE(e->fail_reclaim_every);
	unsigned long long t0;
	int err;

	if (!b)
		return 0;
	/* Not the one context: as if the frames stayed gone, the block safe. */
	if (!aerg_reclaim_context(pfn))
		return -EINVAL;
	t0 = aerg_clock_ns();
	if (every && atomic_inc_return(&e->reclaim_seq) % every == 0) {
		/* Injected: as if the hypervisor had no memory for us. */
		atomic_long_inc(&e->stats.injected);
		err = -ENOMEM;
	} else {
		err = b->reclaim(b, pfn, order);
	}
	aerg_trace(AER_OP_RECLAIM, b->id, pfn, order, err);
	if (err) {
		atomic_long_inc(&e->stats.reclaim_failures);
		return err;
	}
	atomic_long_inc(&e->stats.reclaims);
	atomic_long_add(1L << order, &e->stats.reclaim_pages);
	atomic_long_add(aerg_clock_ns() - t0, &e->stats.reclaim_ns);
	return 0;
}

/*
 * An aerated block wants to leave its free list (allocation, split, merge,
 * isolation).  Zone lock held, must not sleep.  Returns 0 once its frames
 * are back; the caller clears the mark.  On error the frames are still
 * gone and the block keeps its mark: with AER_LEAVE_GOING it leaves anyway
 * (the allocator's deletion hook) and the caller must keep it from use.
 */
int aer_leave(struct aer_engine *e, unsigned long pfn, unsigned int order,
	      enum aer_leave how)
{
	int err = aer_reclaim(e, pfn, order);

	if (!err || how == AER_LEAVE_GOING)
		aer_count_reuse(e, order, how);
	/* A merge into an aerated block: with Xen, 2 MiB back on the free path. */
	if (!err && how == AER_LEAVE_MERGE)
		atomic_long_inc(&e->stats.merges);
	return err;
}

/*
 * Keep a block whose frames are gone out of the allocator, like a
 * ballooned page, until aer_retry_held() gets them back.  The allocation
 * that found it takes another block or fails normally.
 */
void aer_hold(struct aer_engine *e, unsigned long pfn, unsigned int order)
{
	aerg_hold(pfn, order);
	atomic_long_inc(&e->stats.held);
	atomic_long_add(1L << order, &e->stats.held_pages);
}

/*
 * Offer held blocks to the backend again, at most every AER_HELD_RETRY_MS;
 * those whose frames come back return to the allocator.  Stops at the
 * first failure: the hypervisor is still short.  Process context; each
 * reclaim under its block's zone lock, as in the allocator.
 */
unsigned long aer_retry_held(struct aer_engine *e)
{
	long left = atomic_long_read(&e->stats.held_pages);
	unsigned long pfn, back = 0;
	unsigned long long now = aerg_clock_ns();
	unsigned int order;
	struct aer_zone *z;
	int err;

	/* Warned here, not in aer_hold(): that runs under the zone lock. */
	if (left > 0 && !e->warned_held) {
		e->warned_held = true;
		pr_warn("aeration: %ld pages whose frames did not come back are held until they do\n",
			left);
	}
	/* 0: never offered (a kernel can be under a second old here). */
	if (left <= 0 || !READ_ONCE(e->reclaimer) ||
	    (e->last_retry_ns && now - e->last_retry_ns < AER_HELD_RETRY_MS * 1000000ULL))
		return 0;
	e->last_retry_ns = now;
	while (left > 0 && aerg_held_pop(&pfn, &order)) {
		left -= 1L << order;
		z = aerg_pfn_zone(pfn);
		aerg_lock(z);
		err = aer_reclaim(e, pfn, order);
		if (!err)
			aerg_putback(z, pfn, order, false);
		aerg_unlock(z);
		if (err) {
			aerg_hold(pfn, order);
			break;
		}
		atomic_long_add(-(1L << order), &e->stats.held_pages);
		atomic_long_inc(&e->stats.returned);
		back++;
	}
	return back;
}

/*
 * Report the isolated batch, then put each block back: marked if the
 * backend took it.  Takes the zone lock and returns with it held.
 */
static int aer_flush(struct aer_engine *e, struct aer_zone *z)
{
	struct aer_backend *b = e->backend;
	unsigned int i;
	int err;

	if (e->fail_every && ++e->report_seq % e->fail_every == 0) {
		/* Injected: the backend never sees this batch. */
		atomic_long_inc(&e->stats.injected);
		err = -EIO;
	} else {
		unsigned long long t0 = aerg_clock_ns();

		err = b->report(b, e->batch, e->nr);
		atomic_long_add(aerg_clock_ns() - t0, &e->stats.report_ns);
	}
	atomic_long_inc(err ? &e->stats.report_failures : &e->stats.reports);
	/* A backend may raise its minimum order when the host asks (Hyper-V). */
	if (e->min_order < READ_ONCE(b->min_order))
		WRITE_ONCE(e->min_order, b->min_order);

	aerg_lock(z);
	for (i = 0; i < e->nr; i++) {
		struct aer_block *blk = &e->batch[i];

		aerg_trace(AER_OP_REPORT, b->id, blk->pfn, blk->order, err);
		if (blk->held) {
			/* Its frames stayed with the hypervisor. */
			aer_hold(e, blk->pfn, blk->order);
			continue;
		}
		if (!err && b->reclaim &&
		    (aerg_would_merge(z, blk->pfn, blk->order) ||
		     aerg_pageblock_isolated(blk->pfn, blk->order))) {
			/*
			 * A buddy was freed while this block was out, or its
			 * pageblock was isolated.  The merged block could not
			 * carry the mark, and an isolated one must not (undoing
			 * the isolation expects free blocks it can take): the
			 * frames come back first.
			 */
			if (aer_reclaim(e, blk->pfn, blk->order))
				aer_hold(e, blk->pfn, blk->order);
			else
				aerg_putback(z, blk->pfn, blk->order, false);
			continue;
		}
		if (aerg_putback(z, blk->pfn, blk->order, !err)) {
			if (blk->order < AER_MAX_ORDERS)
				atomic_long_inc(&e->stats.aerated[blk->order]);
			e->pass_aerated++;
		}
	}
	e->nr = 0;
	return err;
}

static int aer_cycle(struct aer_engine *e, struct aer_zone *z,
		     unsigned int order, unsigned int mt)
{
	struct aer_blk *blk, *next = NULL;
	long budget;
	int err = 0;

	aerg_lock(z);
	budget = (aerg_nr_free(z, order) + e->capacity * 16 - 1) /
		 (e->capacity * 16);

	for (blk = aerg_first(z, order, mt); blk; blk = next) {
		next = aerg_next(z, order, mt, blk);
		if (aerg_aerated(blk))
			continue;

		if (budget < 0) {
			/* Leave the rest for the next pass, soon. */
			e->drain = true;
			atomic_set(&e->state, AER_REQUESTED);
			next = blk;
			break;
		}

		if (e->nr < e->capacity) {
			if (!aerg_isolate(z, blk, order)) {
				next = blk;
				break;
			}
			e->batch[e->nr].pfn = aerg_pfn(blk);
			e->batch[e->nr].order = order;
			e->batch[e->nr].held = false;
			e->nr++;
			continue;
		}

		/* Batch full: resume from this block after reporting. */
		aerg_rotate_to_front(z, order, mt, blk);
		aerg_unlock(z);
		err = aer_flush(e, z);
		budget--;
		/* The list changed while unlocked; restart from its head. */
		next = aerg_first(z, order, mt);
		if (err)
			break;
	}

	/* Start the next walk where this one stopped. */
	if (next)
		aerg_rotate_to_front(z, order, mt, next);
	aerg_unlock(z);
	return err;
}

static int aer_zone_pass(struct aer_engine *e, struct aer_zone *z)
{
	unsigned int order, mt;
	int err = 0;

	/* Isolating a full batch must not push the zone below its watermark. */
	if (!aerg_zone_has_room(z, e->min_order, e->capacity))
		return 0;
	if (e->min_order < e->lowest_order)
		e->lowest_order = e->min_order;

	for (order = e->min_order; order < aerg_nr_orders() && !err; order++) {
		for (mt = 0; mt < aerg_nr_migratetypes() && !err; mt++) {
			if (!aerg_skip_migratetype(mt))
				err = aer_cycle(e, z, order, mt);
		}
	}

	/* Blocks of this zone left in the batch go before the next zone. */
	if (e->nr) {
		int ret = aer_flush(e, z);

		aerg_unlock(z);
		if (!err)
			err = ret;
	}
	return err;
}

/*
 * One pass over every zone.  Returns true if blocks were left over or freed
 * meanwhile, or the backend failed, so the caller must run another pass
 * after aer_next_delay_ms().
 */
bool aer_pass(struct aer_engine *e)
{
	struct aer_backend *b = READ_ONCE(e->backend);
	bool backlog = e->drain;
	struct aer_zone *z;
	int err = 0;

	if (!b) {
		atomic_set(&e->state, AER_IDLE);
		return READ_ONCE(e->reclaimer) && aer_recall(e);
	}
	if (b->has_order && READ_ONCE(b->order) != e->backend_order)
		aer_follow_order(e, b);

	atomic_set(&e->state, AER_ACTIVE);
	aer_retry_held(e);
	/* A backlog's passes learn nothing: the request's first pass will. */
	if (!e->drain && aer_adapt_wait(e)) {
		atomic_set(&e->state, AER_REQUESTED);
		return true;
	}
	atomic_long_inc(&e->stats.passes);
	e->drain = false;
	e->pass_aerated = 0;
	for (z = aerg_zone_next(NULL); z && !err; z = aerg_zone_next(z))
		err = aer_zone_pass(e, z);
	aer_adapt_passed(e, e->pass_aerated);
	/*
	 * A backlog ran out: that was a large free, and the per-CPU lists
	 * keep tens of MiB of it for seconds more, out of reach.  Free those
	 * to the lists and take one more pass, at most every
	 * AER_SLOW_DELAY_MS (it locks every CPU's lists), never under churn.
	 * Their merges are no loud free for aer_adapt_wait().
	 */
	if (!err && backlog && !e->drain && !aer_adapt_churn(e) &&
	    (!e->percpu_drain_ns ||
	     aerg_clock_ns() - e->percpu_drain_ns >= AER_SLOW_DELAY_MS * 1000000ULL)) {
		e->percpu_drain_ns = aerg_clock_ns();
		aerg_drain_percpu();
		aer_adapt_ignore_frees(e);
		e->drain = true;
		atomic_set(&e->state, AER_REQUESTED);
	}
	if (err) {
		e->drain = false;
		aer_adapt_failed(e);
		atomic_set(&e->state, AER_REQUESTED);
	}
	/* Come back for the held blocks. */
	if (atomic_long_read(&e->stats.held_pages) > 0)
		atomic_set(&e->state, AER_REQUESTED);
	return atomic_cmpxchg(&e->state, AER_ACTIVE, AER_IDLE) ==
	       AER_REQUESTED;
}

int aer_set_tunable(struct aer_engine *e, enum aer_tunable t,
		    unsigned long val)
{
	struct aer_backend *b = READ_ONCE(e->backend);
	unsigned long lo, hi;

	switch (t) {
	case AER_MIN_ORDER:
		lo = b ? b->min_order : 0;
		hi = aerg_nr_orders() - 1;
		break;
	case AER_CAPACITY:
		lo = 1;
		hi = b && b->capacity < AER_MAX_CAPACITY ?
		     b->capacity : AER_MAX_CAPACITY;
		break;
	case AER_DELAY_MS:
		lo = 0;
		hi = AER_MAX_DELAY_MS;
		break;
	case AER_ADAPTIVE:
		lo = 0;
		hi = 1;
		break;
	default:
		return -EINVAL;
	}
	if (val < lo || val > hi)
		return -ERANGE;

	switch (t) {
	case AER_MIN_ORDER:
		WRITE_ONCE(e->min_order, val);
		break;
	case AER_CAPACITY:
		WRITE_ONCE(e->capacity, val);
		break;
	case AER_DELAY_MS:
		WRITE_ONCE(e->delay_ms, val);
		break;
	case AER_ADAPTIVE:
		WRITE_ONCE(e->adaptive, val);
		break;
	}
	return 0;
}

unsigned int aer_get_tunable(struct aer_engine *e, enum aer_tunable t)
{
	switch (t) {
	case AER_CAPACITY:
		return READ_ONCE(e->capacity);
	case AER_DELAY_MS:
		return READ_ONCE(e->delay_ms);
	case AER_ADAPTIVE:
		return READ_ONCE(e->adaptive);
	default:
		return READ_ONCE(e->min_order);
	}
}

/* Sum a per-order counter, in blocks or in base pages. */
unsigned long aer_stat_sum(atomic_long_t *per_order, bool pages)
{
	unsigned long sum = 0, n;
	unsigned int order;

	for (order = 0; order < AER_MAX_ORDERS; order++) {
		n = atomic_long_read(&per_order[order]);
		sum += pages ? n << order : n;
	}
	return sum;
}
