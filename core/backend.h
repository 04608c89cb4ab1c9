/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the aeration engine and a hypervisor backend: a
 * backend includes this file only.  It offers itself with
 * aeration_register() once its hypervisor is found (linux-glue/mm.c
 * activates the one the aeration= policy prefers) and withdraws with
 * aeration_unregister() when its device goes.
 *
 * There are two kinds of backend:
 *  - "refault" (virtio-balloon, Hyper-V): the host drops the contents and
 *    faults in a zero page when the guest touches it again.  No reclaim.
 *  - "reclaim before reuse" (Xen): the frame is gone after report().  The
 *    engine calls reclaim() with the zone lock held, interrupts off, when an
 *    aerated block leaves the free list and before anyone can use it.  Such
 *    a backend stays in memory: after aeration_unregister() the engine
 *    still calls its reclaim() until every frame it took is back.
 */
#ifndef _AERATION_BACKEND_H
#define _AERATION_BACKEND_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif

/* Every backend the aeration= parameter can name, in "auto" order. */
enum aer_backend_id {
	AER_BACKEND_XEN,
	AER_BACKEND_HYPERV,
	/* The last two come through page_reporting_register(). */
	AER_BACKEND_HV_BALLOON,
	AER_BACKEND_VIRTIO,
	AER_NR_BACKENDS,
};

/* One free block, 2^order pages starting at pfn. */
struct aer_block {
	unsigned long pfn;
	unsigned int order;
	/*
	 * Set by a failing report() for a block whose frames it could not
	 * bring back: the engine keeps it out of the allocator for good, as
	 * a balloon driver keeps a ballooned page.
	 */
	bool held;
};

struct aer_backend {
	enum aer_backend_id id;
	unsigned int min_order;		/* smallest order it accepts */
	/*
	 * If has_order: the order to report from (virtio: upstream's
	 * page_reporting_order).  The engine follows a change at its next
	 * pass; the min_order tunable can override it until the next change.
	 */
	unsigned int order;
	bool has_order;
	unsigned int capacity;		/* most blocks in one report() */
	/* Used only if aeration= names it, never by "auto" (a Xen dom0). */
	bool opt_in;

	/* Is this backend's hypervisor here?  NULL: it registers itself. */
	bool (*probe)(struct aer_backend *b);

	/*
	 * Tell the hypervisor it may drop these blocks.  Called from the
	 * engine's pass in process context, with no zone lock held but under
	 * aeration_lock (a mutex): calls never overlap, so one buffer per
	 * backend is enough.  May sleep.  0: all blocks were given; error:
	 * none were, except blocks marked held.
	 */
	int (*report)(struct aer_backend *b, struct aer_block *blocks,
		      unsigned int nr);

	/*
	 * Make an aerated block usable again.  Called with the block's zone
	 * lock held, interrupts off (the engine checks, and fails the call
	 * otherwise); must not sleep.  NULL for refault backends.  Error:
	 * the frames are still gone.
	 */
	int (*reclaim)(struct aer_backend *b, unsigned long pfn,
		       unsigned int order);

	void *priv;
};

/* Offer @b once its hypervisor is found; never fails.  Process context. */
void aeration_register(struct aer_backend *b);
/* Withdraw @b: when this returns, the engine no longer calls it. */
void aeration_unregister(struct aer_backend *b);

#endif /* _AERATION_BACKEND_H */
