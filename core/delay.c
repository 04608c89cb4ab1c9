// SPDX-License-Identifier: GPL-2.0
/*
 * aeration's adaptive delay.  A fixed delay cannot win both ways: short,
 * and memory that is freed and soon reallocated gets reported and
 * refaulted (churn); long, and an idle guest keeps its free memory from the
 * host for seconds.  Upstream's 2 s delay loses the second way less by its
 * length than by its repetition: each pass takes 1/16 of a free list and
 * waits 2 s again.  So: after a free the first pass waits AER_AGE_MS (2 s,
 * as upstream: memory freed and reused within that is never reported),
 * but the backlog a pass leaves drains at AER_FAST_DELAY_MS, blocks freed
 * meanwhile included.
 *
 * The first pass of each request learns from what the passes since the
 * previous learn aerated, the drain included.  Churn is the same memory
 * going around: about as many aerated blocks reused within
 * AER_CHURN_WINDOW_MS of a pass that aerated as those passes aerated
 * (between a quarter and four times as many, AER_CHURN_MIN_BLOCKS at
 * least; the allocator takes the oldest aerated blocks first, so which
 * blocks cannot tell).  A program that starts after boot and takes the
 * free memory reuses far more than the passes since aerated, once: no
 * churn.  Churn seen by two learns in a row is a pattern: go straight to
 * AER_SLOW_DELAY_MS, because every round spent finding the right delay is
 * a round of refaults; seen once, nothing changes.  A learn that sees no
 * churn puts the age back to AER_AGE_MS at once: the churn is over, and a
 * large free now must not wait for it, nor go before it is AER_AGE_MS old.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/time64.h>
#endif

#include "aeration.h"
#include "glue.h"

#define AER_MS	((unsigned long long)NSEC_PER_MSEC)

/* Forget what was learned: it was about another backend, or another run. */
void aer_adapt_reset(struct aer_engine *e)
{
	struct aer_adaptive *a = &e->adapt;

	a->age_ms = AER_AGE_MS;
	a->churn_streak = 0;
	a->aerated = 0;
	atomic_long_set(&a->quick_reuse, 0);
	a->learned_ns = 0;
	a->freed_seen = atomic_long_read(&a->freed);
	a->loud_blocks = AER_LOUD_MIN_BLOCKS;
	a->look_ns = 0;
	a->since_ns = 0;
	a->wait_ns = 0;
	a->loud_ns = 0;
}

/*
 * A pass was requested from idle: the age starts.  Not for a free while a
 * pass runs (that pass may take it; the next waits a whole age after it),
 * so that only the worker moves since_ns once a request is pending.
 */
void aer_adapt_requested(struct aer_engine *e)
{
	WRITE_ONCE(e->adapt.since_ns, aerg_clock_ns());
}

/*
 * An aerated block was reused.  Soon after a pass that aerated, we may be
 * reporting too early.  Whichever block: the allocator takes the oldest
 * aerated blocks first, so what the pass just aerated is rarely what goes.
 */
void aer_adapt_reused(struct aer_engine *e)
{
	if (READ_ONCE(e->adaptive) &&
	    aerg_clock_ns() - READ_ONCE(e->adapt.last_pass_ns) <
	    AER_CHURN_WINDOW_MS * AER_MS)
		atomic_long_inc(&e->adapt.quick_reuse);
}

/* A pass ran and marked @aerated blocks. */
void aer_adapt_passed(struct aer_engine *e, unsigned long aerated)
{
	e->adapt.aerated += aerated;
	if (aerated)
		WRITE_ONCE(e->adapt.last_pass_ns, aerg_clock_ns());
}

/* What was freed so far is no loud free (the per-CPU lists' merges). */
void aer_adapt_ignore_frees(struct aer_engine *e)
{
	e->adapt.freed_seen = atomic_long_read(&e->adapt.freed);
}

/* The age is above AER_AGE_MS: churn, or a failing backend backing off. */
bool aer_adapt_churn(struct aer_engine *e)
{
	return READ_ONCE(e->adapt.age_ms) > AER_AGE_MS;
}

/*
 * Passes that aerated nothing teach nothing, and it learns at most once
 * per AER_CHURN_WINDOW_MS, so that the reuse still to come is counted.
 */
static void aer_learn(struct aer_adaptive *a, unsigned long long now)
{
	unsigned long quick = atomic_long_read(&a->quick_reuse);
	unsigned long aerated = a->aerated;

	/* The last blocks' churn window is still open: their reuse may come. */
	if (a->learned_ns && now - a->learned_ns < AER_CHURN_WINDOW_MS * AER_MS)
		return;
	a->aerated = 0;
	atomic_long_set(&a->quick_reuse, 0);
	if (!aerated)
		return;
	a->learned_ns = now;
	/* A few blocks are no pattern, whatever the ratio. */
	if (quick * 4 >= aerated && quick <= aerated * 4 &&
	    quick >= AER_CHURN_MIN_BLOCKS && aerated >= AER_CHURN_MIN_BLOCKS) {
		/* An eighth of the churn is loud; a merge or two is not. */
		a->loud_blocks = quick / 8 > AER_LOUD_MIN_BLOCKS ?
				 quick / 8 : AER_LOUD_MIN_BLOCKS;
		if (++a->churn_streak >= 2)
			WRITE_ONCE(a->age_ms, AER_SLOW_DELAY_MS);
	} else {
		a->churn_streak = 0;
		WRITE_ONCE(a->age_ms, AER_AGE_MS);
	}
}

/*
 * A request's pass is due: learn, then say whether it must wait (true:
 * look again after aer_next_delay_ms()).
 *
 * Under churn it waits until the age has passed since the last look that
 * found loud_blocks or more freed: memory freed and reused on a cycle
 * shorter than the age is then never reported, wherever the cycle falls
 * against the timer.  A count, not the time of the last free: the odd
 * background free (per-cpu pages merging into a block) must not hold a
 * large free back.  A guest that never goes quiet still gets its pass
 * AER_MAX_WAIT_MS after the first look.
 *
 * Otherwise the pass runs once the age has passed since the request.  A
 * request waiting out churn saw its later frees only at its looks: such a
 * free came after the look before, so its age counts from that look, the
 * earliest it can have come.  Then a learn that ends the churn sends it
 * 1.5-2 s after its free at the earliest, as upstream sends a free that
 * joins a pending request, not at once.  Once the churn is over the
 * request waits at most that once: a steady stream of frees cannot hold
 * its pass back.  Every look that waits counts in stats.deferred.
 */
bool aer_adapt_wait(struct aer_engine *e)
{
	struct aer_adaptive *a = &e->adapt;
	unsigned long long now = aerg_clock_ns(), look = a->look_ns, since;
	long freed = atomic_long_read(&a->freed);
	bool loud;

	aer_learn(a, now);
	if (!READ_ONCE(e->adaptive)) {
		a->wait_ns = 0;
		return false;
	}
	/* Loud by the threshold the learn may just have set. */
	loud = freed - a->freed_seen >= (long)a->loud_blocks;
	if (freed != a->freed_seen && a->wait_ns && look > READ_ONCE(a->since_ns))
		WRITE_ONCE(a->since_ns, look);
	a->freed_seen = freed;
	a->look_ns = now;
	if (!aer_adapt_churn(e)) {
		a->wait_ns = 0;
		since = READ_ONCE(a->since_ns);
		if (!since || now - since + AER_TIMER_SLACK_MS * AER_MS >=
		    a->age_ms * AER_MS)
			return false;
	} else {
		if (!a->wait_ns)
			a->wait_ns = now;
		if (loud)
			a->loud_ns = now;
		if (now - a->loud_ns >= a->age_ms * AER_MS ||
		    now - a->wait_ns >= AER_MAX_WAIT_MS * AER_MS) {
			a->wait_ns = 0;
			return false;
		}
	}
	atomic_long_inc(&e->stats.deferred);
	return true;
}

/* A report failed: try again later, backing off; the failure may pass. */
void aer_adapt_failed(struct aer_engine *e)
{
	unsigned int d = e->adapt.age_ms * 2;

	WRITE_ONCE(e->adapt.age_ms, d < AER_SLOW_DELAY_MS ? d : AER_SLOW_DELAY_MS);
	e->adapt.loud_ns = aerg_clock_ns();	/* the wait counts from now */
}

/* How long the caller waits before the next pass. */
unsigned int aer_next_delay_ms(struct aer_engine *e)
{
	unsigned int age = READ_ONCE(e->adapt.age_ms);
	unsigned int d = READ_ONCE(e->delay_ms);
	unsigned long long since;

	if (READ_ONCE(e->adaptive)) {
		since = aerg_clock_ns() - READ_ONCE(e->adapt.since_ns);
		if (READ_ONCE(e->drain))
			d = AER_FAST_DELAY_MS;
		else if (aer_adapt_churn(e))
			d = AER_QUIET_LOOK_MS;
		else if (since < age * AER_MS)	/* the rest of the age */
			d = DIV_ROUND_UP_ULL(age * AER_MS - since, NSEC_PER_MSEC);
		else
			d = age;
	}
	/* Held blocks: the hypervisor is short, no hurry. */
	if (atomic_long_read(&e->stats.held_pages) > 0 && d < AER_HELD_RETRY_MS)
		d = AER_HELD_RETRY_MS;
	return d;
}
