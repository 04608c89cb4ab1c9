/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aeration's adaptive delay: how long a pass waits, learned from what the
 * allocator does with aerated blocks.  core/delay.c says why.
 */
#ifndef _AERATION_DELAY_H
#define _AERATION_DELAY_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/atomic.h>
#endif

/*
 * A free's first pass waits AER_AGE_MS (upstream's delay), up to
 * AER_SLOW_DELAY_MS under churn; a backlog left by the per-pass budget
 * drains every AER_FAST_DELAY_MS.  A reuse within AER_CHURN_WINDOW_MS of a
 * pass that aerated counts as churn, AER_CHURN_MIN_BLOCKS make a pattern.
 * Under churn a pass waits for a quiet spell (fewer than loud_blocks freed
 * per look, never fewer than AER_LOUD_MIN_BLOCKS), looking every
 * AER_QUIET_LOOK_MS, at most AER_MAX_WAIT_MS.  A timer may fire up to
 * AER_TIMER_SLACK_MS early (a jiffy) and still count as on time.
 */
#define AER_FAST_DELAY_MS	100
#define AER_AGE_MS		2000
#define AER_SLOW_DELAY_MS	8000
#define AER_CHURN_WINDOW_MS	3000
#define AER_CHURN_MIN_BLOCKS	8
#define AER_LOUD_MIN_BLOCKS	2
#define AER_QUIET_LOOK_MS	500
#define AER_MAX_WAIT_MS		30000
#define AER_TIMER_SLACK_MS	10

struct aer_adaptive {
	unsigned int age_ms;		/* the wait after a free, now */
	unsigned int churn_streak;	/* learns in a row that saw churn */
	unsigned long aerated;		/* blocks marked since the last learn */
	atomic_long_t quick_reuse;	/* aerated blocks reused in the window */
	unsigned long long last_pass_ns;	/* last pass that aerated blocks */
	unsigned long long learned_ns;	/* last learn, 0 never */
	atomic_long_t freed;		/* blocks of min_order or more freed */
	long freed_seen;		/* ... at the last look */
	unsigned long loud_blocks;	/* that many freed per look: not quiet */
	unsigned long long look_ns;	/* last look */
	unsigned long long since_ns;	/* the age counts from here, 0 none */
	unsigned long long wait_ns;	/* first look of a wait out churn, or 0 */
	unsigned long long loud_ns;	/* last look that was not quiet */
};

struct aer_engine;

void aer_adapt_reset(struct aer_engine *e);
void aer_adapt_requested(struct aer_engine *e);
void aer_adapt_reused(struct aer_engine *e);
void aer_adapt_passed(struct aer_engine *e, unsigned long aerated);
void aer_adapt_ignore_frees(struct aer_engine *e);
bool aer_adapt_wait(struct aer_engine *e);
void aer_adapt_failed(struct aer_engine *e);
bool aer_adapt_churn(struct aer_engine *e);

#endif /* _AERATION_DELAY_H */
