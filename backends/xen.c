// SPDX-License-Identifier: GPL-2.0
/*
 * Xen backend: give free frames back to Xen with XENMEM_decrease_reservation
 * and take them back with XENMEM_populate_physmap before the allocator hands
 * the block out.  A "reclaim before reuse" backend: after report() the frames
 * are gone (on PV the direct map has no PTE for them, on HVM/PVH the gfns
 * read as all-ones), so the engine calls reclaim() from the allocator, zone
 * lock held and interrupts off.  If Xen has no memory for them, the engine
 * holds the block (see aer_hold()) and offers it again later.
 *
 * Frames go in batches of at most 512 per hypercall, as drivers/xen/balloon.c
 * does.  On PV the guest keeps the p2m and its direct map in step, as
 * drivers/xen/mem-reservation.c does, but with one batched mmu_update per
 * batch instead of one hypercall per page, and no BUG() on failure.
 */
#define pr_fmt(fmt) "aeration: xen: " fmt

#include <linux/init.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/tlbflush.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/features.h>
#include <xen/interface/memory.h>
#include <xen/xen.h>

#include "../core/backend.h"

#define XEN_BATCH	512	/* frames per hypercall */

struct aer_xen_buf {
	xen_pfn_t frames[XEN_BATCH];
	struct mmu_update mmu[XEN_BATCH];
};

/* reclaim() runs with interrupts off on any CPU: one buffer each. */
static DEFINE_PER_CPU(struct aer_xen_buf, aer_xen_buf);
/* report() runs under aeration_lock: one buffer. */
static struct aer_xen_buf aer_xen_report_buf;

static bool aer_xen_pv(void)
{
	return !xen_feature(XENFEAT_auto_translated_physmap);
}

static int aer_xen_memory_op(unsigned int cmd, xen_pfn_t *frames,
			     unsigned int n)
{
	struct xen_memory_reservation res = {
		.extent_order = 0,
		.domid = DOMID_SELF,
		.nr_extents = n,
	};

	set_xen_guest_handle(res.extent_start, frames);
	return HYPERVISOR_memory_op(cmd, &res);
}

/*
 * PV: point the direct-map PTE of each pfn at frames[i], or clear it
 * (frames == NULL), in one hypercall.
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

/* Make n frames from pfn ours again; on failure they are still gone. */
static int aer_xen_populate(struct aer_xen_buf *buf, unsigned long pfn,
			    unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++)
		buf->frames[i] = pfn + i;
	rc = aer_xen_memory_op(XENMEM_populate_physmap, buf->frames, n);
	if (rc != n) {
		/* Give back a partial success so the block is uniform. */
		if (rc > 0 && aer_xen_memory_op(XENMEM_decrease_reservation,
						buf->frames, rc) != rc)
			pr_err("cannot undo a partial populate at pfn %#lx\n", pfn);
		return -ENOMEM;
	}
	if (!aer_xen_pv())
		return 0;
	/* The p2m says "back" only once the direct map is. */
	if (aer_xen_map(buf, pfn, n, true))
		goto undo;
	for (i = 0; i < n; i++)
		if (!__set_phys_to_machine(pfn + i, buf->frames[i]))
			goto undo;
	return 0;
undo:
	/* Back to gone, all n of them, so a retry populates each once. */
	aer_xen_map(buf, pfn, n, false);
	for (i = 0; i < n; i++)
		__set_phys_to_machine(pfn + i, INVALID_P2M_ENTRY);
	flush_tlb_all();
	if (aer_xen_memory_op(XENMEM_decrease_reservation, buf->frames, n) != n)
		pr_err("cannot undo a populate at pfn %#lx\n", pfn);
	return -EFAULT;
}

/*
 * Give n frames from pfn to Xen.  On failure they are ours and mapped again,
 * except -ENOMEM: some could not be taken back and are still with Xen.
 */
static int aer_xen_give(struct aer_xen_buf *buf, unsigned long pfn,
			unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++)
		buf->frames[i] = aer_xen_pv() ? pfn_to_mfn(pfn + i) : pfn + i;

	if (aer_xen_pv()) {
		if (aer_xen_map(buf, pfn, n, false))
			goto remap;
		for (i = 0; i < n; i++)
			__set_phys_to_machine(pfn + i, INVALID_P2M_ENTRY);
		/* No CPU may keep a translation to a frame Xen reuses. */
		flush_tlb_all();
	}

	rc = aer_xen_memory_op(XENMEM_decrease_reservation, buf->frames, n);
	if (rc == n)
		return 0;

	pr_err_ratelimited("decrease_reservation gave %d of %u frames\n", rc, n);
	/* Frames [0, rc) are gone: take them back.  The rest are intact. */
	if (rc > 0 && aer_xen_populate(buf, pfn, rc)) {
		pr_err("frames at pfn %#lx stay with Xen\n", pfn);
		if (!aer_xen_pv())
			return -ENOMEM;
		/* frames[rc, n) still hold the mfns Xen did not take. */
		memmove(buf->frames, buf->frames + rc,
			(n - rc) * sizeof(buf->frames[0]));
		for (i = 0; i < n - rc; i++)
			__set_phys_to_machine(pfn + rc + i, buf->frames[i]);
		if (aer_xen_map(buf, pfn + rc, n - rc, true))
			pr_err("cannot remap pfn %#lx\n", pfn + rc);
		return -ENOMEM;
	}
	if (!aer_xen_pv())
		return -EIO;
	/* frames[] holds the new mfns of [0, rc) and the old ones of the rest. */
remap:
	for (i = 0; i < n; i++)
		__set_phys_to_machine(pfn + i, buf->frames[i]);
	if (aer_xen_map(buf, pfn, n, true))
		pr_err("cannot remap pfn %#lx\n", pfn);
	return -EIO;
}

/* Take back the first @pages of a block; false if some stay with Xen. */
static bool aer_xen_take_back(unsigned long pfn, unsigned long pages)
{
	unsigned long done;
	bool ok = true;

	for (done = 0; done < pages; done += XEN_BATCH)
		if (aer_xen_populate(&aer_xen_report_buf, pfn + done,
				     min_t(unsigned long, XEN_BATCH, pages - done)))
			ok = false;
	return ok;
}

static int aer_xen_report(struct aer_backend *b, struct aer_block *blocks,
			  unsigned int nr)
{
	unsigned long pages, done;
	unsigned int i;
	int err = 0;

	for (i = 0; i < nr && !err; i++) {
		pages = 1UL << blocks[i].order;
		for (done = 0; done < pages && !err; done += XEN_BATCH)
			err = aer_xen_give(&aer_xen_report_buf, blocks[i].pfn + done,
					   min_t(unsigned long, XEN_BATCH, pages - done));
		/* -ENOMEM: some frames of this chunk stayed with Xen. */
		if (err == -ENOMEM ||
		    (err && done > XEN_BATCH &&
		     !aer_xen_take_back(blocks[i].pfn, done - XEN_BATCH)))
			blocks[i].held = true;
	}
	if (!err)
		return 0;

	/* All or nothing: take back the blocks this call already gave. */
	for (i--; i--; )
		if (!aer_xen_take_back(blocks[i].pfn, 1UL << blocks[i].order))
			blocks[i].held = true;
	return err;
}

/*
 * Is the frame of @pfn with Xen?  On PV the p2m says, so a block that is
 * partly back (a report or reclaim that failed half way) can be reclaimed
 * again without populating a frame twice.  HVM cannot tell: assume so.
 */
static bool aer_xen_gone(unsigned long pfn)
{
	return !aer_xen_pv() || __pfn_to_mfn(pfn) == INVALID_P2M_ENTRY;
}

static int aer_xen_reclaim(struct aer_backend *b, unsigned long pfn,
			   unsigned int order)
{
	struct aer_xen_buf *buf = this_cpu_ptr(&aer_xen_buf);
	unsigned long pages = 1UL << order, i, j, n;
	int err;

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
			goto undo;
	}
	return 0;
undo:
	/*
	 * HVM cannot tell a present gfn from a gone one, so a retry will
	 * populate the whole block: give back what this call brought in.
	 */
	for (; !aer_xen_pv() && i; i -= n) {
		n = min_t(unsigned long, XEN_BATCH, i);
		for (j = 0; j < n; j++)
			buf->frames[j] = pfn + i - n + j;
		if (aer_xen_memory_op(XENMEM_decrease_reservation,
				      buf->frames, n) != n)
			pr_err("cannot undo a populate at pfn %#lx\n", pfn);
	}
	return err;
}

static bool aer_xen_probe(struct aer_backend *b)
{
	if (!xen_domain())
		return false;
	/*
	 * PVH/HVM: untested under a real Xen, and after a report that Xen
	 * half took and that could not be undone, the guest cannot tell
	 * which gfns of the held block are back.  PV keeps its own p2m.
	 */
	if (!aer_xen_pv()) {
		pr_info("PVH/HVM guests not supported yet\n");
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
	if (xen_domain())
		aeration_register(&aer_xen);
	return 0;
}
subsys_initcall(aer_xen_init);
