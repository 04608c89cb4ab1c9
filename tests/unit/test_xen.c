// SPDX-License-Identifier: GPL-2.0
/*
 * User-space tests of backends/xen.c (issue 3): the request encoding of
 * report() and reclaim(), and their failure paths, against the simulated
 * Xen of tests/unit/xen/xensim.c.  xen.c is compiled unmodified: it is
 * included here, so the tests reach its static backend and buffers; its
 * headers resolve to tests/unit/xen/xenshim.h.
 *
 * After every test the simulated machine must be sane: each pfn is either
 * backed by a frame the guest owns (p2m, M2P and direct-map PTE agreeing)
 * or gone with no PTE; no frame is behind two pfns or owned but behind
 * none; tot_pages counts the guest's frames; and Xen saw no rule broken
 * (a frame given back while mapped or before the TLB flush, a pfn
 * populated twice, a PTE to a frame the guest does not own).
 */
#include "../../backends/xen.c"

#include <stdio.h>
#include <stdlib.h>

#include "xen/xsabi.h"
#include "check.h"
#include "../../core/aeration.h"	/* AER_MAX_CAPACITY: the engine's batch */

static struct aer_backend *B;		/* what xen.c registered */
static struct aer_block blk[8];

/* check.h's CHECK, with what was seen: fail the test and stop it. */
#undef CHECK
#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fail_head_();						\
		printf("%s:%d: %s", __FILE__, __LINE__, #cond);	\
		printf(": " __VA_ARGS__);				\
		printf("\n");						\
		return;							\
	}								\
} while (0)

/* A different trace is worth seeing whole. */
#define CHECK_TRACE(want) \
	CHECK(!strcmp(xsim.trace, want), "hypercalls \"%s\", want \"%s\"", \
	      xsim.trace, want)

static int report(unsigned long pfn, unsigned int order)
{
	memset(blk, 0, sizeof(blk));
	blk[0].pfn = pfn;
	blk[0].order = order;
	return B->report(B, blk, 1);
}

static int report_n(const struct aer_block *in, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		blk[i] = in[i];
		blk[i].held = false;
	}
	return B->report(B, blk, nr);
}

static int reclaim(unsigned long pfn, unsigned int order)
{
	return B->reclaim(B, pfn, order);
}

/* Frames of [pfn, pfn + n) that are not gone (PV: p2m valid or a PTE). */
static unsigned long present(unsigned long pfn, unsigned long n)
{
	unsigned long i, k = 0;

	for (i = 0; i < n; i++)
		k += xsim.p2m[pfn + i] != INVALID_P2M_ENTRY ||
		     (xsim.pte[pfn + i].pte & _PAGE_PRESENT);
	return k;
}

/* Is frames[i] == mfn of pfn + i at start (mfns) or pfn + i (gpfns)? */
static bool frames_are(const unsigned long *frames, unsigned long n,
		       unsigned long pfn, bool mfns)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (frames[i] != (mfns ? xs_initial_mfn(pfn + i) : pfn + i))
			return false;
	return true;
}

/* An XENMEM_ call as xen.c must make it: order 0, DOMID_SELF, no flags. */
static bool memop_is(const struct xs_call *c, unsigned int cmd, unsigned long n)
{
	return c->kind == XS_MEMOP && c->cmd == cmd && c->nr == n &&
	       c->extent_order == 0 && c->domid == DOMID_SELF &&
	       c->address_bits == 0;
}

/*
 * Xen has memory again: one reclaim of the block at @pfn brings back
 * exactly the @n gone frames from @gone, in one populate (PV maps them).
 */
static void expect_retry(unsigned long pfn, unsigned int order,
			 unsigned long gone, unsigned long n)
{
	char want[64];

	xsim.populate_left = xsim.decrease_left = -1;
	xs_log_clear();
	CHECK(reclaim(pfn, order) == 0);
	snprintf(want, sizeof(want), xsim.pv ? "pop:%lu map:%lu" : "pop:%lu", n, n);
	CHECK_TRACE(want);
	CHECK(frames_are(xsim.calls[0].in, n, gone, false));
	CHECK(present(pfn, 1UL << order) == 1UL << order && xsim.tot_pages == XS_PFNS);
}

/* --- the ABI and the registration ------------------------------------------ */

static void test_abi(void)
{
	const struct xs_abi *x = &xs_abi_public;
	struct xen_memory_reservation r;

	/* libxen-dev is in make deps: without it this skip is unexpected. */
	NEED(x->have, "no Xen public headers (libxen-dev)");
	CHECK(x->res_size == sizeof(r), "%lu", x->res_size);
	CHECK(x->res_extent_start == offsetof(struct xen_memory_reservation, extent_start));
	CHECK(x->res_nr_extents == offsetof(struct xen_memory_reservation, nr_extents));
	CHECK(x->res_extent_order == offsetof(struct xen_memory_reservation, extent_order));
	CHECK(x->res_address_bits == offsetof(struct xen_memory_reservation, address_bits));
	CHECK(x->res_domid == offsetof(struct xen_memory_reservation, domid));
	CHECK(x->handle_size == sizeof(r.extent_start));
	CHECK(x->nr_extents_size == sizeof(r.nr_extents));
	CHECK(x->domid_size == sizeof(domid_t));
	CHECK(x->pfn_size == sizeof(xen_pfn_t));
	CHECK(x->mmu_size == sizeof(struct mmu_update));
	CHECK(x->mmu_ptr == offsetof(struct mmu_update, ptr));
	CHECK(x->mmu_val == offsetof(struct mmu_update, val));
	CHECK(x->increase == XENMEM_increase_reservation);
	CHECK(x->decrease == XENMEM_decrease_reservation);
	CHECK(x->populate == XENMEM_populate_physmap);
	CHECK(x->domid_self == DOMID_SELF);
	CHECK(x->mmu_normal == MMU_NORMAL_PT_UPDATE);
	CHECK(x->feat_auto == XENFEAT_auto_translated_physmap);
	CHECK(x->feat_submaps == XENFEAT_NR_SUBMAPS);
}

static void test_register(void)
{
	struct aer_backend *b;

	/* Not under Xen: the initcall registers nothing, probe says no. */
	xs_reset(true);
	xen_domain_type = XEN_NATIVE;
	CHECK(shim_subsys_initcall() == 0);
	CHECK(xsim.registrations == 0);
	CHECK(!B->probe(B));

	xs_reset(true);
	CHECK(shim_subsys_initcall() == 0);
	b = xsim.registered;
	CHECK(xsim.registrations == 1 && b == &aer_xen);
	CHECK(b->id == AER_BACKEND_XEN);
	CHECK(b->probe && b->probe(b));
	CHECK(b->report && b->reclaim, "a reclaim-before-reuse backend");
	CHECK(b->capacity > 0 && b->capacity <= AER_MAX_CAPACITY);
	CHECK(xsim.ncalls == 0, "registering makes no hypercall");
	CHECK(!b->opt_in, "a domU is aerated by aeration=auto");

	/* dom0 opts in: the toolstack would hand its memory to new domains. */
	xs_reset(true);
	xsim.dom0 = true;
	CHECK(shim_subsys_initcall() == 0);
	CHECK(xsim.registered == b && b->opt_in);
	xs_reset(true);
	CHECK(shim_subsys_initcall() == 0);
}

/* --- PV report ------------------------------------------------------------------ */

static void test_report_order9(void)
{
	const unsigned long pfn = 1024;
	unsigned long free0, i;
	struct xs_call *c;

	xs_reset(true);
	free0 = xs_free_frames();
	CHECK(report(pfn, 9) == 0);
	CHECK(!blk[0].held);
	/* PTEs cleared in one call, one flush, then the frames go. */
	CHECK_TRACE("unmap:512 flush dec:512");
	CHECK(xsim.ncalls == 2);

	c = &xsim.calls[0];
	CHECK(c->kind == XS_MMU && c->nr == 512 && c->done == 512 && c->rc == 0);
	CHECK(c->domid == DOMID_SELF && c->cmd == MMU_NORMAL_PT_UPDATE);
	for (i = 0; i < 512; i++) {
		/* The request's ptr decodes to this pfn's own L1 entry. */
		CHECK(c->in[i] == pfn + i, "req %lu updates pfn %#lx", i, c->in[i]);
		CHECK(c->out[i] == 0, "req %lu val %#lx", i, c->out[i]);
		CHECK(((struct mmu_update *)c->handle)[i].ptr ==
		      (xs_pte_maddr(pfn + i) | MMU_NORMAL_PT_UPDATE));
	}

	c = &xsim.calls[1];
	CHECK(memop_is(c, XENMEM_decrease_reservation, 512),
	      "cmd %u nr %lu order %u domid %#x bits %u", c->cmd, c->nr,
	      c->extent_order, c->domid, c->address_bits);
	CHECK(c->rc == 512);
	CHECK(frames_are(c->in, 512, pfn, true), "PV gives the block's mfns, in order");
	CHECK(c->handle == aer_xen_report_buf.frames);

	for (i = 0; i < 512; i++) {
		CHECK(xsim.p2m[pfn + i] == INVALID_P2M_ENTRY);
		CHECK(xsim.pte[pfn + i].pte == 0);
		CHECK(xsim.owner[xs_initial_mfn(pfn + i)] == XS_FREE);
	}
	CHECK(present(pfn - 1, 1) == 1 && present(pfn + 512, 1) == 1,
	      "neighbours untouched");
	CHECK(xsim.tot_pages == XS_PFNS - 512);
	CHECK(xs_free_frames() == free0 + 512);
	CHECK(xsim.flushes == 1);
	CHECK(!shim_log[0], "log: %s", shim_log);
}

static void test_report_order10(void)
{
	const unsigned long pfn = 2048;

	xs_reset(true);
	CHECK(report(pfn, 10) == 0);
	CHECK(!blk[0].held);
	/* At most 512 frames per hypercall. */
	CHECK_TRACE("unmap:512 flush dec:512 unmap:512 flush dec:512");
	CHECK(memop_is(&xsim.calls[1], XENMEM_decrease_reservation, 512));
	CHECK(frames_are(xsim.calls[1].in, 512, pfn, true));
	CHECK(memop_is(&xsim.calls[3], XENMEM_decrease_reservation, 512));
	CHECK(frames_are(xsim.calls[3].in, 512, pfn + 512, true));
	CHECK(xsim.calls[2].in[0] == pfn + 512 && xsim.calls[2].in[511] == pfn + 1023);
	CHECK(present(pfn, 1024) == 0);
	CHECK(xsim.tot_pages == XS_PFNS - 1024);
}

static void test_report_batch(void)
{
	static const struct aer_block in[] = {
		{ .pfn = 512, .order = 9 },
		{ .pfn = 4104, .order = 3 },
		{ .pfn = 3072, .order = 10 },
		{ .pfn = 100, .order = 0 },
	};
	unsigned int i;

	xs_reset(true);
	CHECK(report_n(in, 4) == 0);
	for (i = 0; i < 4; i++)
		CHECK(!blk[i].held);
	CHECK_TRACE("unmap:512 flush dec:512 unmap:8 flush dec:8 "
		    "unmap:512 flush dec:512 unmap:512 flush dec:512 "
		    "unmap:1 flush dec:1");
	CHECK(frames_are(xsim.calls[1].in, 512, 512, true));
	CHECK(memop_is(&xsim.calls[3], XENMEM_decrease_reservation, 8));
	CHECK(frames_are(xsim.calls[3].in, 8, 4104, true));
	CHECK(frames_are(xsim.calls[5].in, 512, 3072, true));
	CHECK(frames_are(xsim.calls[7].in, 512, 3584, true));
	CHECK(memop_is(&xsim.calls[9], XENMEM_decrease_reservation, 1));
	CHECK(frames_are(xsim.calls[9].in, 1, 100, true));
	for (i = 0; i < 4; i++)
		CHECK(present(in[i].pfn, 1UL << in[i].order) == 0);
	CHECK(present(4096, 8) == 8 && present(4112, 8) == 8);
	CHECK(xsim.tot_pages == XS_PFNS - 512 - 8 - 1024 - 1);
}

/* --- PV reclaim ------------------------------------------------------------------- */

static void test_reclaim(void)
{
	const unsigned long pfn = 1024;
	unsigned long free0, i, k;
	struct xs_call *pop, *map;

	xs_reset(true);
	free0 = xs_free_frames();
	CHECK(report(pfn, 10) == 0);
	xs_log_clear();
	CHECK(reclaim(pfn, 10) == 0);
	CHECK_TRACE("pop:512 map:512 pop:512 map:512");
	CHECK(xsim.flushes == 2, "mapping needs no flush");
	for (k = 0; k < 2; k++) {
		pop = &xsim.calls[2 * k];
		map = &xsim.calls[2 * k + 1];
		CHECK(memop_is(pop, XENMEM_populate_physmap, 512));
		CHECK(pop->rc == 512);
		CHECK(frames_are(pop->in, 512, pfn + 512 * k, false),
		      "populate_physmap takes gpfns");
		/* Reclaim runs with interrupts off: never the report buffer. */
		CHECK(pop->handle == aer_xen_buf.frames);
		CHECK(map->kind == XS_MMU && map->done == 512 && map->domid == DOMID_SELF);
		for (i = 0; i < 512; i++) {
			unsigned long p = pfn + 512 * k + i, mfn = pop->out[i];

			CHECK(mfn != xs_initial_mfn(p), "Xen gave a new frame");
			CHECK(xsim.p2m[p] == mfn, "p2m of %#lx", p);
			CHECK(map->in[i] == p);
			CHECK(map->out[i] == ((mfn << PAGE_SHIFT) | __PAGE_KERNEL),
			      "PTE val %#lx", map->out[i]);
			CHECK(xsim.pte[p].pte == map->out[i]);
			CHECK(xsim.m2p[mfn] == p);
		}
	}
	CHECK(xsim.tot_pages == XS_PFNS);
	CHECK(xs_free_frames() == free0);
	CHECK(!shim_log[0], "log: %s", shim_log);
}

/*
 * Xen out of memory: -ENOMEM.  What Xen gave is kept, mapped and in the
 * p2m; the rest stays gone, and a retry populates only that.
 */
static void test_reclaim_enomem(void)
{
	const unsigned long pfn = 1536;
	unsigned long free1, tot1;

	xs_reset(true);
	CHECK(report(pfn, 9) == 0);
	free1 = xs_free_frames();
	tot1 = xsim.tot_pages;

	xs_log_clear();
	xsim.populate_left = 100;
	CHECK(reclaim(pfn, 9) == -ENOMEM);
	CHECK_TRACE("pop:512 map:100");
	CHECK(xsim.calls[0].rc == 100);
	CHECK(present(pfn, 100) == 100 && present(pfn + 100, 412) == 0);
	CHECK(xs_free_frames() == free1 - 100 && xsim.tot_pages == tot1 + 100);

	/* Xen has none: nothing happens. */
	xs_log_clear();
	xsim.populate_left = 0;
	CHECK(reclaim(pfn, 9) == -ENOMEM);
	CHECK_TRACE("pop:412");
	CHECK(frames_are(xsim.calls[0].in, 412, pfn + 100, false));
	CHECK(present(pfn, 512) == 100 && xsim.tot_pages == tot1 + 100);

	/* Memory again: the rest of the block comes back. */
	expect_retry(pfn, 9, pfn + 100, 412);
}

/* A block half back is reclaimed again touching only the missing frames. */
static void test_reclaim_half_back(void)
{
	const unsigned long pfn = 3072;
	unsigned long free0;

	xs_reset(true);
	free0 = xs_free_frames();
	CHECK(report(pfn, 10) == 0);
	xs_log_clear();
	xsim.populate_left = 700;
	CHECK(reclaim(pfn, 10) == -ENOMEM);
	CHECK_TRACE("pop:512 map:512 pop:512 map:188");
	CHECK(present(pfn, 700) == 700 && present(pfn + 700, 324) == 0);
	CHECK(xsim.tot_pages == XS_PFNS - 324);

	/* What aer_retry_held() does once Xen has memory. */
	expect_retry(pfn, 10, pfn + 700, 324);
	CHECK(xs_free_frames() == free0);

	/* Nothing gone, nothing to do. */
	xs_log_clear();
	CHECK(reclaim(pfn, 10) == 0);
	CHECK_TRACE("");
}

/* Gone frames in runs: one populate per run, at most 512 each. */
static void test_reclaim_runs(void)
{
	const unsigned long pfn = 5120;

	xs_reset(true);
	CHECK(report(pfn, 10) == 0);
	/* Two order-0 pieces came back already (a split held block). */
	CHECK(reclaim(pfn, 0) == 0);
	CHECK(reclaim(pfn + 600, 0) == 0);
	xs_log_clear();
	CHECK(reclaim(pfn, 10) == 0);
	CHECK_TRACE("pop:512 map:512 pop:87 map:87 pop:423 map:423");
	CHECK(frames_are(xsim.calls[0].in, 512, pfn + 1, false));
	CHECK(frames_are(xsim.calls[2].in, 87, pfn + 513, false));
	CHECK(frames_are(xsim.calls[4].in, 423, pfn + 601, false));
	CHECK(present(pfn, 1024) == 1024 && xsim.tot_pages == XS_PFNS);
}

/* --- PV report failures -------------------------------------------------------------- */

/* Xen takes only part of a batch: report fails, everything is as before. */
static void test_report_decrease_partial(void)
{
	const unsigned long pfn = 1024;
	unsigned long free0, i;
	struct xs_call *pop;

	xs_reset(true);
	free0 = xs_free_frames();
	xsim.decrease_left = 100;
	CHECK(report(pfn, 9) == -EIO);
	CHECK(!blk[0].held);
	/* The 412 not taken are mapped again, the 100 taken populated. */
	CHECK_TRACE("unmap:512 flush dec:512 map:412 pop:100 map:100");
	CHECK(xsim.calls[1].rc == 100);
	pop = &xsim.calls[3];
	CHECK(memop_is(pop, XENMEM_populate_physmap, 100));
	CHECK(frames_are(pop->in, 100, pfn, false));
	for (i = 0; i < 512; i++)
		CHECK(xsim.p2m[pfn + i] == (i < 100 ? pop->out[i] : xs_initial_mfn(pfn + i)),
		      "pfn %#lx", pfn + i);
	CHECK(xsim.tot_pages == XS_PFNS && xs_free_frames() == free0);
	CHECK(strstr(shim_log, "aeration: xen: gave Xen 100 of 512 frames"),
	      "log: %s", shim_log);

	/* Xen takes none and says why. */
	xs_reset(true);
	xsim.decrease_left = 0;
	xsim.decrease_err = -EINVAL;
	CHECK(report(pfn, 9) == -EIO);
	CHECK(!blk[0].held);
	CHECK_TRACE("unmap:512 flush dec:512 map:512");
	CHECK(frames_are(xsim.p2m + pfn, 512, pfn, true));
	CHECK(xsim.tot_pages == XS_PFNS);
	CHECK(strstr(shim_log, "gave Xen 0 of 512 frames (-22)"), "log: %s", shim_log);
}

/* A failure in the middle of a batch: all earlier blocks are taken back. */
static void test_report_partial_batch(void)
{
	static const struct aer_block in[] = {
		{ .pfn = 1024, .order = 9 },
		{ .pfn = 2048, .order = 10 },
		{ .pfn = 4096, .order = 9 },
	};
	unsigned long free0;

	xs_reset(true);
	free0 = xs_free_frames();
	xsim.decrease_left = 512 + 512 + 100;
	CHECK(report_n(in, 3) == -EIO);
	CHECK(!blk[0].held && !blk[1].held && !blk[2].held);
	CHECK_TRACE("unmap:512 flush dec:512 "			/* A */
		    "unmap:512 flush dec:512 "			/* B, 1st half */
		    "unmap:512 flush dec:512 map:412 "		/* 2nd: 100 taken */
		    "pop:512 map:512 pop:100 map:100 "		/* B back */
		    "pop:512 map:512");				/* A back */
	CHECK(frames_are(xsim.calls[7].in, 512, 2048, false));
	CHECK(frames_are(xsim.calls[9].in, 100, 2560, false));
	CHECK(frames_are(xsim.calls[11].in, 512, 1024, false));
	CHECK(present(1024, 512) == 512 && present(2048, 1024) == 1024);
	CHECK(frames_are(xsim.p2m + 4096, 512, 4096, true), "C untouched");
	CHECK(xsim.tot_pages == XS_PFNS && xs_free_frames() == free0);
}

/*
 * The take-back fails too: blocks whose frames stay with Xen are held, and
 * what is not held is as before.  Here the failing chunk itself was given
 * back whole (Xen took none of it), only the take-back of the blocks and
 * halves before it fails.
 */
static void test_report_takeback_fails(void)
{
	static const struct aer_block in[] = {
		{ .pfn = 1024, .order = 9 },
		{ .pfn = 2048, .order = 10 },
		{ .pfn = 4096, .order = 9 },
	};

	xs_reset(true);
	xsim.decrease_left = 512 + 512;
	xsim.populate_left = 0;
	CHECK(report_n(in, 3) == -EIO);
	CHECK(blk[0].held && blk[1].held && !blk[2].held);
	CHECK_TRACE("unmap:512 flush dec:512 unmap:512 flush dec:512 "
		    "unmap:512 flush dec:512 map:512 pop:512 pop:512");
	CHECK(present(1024, 512) == 0 && present(2048, 512) == 0);
	CHECK(frames_are(xsim.p2m + 2560, 512, 2560, true), "B's 2nd half intact");
	CHECK(frames_are(xsim.p2m + 4096, 512, 4096, true), "C untouched");
	CHECK(!xs_check(), "%s", xs_check());

	/* The engine's later retries bring back exactly what is gone. */
	xsim.populate_left = xsim.decrease_left = -1;
	xs_log_clear();
	CHECK(reclaim(2048, 10) == 0);
	CHECK_TRACE("pop:512 map:512");
	CHECK(frames_are(xsim.calls[0].in, 512, 2048, false));
	CHECK(reclaim(1024, 9) == 0);
	CHECK(present(1024, 512) == 512 && present(2048, 1024) == 1024);
	CHECK(xsim.tot_pages == XS_PFNS);
}

/*
 * Xen takes 100 of 512 frames and has no memory to give them back: the
 * block is held.  The 412 frames Xen did not take are still the guest's;
 * they must stay reachable (mapped again, or given to Xen too), else they
 * leak, and the held block can never come back once the guest is at its
 * max_pages: its retry wants 512 new frames for a guest that owns 412 too
 * many.
 */
static void test_report_takeback_enomem(void)
{
	const unsigned long pfn = 1024;
	unsigned long i, lost = 0;
	int err;

	xs_reset(true);
	xsim.decrease_left = 100;
	xsim.populate_left = 0;
	CHECK(report(pfn, 9) == -EIO);
	CHECK(blk[0].held);
	CHECK(present(pfn, 100) == 0, "the frames Xen took are gone, no PTE");
	for (i = 100; i < 512; i++)
		lost += xsim.owner[xs_initial_mfn(pfn + i)] == XS_GUEST &&
			xsim.p2m[pfn + i] == INVALID_P2M_ENTRY;
	CHECK(lost == 0,
	      "%lu frames Xen did not take (pfns %#lx-%#lx) are still the guest's "
	      "but their p2m entries are invalid and PTEs cleared: leaked",
	      lost, pfn + 100, pfn + 511);

	/* aer_retry_held(), memory back with Xen. */
	xsim.populate_left = xsim.decrease_left = -1;
	err = reclaim(pfn, 9);
	CHECK(err == 0, "the held block cannot come back: reclaim gives %d, "
	      "tot_pages %lu of max %lu", err, xsim.tot_pages, xsim.max_pages);
	CHECK(present(pfn, 512) == 512 && xsim.tot_pages == XS_PFNS);
}

/* A PTE update fails half way: the cleared ones are mapped again. */
static void test_report_mmu_fails(void)
{
	const unsigned long pfn = 1024;

	xs_reset(true);
	xsim.mmu_fail_at = 100;
	CHECK(report(pfn, 9) == -EIO);
	CHECK(!blk[0].held);
	CHECK(xsim.calls[0].done == 100);
	CHECK_TRACE("unmap:512 map:512");
	CHECK(xsim.flushes == 0);
	CHECK(frames_are(xsim.p2m + pfn, 512, pfn, true));
	CHECK(xsim.tot_pages == XS_PFNS);
}

/* The direct map uses a 2M page here: refused before any hypercall. */
static void test_report_large_page(void)
{
	const unsigned long pfn = 1024;

	xs_reset(true);
	xsim.large_lo = pfn;
	xsim.large_hi = pfn + 512;
	CHECK(report(pfn, 9) == -EIO);
	CHECK(!blk[0].held);
	CHECK_TRACE("");
	CHECK(frames_are(xsim.p2m + pfn, 512, pfn, true));
	CHECK(xsim.tot_pages == XS_PFNS);
}

/*
 * A populate whose PTE update fails: reclaim fails, so the engine holds the
 * block and retries.  The retry must not find the p2m valid and skip frames
 * that have no direct-map PTE: the block would be handed out unmapped.
 */
static void test_reclaim_mmu_fails(void)
{
	const unsigned long pfn = 1024;
	unsigned long i, unmapped = 0;

	xs_reset(true);
	CHECK(report(pfn, 9) == 0);
	xsim.mmu_fail_at = 100;
	CHECK(reclaim(pfn, 9) != 0);
	xs_log_clear();
	CHECK(reclaim(pfn, 9) == 0);
	for (i = 0; i < 512; i++)
		unmapped += !(xsim.pte[pfn + i].pte & _PAGE_PRESENT);
	CHECK(unmapped == 0,
	      "the retry succeeded (hypercalls \"%s\") but %lu pfns of the block have "
	      "a valid p2m entry and no direct-map PTE", xsim.trace, unmapped);
}

/* --- HVM / PVH: auto-translated ----------------------------------------------------------- */

/* An auto-translated guest: xen.c's init again, for its gfn bitmap. */
static void hvm_reset(void)
{
	xs_reset(false);
	free(aer_xen_gone_map);
	aer_xen_gone_map = NULL;
	shim_subsys_initcall();
}

/* Gfns that xen.c's bitmap says are gone, in [pfn, pfn + n). */
static unsigned long marked_gone(unsigned long pfn, unsigned long n)
{
	unsigned long i, k = 0;

	for (i = 0; i < n; i++)
		k += test_bit(pfn + i, aer_xen_gone_map);
	return k;
}

/* A 2 MiB extent taken back at @pfn, as xen.c must ask for it. */
static bool super_is(const struct xs_call *c, unsigned long pfn)
{
	return c->kind == XS_MEMOP && c->cmd == XENMEM_populate_physmap &&
	       c->nr == 1 && c->extent_order == 9 && c->in[0] == pfn &&
	       c->domid == DOMID_SELF && c->address_bits == 0;
}

static void test_hvm(void)
{
	const unsigned long pfn = 2048;
	unsigned long free0;

	hvm_reset();
	CHECK(aer_xen_gone_map && aer_xen_map_pfns == XS_PFNS);
	free0 = xs_free_frames();
	CHECK(report(pfn, 10) == 0);
	/* Given 4 KiB at a time: see aer_xen_gfns(). */
	CHECK_TRACE("dec:512 dec:512");
	CHECK(memop_is(&xsim.calls[0], XENMEM_decrease_reservation, 512));
	CHECK(frames_are(xsim.calls[0].in, 512, pfn, false), "HVM gives gpfns");
	CHECK(frames_are(xsim.calls[1].in, 512, pfn + 512, false));
	CHECK(!xsim.lookups && !xsim.xlats && !xsim.set_p2m && !xsim.flushes,
	      "no p2m or PTE work: %u %u %u %u", xsim.lookups, xsim.xlats,
	      xsim.set_p2m, xsim.flushes);
	CHECK(present(pfn, 1024) == 0 && xsim.tot_pages == XS_PFNS - 1024);
	CHECK(marked_gone(pfn, 1024) == 1024 && marked_gone(0, XS_PFNS) == 1024);

	/* Taken back 2 MiB at a time. */
	xs_log_clear();
	CHECK(reclaim(pfn, 10) == 0);
	CHECK_TRACE("pop2M:1 pop2M:1");
	CHECK(super_is(&xsim.calls[0], pfn) && super_is(&xsim.calls[1], pfn + 512));
	CHECK(xsim.calls[0].handle == aer_xen_buf.frames);
	CHECK(!xsim.lookups && !xsim.xlats && !xsim.set_p2m && !xsim.flushes);
	CHECK(present(pfn, 1024) == 1024 && marked_gone(0, XS_PFNS) == 0);
	CHECK(xsim.tot_pages == XS_PFNS && xs_free_frames() == free0);

	/* Part of a batch taken: the taken part is populated again. */
	xs_log_clear();
	xsim.decrease_left = 100;
	CHECK(report(pfn, 9) == -EIO);
	CHECK(!blk[0].held);
	CHECK_TRACE("dec:512 pop:100");
	CHECK(frames_are(xsim.calls[1].in, 100, pfn, false));
	CHECK(present(pfn, 512) == 512 && xsim.tot_pages == XS_PFNS);
	CHECK(marked_gone(0, XS_PFNS) == 0);
}

/* No free 2 MiB with Xen: 4 KiB extents; a block not aligned: the same. */
static void test_hvm_no_super(void)
{
	const unsigned long pfn = 2048;

	hvm_reset();
	CHECK(report(pfn, 9) == 0);
	xs_log_clear();
	xsim.no_super = true;
	CHECK(reclaim(pfn, 9) == 0);
	CHECK_TRACE("pop2M:1 pop:512");
	CHECK(memop_is(&xsim.calls[1], XENMEM_populate_physmap, 512));
	CHECK(present(pfn, 512) == 512 && xsim.tot_pages == XS_PFNS);

	xsim.no_super = false;
	CHECK(report(pfn + 256, 8) == 0);
	xs_log_clear();
	CHECK(reclaim(pfn + 256, 8) == 0);
	CHECK_TRACE("pop:256");
	CHECK(marked_gone(0, XS_PFNS) == 0);
}

static void test_hvm_reclaim_enomem(void)
{
	const unsigned long pfn = 2048;
	unsigned long free1;

	hvm_reset();
	CHECK(report(pfn, 9) == 0);
	free1 = xs_free_frames();
	xs_log_clear();
	xsim.populate_left = 100;
	CHECK(reclaim(pfn, 9) == -ENOMEM);
	/* No 2 MiB, 100 4 KiB frames: kept, the rest stays gone. */
	CHECK_TRACE("pop2M:1 pop:512");
	CHECK(present(pfn, 100) == 100 && present(pfn + 100, 412) == 0);
	CHECK(marked_gone(pfn, 512) == 412 && marked_gone(pfn + 100, 412) == 412);
	CHECK(xs_free_frames() == free1 - 100 && xsim.tot_pages == XS_PFNS - 412);

	expect_retry(pfn, 9, pfn + 100, 412);
}

/*
 * HVM, an order-10 reclaim fails after its first half: the block is held
 * and retried.  The retry must not populate a gfn that is back: Xen would
 * map a new frame over it and leave the old one with the domain, unmapped
 * (p2m_add_page()), 512 frames lost per retry.  The bitmap says which.
 */
static void test_hvm_reclaim_half_back(void)
{
	const unsigned long pfn = 2048;
	int err;

	hvm_reset();
	CHECK(report(pfn, 10) == 0);
	xsim.populate_left = 512;
	xs_log_clear();
	CHECK(reclaim(pfn, 10) == -ENOMEM);
	CHECK_TRACE("pop2M:1 pop2M:1 pop:512");
	CHECK(present(pfn, 512) == 512 && present(pfn + 512, 512) == 0);

	xsim.populate_left = -1;
	xs_log_clear();
	err = reclaim(pfn, 10);
	CHECK(!strcmp(xsim.trace, "pop2M:1") && err == 0,
	      "the retry made \"%s\" and gives %d: %s", xsim.trace, err,
	      xsim.err[0] ? xsim.err : "");
	CHECK(super_is(&xsim.calls[0], pfn + 512));
	CHECK(present(pfn, 1024) == 1024 && xsim.tot_pages == XS_PFNS);
}

/*
 * A report that fails and whose take-back fails too leaves a block with
 * gfns back and gone in three stretches; it is held, and the retry
 * populates exactly the gone stretch (xs_check() sees any gfn twice).
 */
static void test_hvm_mixed(void)
{
	const unsigned long pfn = 2048;

	hvm_reset();
	xsim.decrease_left = 512 + 100;
	xsim.populate_left = 300;
	CHECK(report(pfn, 10) == -EIO);
	CHECK(blk[0].held);
	CHECK(present(pfn, 300) == 300 && present(pfn + 300, 312) == 0 &&
	      present(pfn + 612, 412) == 412);
	CHECK(marked_gone(0, XS_PFNS) == 312);

	expect_retry(pfn, 10, pfn + 300, 312);
}

/*
 * An HVM guest with populate-on-demand (maxmem well above what Xen backs)
 * is refused; a PVH one with the same headroom is not (PVH has no PoD),
 * nor an HVM one whose maxmem is its memory plus xl's few MiB.
 */
static void test_hvm_pod(void)
{
	hvm_reset();
	xsim.max_pages = 4 * XS_PFNS;	/* memory=32 MiB, maxmem=128 MiB */
	CHECK(!B->probe(B));
	CHECK(strstr(shim_log, "populate-on-demand"), "log: %s", shim_log);
	xsim.pvh = true;
	CHECK(B->probe(B));
	xsim.pvh = false;
	xsim.max_pages = XS_PFNS + 2048;	/* 8 MiB of video RAM */
	CHECK(B->probe(B));
	xsim.max_pages = XS_PFNS;
	CHECK(xsim.ncalls == 0);
}

/* Memory hot-added past the bitmap is never given. */
static void test_hvm_past_map(void)
{
	hvm_reset();
	aer_xen_map_pfns = 4096;
	CHECK(report(4096 - 512, 9) == 0);
	xs_log_clear();
	CHECK(report(4096, 9) == -ERANGE);
	CHECK(!blk[0].held);
	CHECK_TRACE("");
	CHECK(strstr(shim_log, "past the gfns tracked"), "log: %s", shim_log);
	CHECK(reclaim(4096 - 512, 9) == 0);
	aer_xen_map_pfns = XS_PFNS;
}

/* --- what a frame carries --------------------------------------------------------- */

/*
 * Scrubbed before Xen has it (xen_scrub_pages, on by default): Xen hands
 * a frame to the next domain as it is.  The simulated Xen fails the test
 * if a frame given back still holds the guest's data; on PV the scrub must
 * come while the direct map still maps the page.
 */
static void test_scrub(void)
{
	const unsigned long pfn = 1024;
	unsigned long i, mfn, guest = 0;
	int pv;

	for (pv = 1; pv >= 0; pv--) {
		if (pv)
			xs_reset(true);
		else
			hvm_reset();
		CHECK(report(pfn, 9) == 0);
		CHECK(xsim.scrubbed == 512, "%s: %lu scrubbed", pv ? "PV" : "HVM",
		      xsim.scrubbed);
		CHECK(reclaim(pfn, 9) == 0);

		/* xen_scrub_pages=0: the guest's data goes as it is. */
		xen_scrub_pages = false;
		xsim.scrubbed = 0;
		mfn = xsim.p2m[pfn];
		CHECK(report(pfn + 512, 9) == 0);
		CHECK(xsim.scrubbed == 0);
		for (i = 0; i < 512; i++)
			guest += xsim.data[xs_initial_mfn(pfn + 512 + i)] == XS_DATA_GUEST;
		CHECK(guest == 512, "%lu of 512 frames kept the guest's data", guest);
		CHECK(xsim.data[mfn] != XS_DATA_GUEST);
		CHECK(reclaim(pfn + 512, 9) == 0);
		guest = 0;
	}
}

/*
 * Xen's frames come back with anything in them.  init_on_free promises
 * zeroed free pages, page_poison=1 the poison value: reclaim writes it.
 */
static void test_fill_on_reclaim(void)
{
	const unsigned long pfn = 1024;
	unsigned long i, zero = 0, poison = 0, other = 0;
	int pv;

	for (pv = 1; pv >= 0; pv--) {
		if (pv)
			xs_reset(true);
		else
			hvm_reset();
		CHECK(report(pfn, 10) == 0);
		shim_init_on_free = true;
		CHECK(reclaim(pfn, 9) == 0);
		shim_init_on_free = false;
		shim_page_poison = true;
		CHECK(reclaim(pfn + 512, 9) == 0);
		shim_page_poison = false;
		for (i = 0; i < 512; i++) {
			zero += xsim.data[xsim.p2m[pfn + i]] == 0;
			poison += xsim.data[xsim.p2m[pfn + 512 + i]] == PAGE_POISON;
		}
		CHECK(zero == 512 && poison == 512, "%s: %lu zeroed, %lu poisoned",
		      pv ? "PV" : "HVM", zero, poison);

		/* Neither: left as Xen gave them. */
		CHECK(report(pfn, 9) == 0 && reclaim(pfn, 9) == 0);
		for (i = 0; i < 512; i++)
			other += xsim.data[xsim.p2m[pfn + i]] == XS_DATA_OTHER;
		CHECK(other == 512, "%lu of 512 as Xen gave them", other);
		zero = poison = other = 0;

		/*
		 * page_poison=1: the scrub writes the poison, so the frames
		 * of a report Xen refuses stay what the allocator checks for.
		 */
		shim_page_poison = true;
		xsim.decrease_left = 100;
		other = xsim.poisoned;
		CHECK(report(pfn, 9) == -EIO);
		for (i = 0; i < 512; i++)
			poison += xsim.data[xsim.p2m[pfn + i]] == PAGE_POISON;
		/* 512 by the scrub, 100 again when taken back */
		CHECK(poison == 512 && xsim.poisoned - other == 612,
		      "%s: %lu of 512 poisoned after a refused report", pv ? "PV" : "HVM",
		      poison);
		shim_page_poison = false;
		xsim.decrease_left = -1;
		poison = other = 0;
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	xs_reset(true);
	shim_subsys_initcall();
	B = xsim.registered;
	if (!B) {
		printf("FAIL init: xen.c registered no backend\n");
		failed++;
		return summary("xen");
	}
	/* The machine must be sane whatever a test did. */
	check_after = xs_check;
	RUN(test_abi);
	RUN(test_register);
	RUN(test_report_order9);
	RUN(test_report_order10);
	RUN(test_report_batch);
	RUN(test_reclaim);
	RUN(test_reclaim_enomem);
	RUN(test_reclaim_half_back);
	RUN(test_reclaim_runs);
	RUN(test_report_decrease_partial);
	RUN(test_report_partial_batch);
	RUN(test_report_takeback_fails);
	RUN(test_report_takeback_enomem);
	RUN(test_report_mmu_fails);
	RUN(test_report_large_page);
	RUN(test_reclaim_mmu_fails);
	RUN(test_hvm);
	RUN(test_hvm_no_super);
	RUN(test_hvm_reclaim_enomem);
	RUN(test_hvm_reclaim_half_back);
	RUN(test_hvm_mixed);
	RUN(test_hvm_past_map);
	RUN(test_hvm_pod);
	RUN(test_scrub);
	RUN(test_fill_on_reclaim);
	return summary("xen");
}
