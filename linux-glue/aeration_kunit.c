// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the engine inside a running kernel, against the real page
 * allocator, with a test backend in place of a hypervisor.  Needs the
 * engine to itself: boot with aeration=off and no balloon device.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page-isolation.h>
#include <linux/page_reporting.h>

#include "../core/glue.h"
#include "glue.h"

#define KT_MAX_GONE	4096

static struct {
	unsigned long blocks, reclaims, last_reclaim_pfn;
	unsigned long prdev_blocks;	/* reported through page_reporting */
	unsigned int last_reclaim_order;
	/* reclaim() calls off their one context: must stay 0. */
	unsigned long bad_context;
	int fail;
	/* Blocks a reclaim backend has "given away", as Xen would. */
	struct aer_block gone[KT_MAX_GONE];
	unsigned int nr_gone;
	unsigned int adaptive;	/* the engine's, restored after each case */
	bool saved;		/* ... if kt_init() got that far */
} kt;

static int kt_report(struct aer_backend *b, struct aer_block *blocks,
		     unsigned int nr)
{
	unsigned int i;

	if (kt.fail)
		return -EIO;
	kt.blocks += nr;
	for (i = 0; b->reclaim && i < nr && kt.nr_gone < KT_MAX_GONE; i++)
		kt.gone[kt.nr_gone++] = blocks[i];
	return 0;
}

/* Index of the gone block holding @pfn, or -1. */
static int kt_find_gone(unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < kt.nr_gone; i++)
		if (pfn >= kt.gone[i].pfn &&
		    pfn < kt.gone[i].pfn + (1UL << kt.gone[i].order))
			return i;
	return -1;
}

/* No page of the block at @page may be one the backend still has. */
static void kt_expect_back(struct kunit *test, struct page *page,
			   unsigned int order)
{
	unsigned long j;

	for (j = 0; j < (1UL << order); j++)
		KUNIT_EXPECT_EQ(test, kt_find_gone(page_to_pfn(page) + j), -1);
}

/* The hypervisor has memory again: the next pass offers every held block. */
static bool kt_retry_held_now(void)
{
	mutex_lock(&aeration_lock);
	aeration_engine.last_retry_ns = 0;
	mutex_unlock(&aeration_lock);
	return aeration_run_pass();
}

static int kt_reclaim(struct aer_backend *b, unsigned long pfn,
		      unsigned int order)
{
	int i = kt_find_gone(pfn);

	/* The rule of core/backend.h, checked where a backend sees it. */
	lockdep_assert_held(&page_zone(pfn_to_page(pfn))->lock);
	if (!irqs_disabled())
		kt.bad_context++;
	/* Whole blocks come back, never part of one. */
	if (i >= 0)
		kt.gone[i] = kt.gone[--kt.nr_gone];
	kt.reclaims++;
	kt.last_reclaim_pfn = pfn;
	kt.last_reclaim_order = order;
	return 0;
}

static struct aer_backend kt_backend = {
	.id = AER_BACKEND_VIRTIO,
	.capacity = 32,
	.report = kt_report,
};

/* Blocks marked aerated on every free list, counted under the zone locks. */
static unsigned long kt_count_marked(void)
{
	struct aer_zone *z;
	struct aer_blk *b;
	unsigned long n = 0;
	unsigned int order, mt;

	for (z = aerg_zone_next(NULL); z; z = aerg_zone_next(z)) {
		aerg_lock(z);
		for (order = 0; order < NR_PAGE_ORDERS; order++)
			for (mt = 0; mt < MIGRATE_TYPES; mt++)
				for (b = aerg_first(z, order, mt); b;
				     b = aerg_next(z, order, mt, b))
					n += aerg_aerated(b);
		aerg_unlock(z);
	}
	return n;
}

static void kt_run_until_idle(void)
{
	int i;

	for (i = 0; i < 200 && aeration_run_pass(); i++)
		;
}

static int kt_init(struct kunit *test)
{
	memset(&kt, 0, sizeof(kt));
	kt_backend.reclaim = NULL;
	if (aeration_activate(&kt_backend))
		kunit_skip(test, "engine busy: boot with aeration=off and no balloon");
	mutex_lock(&aeration_lock);
	aer_set_tunable(&aeration_engine, AER_MIN_ORDER, pageblock_order);
	aer_set_tunable(&aeration_engine, AER_CAPACITY, 32);
	/*
	 * The cases run passes back to back: a fixed delay, so that no pass
	 * waits for its request's age (the delay's own tests are in
	 * tests/unit/test_core.c).
	 */
	kt.adaptive = aer_get_tunable(&aeration_engine, AER_ADAPTIVE);
	kt.saved = true;
	aer_set_tunable(&aeration_engine, AER_ADAPTIVE, 0);
	mutex_unlock(&aeration_lock);
	return 0;
}

static void kt_exit(struct kunit *test)
{
	aeration_deactivate(&kt_backend);
	/* A skipped case (engine busy) must not change the live engine's. */
	if (!kt.saved)
		return;
	mutex_lock(&aeration_lock);
	aer_set_tunable(&aeration_engine, AER_ADAPTIVE, kt.adaptive);
	mutex_unlock(&aeration_lock);
}

static void aeration_test_tunables(struct kunit *test)
{
	unsigned int order = aeration_engine.min_order;

	KUNIT_EXPECT_EQ(test, aer_set_tunable(&aeration_engine, AER_MIN_ORDER,
					      NR_PAGE_ORDERS), -ERANGE);
	KUNIT_EXPECT_EQ(test, aer_set_tunable(&aeration_engine, AER_CAPACITY, 33),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, aer_set_tunable(&aeration_engine, AER_CAPACITY, 0),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, aeration_engine.min_order, order);
	KUNIT_EXPECT_EQ(test, aeration_engine.capacity, 32U);
}

/* Free memory gets reported and marked; the counters agree with the lists. */
static void aeration_test_report_marks(struct kunit *test)
{
	struct page *page;
	long aerated, reused;

	page = alloc_pages(GFP_KERNEL, pageblock_order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__free_pages(page, pageblock_order);
	kt_run_until_idle();

	aerated = aer_stat_sum(aeration_engine.stats.aerated, false);
	reused = aer_stat_sum(aeration_engine.stats.reused, false);
	KUNIT_EXPECT_GT(test, kt.blocks, 0UL);
	/* A block that merged with a freed buddy on putback is not marked. */
	KUNIT_EXPECT_LE(test, (unsigned long)aerated, kt.blocks);
	KUNIT_EXPECT_EQ(test, kt_count_marked(), (unsigned long)(aerated - reused));
}

/* Again with a reclaim backend (frames "gone" until reclaimed), aerated. */
static void kt_use_reclaim(struct kunit *test)
{
	aeration_deactivate(&kt_backend);
	kt_backend.reclaim = kt_reclaim;
	KUNIT_ASSERT_EQ(test, aeration_activate(&kt_backend), 0);
	kt_run_until_idle();
}

/* An aerated block that is allocated gets reclaimed first, mark cleared. */
static void aeration_test_reclaim_on_alloc(struct kunit *test)
{
	struct page *pages[8];
	unsigned int order = MAX_PAGE_ORDER;
	bool matched = false;
	int i, n = 0;

	kt_use_reclaim(test);
	KUNIT_ASSERT_GT(test, kt.blocks, 0UL);

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		unsigned long before = kt.reclaims;

		pages[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!pages[i])
			break;
		n++;
		KUNIT_EXPECT_FALSE(test, PageReported(pages[i]));
		if (kt.reclaims > before &&
		    kt.last_reclaim_pfn == page_to_pfn(pages[i]) &&
		    kt.last_reclaim_order == order)
			matched = true;
	}
	for (i = 0; i < n; i++)
		__free_pages(pages[i], order);

	KUNIT_EXPECT_TRUE(test, matched);
	KUNIT_EXPECT_EQ(test, kt.reclaims,
			(unsigned long)atomic_long_read(&aeration_engine.stats.reclaims));
}

/*
 * The hypervisor has no memory to give back (injected reclaim failures):
 * the allocator must never hand out a gone frame, holds such blocks, and
 * gets them back once reclaims work again.
 */
static void aeration_test_reclaim_failure_holds(struct kunit *test)
{
	struct page *pages[16];
	unsigned int order = pageblock_order;
	int i, n = 0;

	kt_use_reclaim(test);
	KUNIT_ASSERT_GT(test, kt.nr_gone, 0U);
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 2);

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY,
				       order);
		if (!pages[i])
			break;
		n++;
		KUNIT_EXPECT_FALSE(test, PageReported(pages[i]));
		kt_expect_back(test, pages[i], order);
	}
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 0);
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&aeration_engine.stats.held_pages), 0L);
	for (i = 0; i < n; i++)
		__free_pages(pages[i], order);

	/* Memory again: the next pass gives every held block back. */
	kt_retry_held_now();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&aeration_engine.stats.held_pages), 0L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&aeration_engine.stats.returned), 0L);
	/* The retry reclaimed under the zone lock, as the allocator does. */
	KUNIT_EXPECT_EQ(test, kt.bad_context, 0UL);
}

/*
 * The hypervisor has no memory at all.  An allocation smaller than the
 * marked blocks first takes the unmarked ones; the first that finds only
 * marked blocks may hold a few (PAGE_REPORTED_MAX_HOLDS per zone and
 * attempt), each whole, and then fails.  It must not walk every aerated
 * block with interrupts off, nor shred one into held pieces of its size.
 */
static void aeration_test_hold_bounded(struct kunit *test)
{
	unsigned int order = pageblock_order - 1;
	long blocks = 0, pages = 0, marked;
	struct page *pages_got[64];
	int i, n;

	kt_use_reclaim(test);
	marked = kt_count_marked();
	KUNIT_ASSERT_GE(test, marked, 128L);
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 1);
	for (n = 0; n < ARRAY_SIZE(pages_got) && !blocks; n++) {
		blocks = atomic_long_read(&aeration_engine.stats.held);
		pages = atomic_long_read(&aeration_engine.stats.held_pages);
		pages_got[n] = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, order);
		blocks = atomic_long_read(&aeration_engine.stats.held) - blocks;
		pages = atomic_long_read(&aeration_engine.stats.held_pages) - pages;
	}
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 0);
	kunit_info(test, "%ld marked blocks; allocation %d held %ld (%ld pages)\n",
		   marked, n, blocks, pages);
	KUNIT_EXPECT_GT(test, blocks, 0L);
	/* Here 3 attempts x 2 zones x 4; unbounded, it held all 498. */
	KUNIT_EXPECT_LE(test, blocks, 32L);
	/* Whole: no held piece smaller than a block the engine marked. */
	KUNIT_EXPECT_GE(test, pages, blocks << pageblock_order);
	for (i = 0; i < n; i++) {
		if (!pages_got[i])
			continue;
		kt_expect_back(test, pages_got[i], order);
		__free_pages(pages_got[i], order);
	}
	kt_retry_held_now();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&aeration_engine.stats.held_pages), 0L);
	KUNIT_EXPECT_EQ(test, kt.bad_context, 0UL);
}

/*
 * A reclaim backend goes while the hypervisor is short: its blocks are
 * held, the engine keeps its reclaim() and refuses another backend until
 * every frame is back, then lets it go.
 */
static void aeration_test_deactivate_frames_out(struct kunit *test)
{
	struct aer_backend other = kt_backend;

	kt_use_reclaim(test);
	KUNIT_ASSERT_GT(test, kt.nr_gone, 0U);
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 1);
	aeration_deactivate(&kt_backend);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(aeration_engine.reclaimer), &kt_backend);
	KUNIT_EXPECT_GT(test, atomic_long_read(&aeration_engine.stats.held_pages), 0L);
	other.reclaim = NULL;
	KUNIT_EXPECT_EQ(test, aeration_activate(&other), -EBUSY);

	WRITE_ONCE(aeration_engine.fail_reclaim_every, 0);
	KUNIT_EXPECT_FALSE(test, kt_retry_held_now());
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.reclaimer));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&aeration_engine.stats.held_pages), 0L);
	KUNIT_EXPECT_EQ(test, kt.nr_gone, 0U);
	KUNIT_EXPECT_EQ(test, kt_count_marked(), 0UL);
	KUNIT_EXPECT_EQ(test, kt.bad_context, 0UL);
}

/*
 * A failing backend leaves nothing marked and the failure is counted; the
 * engine itself counts no report that went through and no block aerated.
 */
static void aeration_test_report_failure(struct kunit *test)
{
	long before, reports;
	unsigned long aerated;

	/* Counted once no pass can run: deactivation cancels a queued one. */
	aeration_deactivate(&kt_backend);
	KUNIT_ASSERT_EQ(test, kt_count_marked(), 0UL);
	before = atomic_long_read(&aeration_engine.stats.report_failures);
	reports = atomic_long_read(&aeration_engine.stats.reports);
	aerated = aer_stat_sum(aeration_engine.stats.aerated, false);
	kt.fail = 1;
	KUNIT_ASSERT_EQ(test, aeration_activate(&kt_backend), 0);
	aeration_run_pass();
	KUNIT_EXPECT_GT(test, atomic_long_read(&aeration_engine.stats.report_failures),
			before);
	KUNIT_EXPECT_EQ(test, kt_count_marked(), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&aeration_engine.stats.reports),
			reports);
	KUNIT_EXPECT_EQ(test, aer_stat_sum(aeration_engine.stats.aerated, false),
			aerated);
}

/* Deactivation leaves no mark behind. */
static void aeration_test_deactivate_clears(struct kunit *test)
{
	kt_run_until_idle();
	KUNIT_EXPECT_GT(test, kt_count_marked(), 0UL);
	aeration_deactivate(&kt_backend);
	KUNIT_EXPECT_EQ(test, kt_count_marked(), 0UL);
	KUNIT_EXPECT_NULL(test, READ_ONCE(aeration_engine.backend));
}

#ifdef CONFIG_MEMORY_ISOLATION
/*
 * Memory offlining moves an aerated pageblock-sized block to an isolated
 * list with its mark; its isolation test must bring the frames back, or
 * call the range busy (offline_pages() then retries), so that no block
 * goes offline with its frames gone.
 */
static void aeration_test_offline_isolation(struct kunit *test)
{
	unsigned int order = pageblock_order;
	unsigned long pfn, end, j;
	struct page *page;

	kt_use_reclaim(test);
	/* A free pageblock whose buddy is in use: split a larger block. */
	page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, order + 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	split_page(page, order + 1);
	pfn = page_to_pfn(page);
	end = pfn + (1UL << order);
	for (j = pfn; j < end; j++)
		__free_page(pfn_to_page(j));
	aerg_drain_percpu();
	kt_run_until_idle();
	KUNIT_ASSERT_TRUE(test, PageBuddy(page) && PageReported(page));
	KUNIT_ASSERT_GE(test, kt_find_gone(pfn), 0);

	KUNIT_ASSERT_EQ(test, start_isolate_page_range(pfn, end, MIGRATE_MOVABLE,
						       MEMORY_OFFLINE, GFP_KERNEL), 0);
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 1);
	KUNIT_EXPECT_EQ(test, test_pages_isolated(pfn, end, MEMORY_OFFLINE), -EBUSY);
	WRITE_ONCE(aeration_engine.fail_reclaim_every, 0);
	KUNIT_EXPECT_EQ(test, test_pages_isolated(pfn, end, MEMORY_OFFLINE), 0);
	KUNIT_EXPECT_FALSE(test, PageReported(page));
	KUNIT_EXPECT_EQ(test, kt_find_gone(pfn), -1);
	undo_isolate_page_range(pfn, end, MIGRATE_MOVABLE);

	for (j = end; j < end + (1UL << order); j++)
		__free_page(pfn_to_page(j));
	KUNIT_EXPECT_EQ(test, kt.bad_context, 0UL);
}
#endif

/* Which backend aeration= chooses, and when. */
#include "../tests/kernel/choice_kunit.c"
#ifdef CONFIG_AERATION_HYPERV
#include "../tests/kernel/hyperv_kunit.c"
#endif

static struct kunit_case aeration_cases[] = {
	KUNIT_CASE(aeration_test_policy),
	KUNIT_CASE(aeration_test_tunables),
	KUNIT_CASE(aeration_test_report_marks),
	KUNIT_CASE(aeration_test_reclaim_on_alloc),
	KUNIT_CASE(aeration_test_reclaim_failure_holds),
	KUNIT_CASE(aeration_test_hold_bounded),
	KUNIT_CASE(aeration_test_deactivate_frames_out),
	KUNIT_CASE(aeration_test_report_failure),
	KUNIT_CASE(aeration_test_deactivate_clears),
	KUNIT_CASE(aeration_test_preference),
	KUNIT_CASE(aeration_test_preference_waits),
	KUNIT_CASE(aeration_test_hv_balloon_named),
#ifdef CONFIG_MEMORY_ISOLATION
	KUNIT_CASE(aeration_test_offline_isolation),
#endif
#ifdef CONFIG_AERATION_HYPERV
	KUNIT_CASE(aeration_test_hyperv_abi),
#endif
	{}
};

static struct kunit_suite aeration_suite = {
	.name = "aeration",
	.init = kt_init,
	.exit = kt_exit,
	.test_cases = aeration_cases,
};

kunit_test_suite(aeration_suite);

MODULE_LICENSE("GPL");
