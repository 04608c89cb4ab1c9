// SPDX-License-Identifier: GPL-2.0
/*
 * Xen backend: give free frames back to Xen with XENMEM_decrease_reservation
 * and take them back with XENMEM_populate_physmap before the allocator hands
 * the block out.  A "reclaim before reuse" backend: after report() the frames
 * are gone (on PV the direct map has no PTE for them, on PVH/HVM the gfns
 * are not in Xen's p2m and touching one kills the domain), so the engine
 * calls reclaim() from the allocator, zone lock held and interrupts off.  If
 * Xen has no memory for them, the engine holds the block (see aer_hold())
 * and offers it again later.
 *
 * What is gone is known per frame, so a report or reclaim that fails half
 * way leaves nothing to undo and a retry populates each gone frame once:
 * PV keeps its p2m (INVALID_P2M_ENTRY), PVH/HVM a bitmap of its own.
 *
 * As drivers/xen/balloon.c does: frames go in batches of at most 512 per
 * hypercall, they are scrubbed first (xen_scrub_pages, since Xen does not
 * scrub what a live domain frees), and on PV the p2m and the direct map
 * follow, here in one batched mmu_update per batch and with no BUG() on
 * failure.  PVH/HVM take an aligned 2 MiB back as one extent_order 9
 * extent, so that Xen maps it with a superpage again.
 */
#define pr_fmt(fmt) "aeration: xen: " fmt

#include <linux/bitmap.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/features.h>
#include <xen/interface/memory.h>
#include <xen/mem-reservation.h>
#include <xen/xen.h>

#include "../core/backend.h"

#define XEN_BATCH	512	/* frames per hypercall */
#define XEN_SUPER_ORDER	9	/* 2 MiB: one extent on PVH/HVM */

struct aer_xen_buf {
	xen_pfn_t frames[XEN_BATCH];
	struct mmu_update mmu[XEN_BATCH];
};

/* reclaim() runs with interrupts off on any CPU: one buffer each. */
static DEFINE_PER_CPU(struct aer_xen_buf, aer_xen_buf);
/* report() runs under aeration_lock: one buffer. */
static struct aer_xen_buf aer_xen_report_buf;

/* PVH/HVM: a set bit is a gfn with Xen.  Gfns past the map are never given. */
static unsigned long *aer_xen_gone_map;
static unsigned long aer_xen_map_pfns;

/* Without CONFIG_XEN_PV the PV paths (p2m, mmu_update) compile away. */
static bool aer_xen_pv(void)
{
	return IS_ENABLED(CONFIG_XEN_PV) &&
	       !xen_feature(XENFEAT_auto_translated_physmap);
}

static int aer_xen_memory_op(unsigned int cmd, xen_pfn_t *frames,
			     unsigned int n, unsigned int order)
{
	struct xen_memory_reservation res = {
		.extent_order = order,
		.domid = DOMID_SELF,
		.nr_extents = n,
	};

	set_xen_guest_handle(res.extent_start, frames);
	return HYPERVISOR_memory_op(cmd, &res);
}

/* Is the frame of @pfn with Xen? */
static bool aer_xen_gone(unsigned long pfn)
{
	if (aer_xen_pv())
		return __pfn_to_mfn(pfn) == INVALID_P2M_ENTRY;
	return test_bit(pfn, aer_xen_gone_map);
}

/*
 * Fill @n free pages from @pfn with what the allocator expects in a free
 * page: page_poison=1's poison value, else zeros.  Before Xen has them
 * that is the scrub (a report that fails leaves them as they should be);
 * after, it is what init_on_free and page_poison=1 promise.
 * debug_pagealloc keeps free pages unmapped: map them meanwhile.
 */
static void aer_xen_fill(unsigned long pfn, unsigned int n)
{
	unsigned int i;

	debug_pagealloc_map_pages(pfn_to_page(pfn), n);
	for (i = 0; i < n; i++) {
		if (page_poisoning_enabled_static())
			kernel_poison_pages(pfn_to_page(pfn + i), 1);
		else
			clear_highpage(pfn_to_page(pfn + i));
	}
	debug_pagealloc_unmap_pages(pfn_to_page(pfn), n);
}

#ifdef CONFIG_XEN_PV
/*
 * Every vCPU's TLB, by hypercall: reclaim() runs with interrupts off, where
 * flush_tlb_all()'s IPIs may deadlock.
 */
static int aer_xen_flush_tlbs(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_ALL };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/*
 * PV: point the direct-map PTE of each pfn at frames[i], or clear it
 * (map false), in one hypercall.
 */
static int aer_xen_map(struct aer_xen_buf *buf, unsigned long pfn,
		       unsigned int n, bool map)
{
	unsigned int i, level;
	int done = 0;

	for (i = 0; i < n; i++) {
		void *va = __va(PFN_PHYS(pfn + i));
		pte_t *ptep = lookup_address((unsigned long)va, &level);

		if (!ptep || level != PG_LEVEL_4K)
			return -EFAULT;
		buf->mmu[i].ptr = arbitrary_virt_to_machine(ptep).maddr |
				  MMU_NORMAL_PT_UPDATE;
		buf->mmu[i].val = map ?
			pte_val_ma(mfn_pte(buf->frames[i], PAGE_KERNEL)) : 0;
	}
	if (HYPERVISOR_mmu_update(buf->mmu, n, &done, DOMID_SELF) || done != n)
		return -EIO;
	return 0;
}
#else
/* Never called: aer_xen_pv() is false without CONFIG_XEN_PV. */
static int aer_xen_flush_tlbs(void)
{
	return -EOPNOTSUPP;
}

static int aer_xen_map(struct aer_xen_buf *buf, unsigned long pfn,
		       unsigned int n, bool map)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * PVH/HVM: hand @n gfns from @pfn to Xen, or take them (populate).  Returns
 * how many moved, from the first, or Xen's error.  Taken back, an aligned
 * 2 MiB is one extent_order 9 extent: one 2 MiB frame, which Xen maps with
 * one superpage entry.  Given, it is 512 extents: Xen frees an extent 4 KiB
 * at a time (guest_remove_page()) and counts only whole extents done, so a
 * 2 MiB extent that failed half way would leave gfns gone we cannot name.
 */
static int aer_xen_gfns(struct aer_xen_buf *buf, unsigned int cmd,
			unsigned long pfn, unsigned int n)
{
	unsigned int i;

	if (cmd == XENMEM_populate_physmap && n == 1U << XEN_SUPER_ORDER &&
	    IS_ALIGNED(pfn, n)) {
		buf->frames[0] = pfn;
		if (aer_xen_memory_op(cmd, buf->frames, 1, XEN_SUPER_ORDER) == 1)
			return n;
		/* No free 2 MiB with Xen, or the order refused: 4 KiB ones. */
	}
	for (i = 0; i < n; i++)
		buf->frames[i] = pfn + i;
	return aer_xen_memory_op(cmd, buf->frames, n, 0);
}

/*
 * Bring back the gone frames of a run of @n from @pfn, all of which are
 * gone.  0, or an error with the frames not brought back still gone and
 * the others back: nothing to undo.
 */
static int aer_xen_populate(struct aer_xen_buf *buf, unsigned long pfn,
			    unsigned int n)
{
	unsigned int i;
	int rc;

	if (!aer_xen_pv()) {
		rc = max(aer_xen_gfns(buf, XENMEM_populate_physmap, pfn, n), 0);
		for (i = 0; i < rc; i++)
			clear_bit(pfn + i, aer_xen_gone_map);
	} else {
		for (i = 0; i < n; i++)
			buf->frames[i] = pfn + i;
		rc = aer_xen_memory_op(XENMEM_populate_physmap, buf->frames, n, 0);
		if (rc < 0)
			rc = 0;
		/* The p2m says "back" only once the direct map is. */
		if (rc && aer_xen_map(buf, pfn, rc, true))
			goto undo;
		for (i = 0; i < rc; i++)
			if (!__set_phys_to_machine(pfn + i, buf->frames[i]))
				goto undo;
	}
	/* Xen's frames hold anything. */
	if (rc && (page_poisoning_enabled_static() || want_init_on_free()))
		aer_xen_fill(pfn, rc);
	return rc == n ? 0 : -ENOMEM;
undo:
	/* Back to gone, so a retry populates each once. */
	aer_xen_map(buf, pfn, rc, false);
	for (i = 0; i < rc; i++)
		__set_phys_to_machine(pfn + i, INVALID_P2M_ENTRY);
	if (aer_xen_flush_tlbs() ||
	    aer_xen_memory_op(XENMEM_decrease_reservation, buf->frames, rc, 0) != rc)
		pr_err("cannot undo a populate at pfn %#lx\n", pfn);
	return -EFAULT;
}

/* Bring back every gone frame of [pfn, pfn + pages). */
static int aer_xen_back(struct aer_xen_buf *buf, unsigned long pfn,
			unsigned long pages)
{
	unsigned long i, n;
	int err = 0;

	for (i = 0; i < pages; i += n) {
		if (!aer_xen_gone(pfn + i)) {
			n = 1;
			continue;
		}
		/* A run of gone frames, one hypercall's worth at most. */
		for (n = 1; i + n < pages && n < XEN_BATCH &&
		     aer_xen_gone(pfn + i + n); n++)
			;
		err = aer_xen_populate(buf, pfn + i, n);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Give @n frames from @pfn to Xen.  Error: Xen took the first few, or
 * none; each frame is either gone or ours and mapped, as aer_xen_gone()
 * says.
 */
static int aer_xen_give(struct aer_xen_buf *buf, unsigned long pfn,
			unsigned int n)
{
	unsigned int i, done = 0;
	int rc = 0;

	/* Xen gives the frames to the next domain as they are. */
	if (READ_ONCE(xen_scrub_pages))
		aer_xen_fill(pfn, n);

	if (!aer_xen_pv()) {
		rc = aer_xen_gfns(buf, XENMEM_decrease_reservation, pfn, n);
		done = max(rc, 0);
		for (i = 0; i < done; i++)
			set_bit(pfn + i, aer_xen_gone_map);
		if (done == n)
			return 0;
		goto fail;
	}
	for (i = 0; i < n; i++)
		buf->frames[i] = pfn_to_mfn(pfn + i);
	rc = aer_xen_map(buf, pfn, n, false);
	if (rc)
		goto remap;
	for (i = 0; i < n; i++)
		__set_phys_to_machine(pfn + i, INVALID_P2M_ENTRY);
	/* No CPU may keep a translation to a frame Xen reuses. */
	rc = aer_xen_flush_tlbs();
	if (rc)
		goto remap;
	rc = aer_xen_memory_op(XENMEM_decrease_reservation, buf->frames, n, 0);
	done = max(rc, 0);
	if (done == n)
		return 0;
remap:
	/* frames[done, n) still hold the mfns Xen did not take. */
	for (i = done; i < n; i++)
		__set_phys_to_machine(pfn + i, buf->frames[i]);
	memmove(buf->frames, buf->frames + done, (n - done) * sizeof(buf->frames[0]));
	if (aer_xen_map(buf, pfn + done, n - done, true))
		pr_err("cannot remap pfn %#lx\n", pfn + done);
fail:
	/* @rc: what the failed step returned (a frame count or an error) */
	pr_err_ratelimited("gave Xen %u of %u frames (%d)\n", done, n, rc);
	return -EIO;
}

static int aer_xen_report(struct aer_backend *b, struct aer_block *blocks,
			  unsigned int nr)
{
	unsigned long pages, done = 0;
	unsigned int i;
	int err = 0;

	for (i = 0; i < nr; i++) {
		if (!aer_xen_pv() && blocks[i].pfn + (1UL << blocks[i].order) >
		    aer_xen_map_pfns) {
			pr_err_ratelimited("pfn %#lx is past the gfns tracked\n",
					   blocks[i].pfn);
			err = -ERANGE;
			break;
		}
		pages = 1UL << blocks[i].order;
		for (done = 0; done < pages && !err; done += XEN_BATCH) {
			err = aer_xen_give(&aer_xen_report_buf, blocks[i].pfn + done,
					   min_t(unsigned long, XEN_BATCH, pages - done));
			/* Xen may take ~50 ms a batch (PVH under TCG). */
			cond_resched();
		}
		if (err)
			break;
	}
	if (!err)
		return 0;

	/*
	 * All or nothing: take back what this call gave, the failed block's
	 * first @done pages included.  What Xen keeps is held.
	 */
	if (i < nr && done &&
	    aer_xen_back(&aer_xen_report_buf, blocks[i].pfn, done))
		blocks[i].held = true;
	while (i--)
		if (aer_xen_back(&aer_xen_report_buf, blocks[i].pfn,
				 1UL << blocks[i].order))
			blocks[i].held = true;
	return err;
}

static int aer_xen_reclaim(struct aer_backend *b, unsigned long pfn,
			   unsigned int order)
{
	return aer_xen_back(this_cpu_ptr(&aer_xen_buf), pfn, 1UL << order);
}

/*
 * HVM with populate-on-demand (memory < maxmem, as xl builds it): Xen backs
 * the RAM the guest touches from a cache the balloon driver must first
 * shrink it to.  Frames given and taken back would come out of that cache,
 * and a gfn given back may be one Xen never backed.  PVH has no PoD.
 */
static bool aer_xen_pod(void)
{
	domid_t self = DOMID_SELF;
	long cur, max;

	if (!xen_hvm_domain() || xen_pvh_domain())
		return false;
	cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
	/* Beyond the few MiB (video RAM) xl adds to maxmem anyway. */
	return cur > 0 && max - cur > (32L << (20 - PAGE_SHIFT));
}

static bool aer_xen_probe(struct aer_backend *b)
{
	if (!xen_domain())
		return false;
	if (aer_xen_pod()) {
		pr_info("HVM guest with populate-on-demand (memory < maxmem): not used\n");
		return false;
	}
	if (!aer_xen_pv() && !aer_xen_gone_map) {
		pr_err("no memory for the gfn bitmap; not used\n");
		return false;
	}
	return true;
}

static struct aer_backend aer_xen = {
	.id = AER_BACKEND_XEN,
	.capacity = 32,
	.probe = aer_xen_probe,
	.report = aer_xen_report,
	.reclaim = aer_xen_reclaim,
};

static int __init aer_xen_init(void)
{
	if (!xen_domain())
		return 0;
	/*
	 * A dom0 opts in with aeration=xen: the toolstack gives what dom0
	 * hands back to new domains, and dom0's next allocations then wait
	 * on reclaims that fail.
	 */
	aer_xen.opt_in = xen_initial_domain();
	if (!aer_xen_pv()) {
		/* One bit per gfn of RAM: 32 KiB per GiB. */
		aer_xen_map_pfns = max_pfn;
		aer_xen_gone_map = kvcalloc(BITS_TO_LONGS(max_pfn),
					    sizeof(long), GFP_KERNEL);
	}
	aeration_register(&aer_xen);
	return 0;
}
subsys_initcall(aer_xen_init);
