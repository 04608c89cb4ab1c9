/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aeration engine: hypervisor-neutral free page hinting.
 *
 * The engine walks the buddy free lists, isolates blocks that have not been
 * aerated yet, hands them to one backend in batches, and puts them back at
 * the tail of their free list marked "aerated".  A block loses the mark when
 * it leaves the free list; backends whose hypervisor takes the frame away
 * (Xen) get a reclaim call before the block can be handed out.
 *
 * This file and the rest of core/ build both in the kernel and in the
 * user-space harness (tests/unit), so they only see the allocator through
 * core/glue.h.
 */
#ifndef _AERATION_CORE_H
#define _AERATION_CORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/atomic.h>
#endif

#include "backend.h"
#include "delay.h"

/* Largest batch any backend may ask for (Xen: 512 frames per hypercall). */
#define AER_MAX_CAPACITY	512
/* Largest allocator order the engine tracks counters for. */
#define AER_MAX_ORDERS		16
#define AER_DEFAULT_DELAY_MS	2000
#define AER_MAX_DELAY_MS	60000
/* How often held blocks are offered to the backend again. */
#define AER_HELD_RETRY_MS	1000

enum aer_state {
	AER_IDLE = 0,		/* no pass queued */
	AER_REQUESTED,		/* a pass is queued, or must run again */
	AER_ACTIVE,		/* a pass is running */
};

struct aer_stats {
	atomic_long_t aerated[AER_MAX_ORDERS];	/* blocks marked, per order */
	atomic_long_t reused[AER_MAX_ORDERS];	/* marked blocks that left */
	atomic_long_t reports;			/* successful report calls */
	atomic_long_t report_failures;		/* including injected ones */
	atomic_long_t report_ns;		/* time spent in report() */
	atomic_long_t injected;			/* failures made up by fail_every */
	atomic_long_t reclaims;			/* backend reclaim calls */
	atomic_long_t reclaim_failures;
	atomic_long_t reclaim_pages;		/* pages brought back */
	atomic_long_t reclaim_ns;		/* time spent bringing them back */
	atomic_long_t held;			/* blocks held back, frames gone */
	atomic_long_t held_pages;		/* pages held back now */
	atomic_long_t returned;			/* held blocks given back later */
	atomic_long_t merges;			/* merges into an aerated buddy */
	atomic_long_t passes;
	atomic_long_t deferred;			/* looks that found no quiet spell */
};

enum aer_tunable {
	AER_MIN_ORDER,
	AER_CAPACITY,
	AER_DELAY_MS,
	AER_ADAPTIVE,
};

struct aer_engine {
	struct aer_backend *backend;	/* NULL while no backend is active */
	/*
	 * The reclaim backend whose frames may be out: reclaim() goes to it.
	 * It outlives its deactivation until every frame is back.
	 */
	struct aer_backend *reclaimer;
	atomic_t state;			/* enum aer_state */
	unsigned int min_order;		/* smallest block order to aerate */
	unsigned int backend_order;	/* the backend's order last followed */
	unsigned int capacity;		/* blocks per report call */
	unsigned int delay_ms;		/* wait before a pass, if not adaptive */
	unsigned int adaptive;		/* 1: pick the delay from what we see */
	struct aer_adaptive adapt;	/* what it learned, core/delay.c */
	bool drain;			/* the last pass left a backlog */
	unsigned long long percpu_drain_ns;	/* per-CPU lists last emptied */
	unsigned int nr;		/* blocks isolated in batch[] */
	unsigned long pass_aerated;	/* blocks this pass marked */
	unsigned int lowest_order;	/* lowest order a pass has marked */
	unsigned int fail_every;	/* fault injection: fail every Nth report */
	unsigned int report_seq;
	unsigned int fail_reclaim_every;	/* ... and every Nth reclaim */
	atomic_t reclaim_seq;
	unsigned long long last_retry_ns;	/* held blocks last offered, 0 never */
	bool warned_held;
	struct aer_block batch[AER_MAX_CAPACITY];
	struct aer_stats stats;
};

void aer_engine_init(struct aer_engine *e);
int aer_engine_activate(struct aer_engine *e, struct aer_backend *b);
bool aer_engine_deactivate(struct aer_engine *e);
bool aer_request(struct aer_engine *e, bool freed);
bool aer_pass(struct aer_engine *e);
unsigned int aer_next_delay_ms(struct aer_engine *e);
/* How an aerated block leaves its free list. */
enum aer_leave {
	AER_LEAVE_TRY,		/* isolation: stays if its frames stay gone */
	AER_LEAVE_MERGE,	/* the same, into a larger free block */
	AER_LEAVE_GOING,	/* the deletion hook: leaves whatever happens */
};

int aer_leave(struct aer_engine *e, unsigned long pfn, unsigned int order,
	      enum aer_leave how);
void aer_hold(struct aer_engine *e, unsigned long pfn, unsigned int order);
unsigned long aer_retry_held(struct aer_engine *e);
int aer_set_tunable(struct aer_engine *e, enum aer_tunable t,
		    unsigned long val);
unsigned int aer_get_tunable(struct aer_engine *e, enum aer_tunable t);
unsigned long aer_stat_sum(atomic_long_t *per_order, bool pages);

/* aeration= boot policy, core/policy.c */
#define AER_POLICY_MAX_LEN	64

struct aer_policy {
	bool off;
	bool named;				/* a list, not "auto" */
	unsigned int nr;			/* backends allowed */
	enum aer_backend_id pref[AER_NR_BACKENDS];	/* most preferred first */
};

void aer_policy_parse(struct aer_policy *p, const char *val);
int aer_policy_rank(const struct aer_policy *p, enum aer_backend_id id);
const char *aer_backend_name(enum aer_backend_id id);

#endif /* _AERATION_CORE_H */
