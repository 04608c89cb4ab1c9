// SPDX-License-Identifier: GPL-2.0
/*
 * User-space tests of core/ against the model buddy allocator.  Each test
 * builds a fresh allocator, drives it like the kernel would, and checks
 * page states with mb_check() after every step that matters.
 */
#include <stdio.h>
#include <stdlib.h>

#include "buddy.h"
#include "check.h"
#include "../../core/glue.h"

#define tb mb_tb

#define CHECK_STATE() do {						\
	const char *why = mb_check();					\
	if (why) {							\
		FAIL_MSG("%s:%d: %s", __FILE__, __LINE__, why);		\
		return;							\
	}								\
} while (0)

/* Fresh allocator and engine with the test backend active. */
static void setup(bool reclaim_kind, unsigned int min_order,
		  unsigned int capacity)
{
	mb_backend_init(reclaim_kind);
	mb_init(1, 1UL << 15);		/* 128 MiB of 4 KiB pages */
	aer_engine_init(&mb_engine);
	aer_set_tunable(&mb_engine, AER_MIN_ORDER, min_order);
	aer_set_tunable(&mb_engine, AER_CAPACITY, capacity);
	if (aer_engine_activate(&mb_engine, &tb.b)) {
		FAIL_MSG("activation refused");
		abort();
	}
}

/* Run passes until the engine stops asking for more (bounded). */
static int run_passes(void)
{
	int n = 0;

	/* As the work queue would: each pass after the delay it asks for. */
	while (n < 1000 && aer_pass(&mb_engine)) {
		mb_now_ns += aer_next_delay_ms(&mb_engine) * 1000000ULL;
		n++;
	}
	return n + 1;
}

/* The pass a request queued, when the work queue would run it. */
static bool due_pass(void)
{
	mb_now_ns += aer_next_delay_ms(&mb_engine) * 1000000ULL;
	return aer_pass(&mb_engine);
}

/* Allocate everything in 2^order blocks, return how many. */
static unsigned long fill(long *pfns, unsigned long max, unsigned int order)
{
	unsigned long n = 0;
	long pfn;

	while (n < max && (pfn = mb_alloc(order, 1)) >= 0)
		pfns[n++] = pfn;
	return n;
}

static long pfns[1 << 15];

/*
 * What aeration_register() asks of the policy: may this backend be used?
 * Only the sign of the rank is read anywhere; the order that matters is
 * pref[], which sysfs shows as the policy.
 */
static bool accepted(const struct aer_policy *p, enum aer_backend_id id)
{
	return aer_policy_rank(p, id) >= 0;
}

static void test_policy(void)
{
	struct aer_policy p;

	aer_policy_parse(&p, "off");
	CHECK(p.off && p.nr == 0);
	CHECK(!accepted(&p, AER_BACKEND_XEN) && !accepted(&p, AER_BACKEND_HYPERV) &&
	      !accepted(&p, AER_BACKEND_VIRTIO));
	/*
	 * auto: every backend, in the documented order xen, hyperv,
	 * hv_balloon, virtio.
	 */
	aer_policy_parse(&p, "auto");
	CHECK(!p.named);	/* auto names no backend: opt-in ones stay out */
	CHECK(!p.off && p.nr == 4 && p.pref[0] == AER_BACKEND_XEN &&
	      p.pref[1] == AER_BACKEND_HYPERV && p.pref[2] == AER_BACKEND_HV_BALLOON &&
	      p.pref[3] == AER_BACKEND_VIRTIO);
	CHECK(accepted(&p, AER_BACKEND_XEN) && accepted(&p, AER_BACKEND_HYPERV) &&
	      accepted(&p, AER_BACKEND_HV_BALLOON) && accepted(&p, AER_BACKEND_VIRTIO));
	/* hv_balloon is named apart from virtio, both ways. */
	aer_policy_parse(&p, "hv_balloon");
	CHECK(p.nr == 1 && !strcmp(aer_backend_name(p.pref[0]), "hv_balloon"));
	CHECK(accepted(&p, AER_BACKEND_HV_BALLOON) && !accepted(&p, AER_BACKEND_VIRTIO));
	aer_policy_parse(&p, "virtio");
	CHECK(!accepted(&p, AER_BACKEND_HV_BALLOON));
	/* A list: its backends in the order given, no others. */
	aer_policy_parse(&p, "virtio,xen");
	CHECK(p.named);
	CHECK(p.nr == 2 && p.pref[0] == AER_BACKEND_VIRTIO && p.pref[1] == AER_BACKEND_XEN);
	CHECK(accepted(&p, AER_BACKEND_VIRTIO) && accepted(&p, AER_BACKEND_XEN));
	CHECK(!accepted(&p, AER_BACKEND_HYPERV));

	shim_log[0] = 0;
	aer_policy_parse(&p, "virtio,bogus,virtio");
	CHECK(p.nr == 1 && p.pref[0] == AER_BACKEND_VIRTIO);
	CHECK(accepted(&p, AER_BACKEND_VIRTIO) && !accepted(&p, AER_BACKEND_XEN) &&
	      !accepted(&p, AER_BACKEND_HYPERV));
	CHECK(strstr(shim_log, "unknown backend 'bogus'"));
	CHECK(strstr(shim_log, "'virtio' repeated"));

	shim_log[0] = 0;
	aer_policy_parse(&p, "");
	CHECK(!p.off && p.nr == AER_NR_BACKENDS && strstr(shim_log, "empty"));
	aer_policy_parse(&p, NULL);
	CHECK(!p.off && p.nr == AER_NR_BACKENDS);

	shim_log[0] = 0;
	aer_policy_parse(&p, "nope,,zz");
	CHECK(!p.off && p.nr == AER_NR_BACKENDS && strstr(shim_log, "using auto"));
	CHECK(!p.named);

	shim_log[0] = 0;
	aer_policy_parse(&p, "xen,off");
	CHECK(!p.off && p.nr == 1 && strstr(shim_log, "unknown backend 'off'"));
	CHECK(accepted(&p, AER_BACKEND_XEN) && !accepted(&p, AER_BACKEND_VIRTIO));

	shim_log[0] = 0;
	aer_policy_parse(&p, "virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio");
	CHECK(p.nr == AER_NR_BACKENDS && strstr(shim_log, "longer than"));
}

static void test_tunables(void)
{
	mb_init(1, 1UL << 12);
	aer_engine_init(&mb_engine);
	CHECK(mb_engine.min_order == 9 && mb_engine.capacity == 32);
	CHECK(aer_set_tunable(&mb_engine, AER_MIN_ORDER, MB_ORDERS) == -ERANGE);
	CHECK(aer_set_tunable(&mb_engine, AER_MIN_ORDER, 3) == 0);
	CHECK(aer_set_tunable(&mb_engine, AER_CAPACITY, 0) == -ERANGE);
	CHECK(aer_set_tunable(&mb_engine, AER_CAPACITY, AER_MAX_CAPACITY + 1) == -ERANGE);
	CHECK(aer_set_tunable(&mb_engine, AER_CAPACITY, 100) == 0);
	CHECK(aer_set_tunable(&mb_engine, AER_DELAY_MS, AER_MAX_DELAY_MS + 1) == -ERANGE);
	CHECK(aer_set_tunable(&mb_engine, AER_DELAY_MS, 250) == 0);
	CHECK(aer_set_tunable(&mb_engine, 99, 1) == -EINVAL);
	CHECK(mb_engine.min_order == 3 && mb_engine.capacity == 100 &&
	      mb_engine.delay_ms == 250);

	/* Activation clamps to what the backend accepts. */
	mb_backend_init(false);
	tb.b.min_order = 5;
	tb.b.capacity = 16;
	CHECK(aer_engine_activate(&mb_engine, &tb.b) == 0);
	CHECK(mb_engine.min_order == 5 && mb_engine.capacity == 16);
	CHECK(aer_engine_activate(&mb_engine, &tb.b) == -EBUSY);
	CHECK(aer_set_tunable(&mb_engine, AER_MIN_ORDER, 4) == -ERANGE);
	CHECK(aer_set_tunable(&mb_engine, AER_CAPACITY, 17) == -ERANGE);
	CHECK(mb_engine.min_order == 5 && mb_engine.capacity == 16);
}

/*
 * The engine's min_order: only blocks of that order or more are reported.
 * (Whether a free asks for a pass at all is decided by the allocator's
 * hook, linux-glue/aeration_mm.h, which the model only copies.)
 */
static void test_threshold(void)
{
	unsigned long n, pfn;
	long freed;

	/* A small batch, so the watermark lets the pass walk the zone. */
	setup(false, 9, 4);
	run_passes();		/* aerate the initial free memory */
	n = fill(pfns, 1 << 15, 0);
	CHECK(n == 1UL << 15);	/* every page allocated on its own */
	/*
	 * Pages 0-511 make one order-9 block; every other page elsewhere is
	 * an order-0 block whose buddy stays allocated.
	 */
	for (pfn = 0; pfn < n; pfn++)
		if (pfn < 512 || pfn % 2 == 0)
			mb_free(pfn, 0);
	tb.calls = tb.blocks = tb.pages = 0;
	aer_request(&mb_engine, false);
	run_passes();
	CHECK(tb.blocks == 1 && tb.pages == 512 && mb_pages[0].aerated);
	CHECK(mb_count_aerated_pages() == 512);
	/*
	 * Freeing the other buddies merges up to order 10: many frees of
	 * min_order or more, and the engine asks for one pass, not many.
	 */
	mb_requests = 0;
	freed = atomic_long_read(&mb_engine.adapt.freed);
	for (pfn = 513; pfn < n; pfn += 2)
		mb_free(pfn, 0);
	CHECK(atomic_long_read(&mb_engine.adapt.freed) - freed > 1);
	CHECK(mb_requests == 1);
	CHECK(atomic_read(&mb_engine.state) == AER_REQUESTED);
	run_passes();
	CHECK(atomic_read(&mb_engine.state) == AER_IDLE);
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	CHECK_STATE();
}

static void test_pass_aerates_all(void)
{
	unsigned long free_pages;

	setup(false, 9, 32);
	run_passes();
	free_pages = mb_zones[0].free_pages;
	CHECK_STATE();
	CHECK(mb_count_aerated_pages() == free_pages);
	CHECK(tb.pages == free_pages);
	CHECK(aer_stat_sum(mb_engine.stats.aerated, true) == free_pages);
	CHECK(aer_stat_sum(mb_engine.stats.aerated, false) == tb.blocks);
	CHECK((unsigned long)atomic_long_read(&mb_engine.stats.reports) == tb.calls);

	/* A second round finds nothing new: aerated blocks are skipped. */
	tb.calls = 0;
	aer_request(&mb_engine, false);
	run_passes();
	CHECK(tb.calls == 0);
}

/* Fill the zone, then free every other page: order-0 blocks that cannot merge. */
static unsigned long fill_free_half(void)
{
	unsigned long n = fill(pfns, 1 << 15, 0), i;

	for (i = 0; i < n; i += 2)
		mb_free(pfns[i], 0);
	return n;
}

static void test_capacity_and_budget(void)
{
	setup(false, 0, 4);
	fill_free_half();
	CHECK(mb_requests == 1);
	/*
	 * Budget: per free list, one pass reports nr_free / (capacity * 16)
	 * batches plus one.  The blocks sit on two lists (both migratetypes).
	 */
	CHECK(due_pass() == true);
	CHECK(tb.max_batch == 4);
	CHECK(tb.blocks <= 2 * 4 * (16384 / 64 + 2));
	CHECK(tb.blocks >= 4 * (16384 / 64));
	CHECK_STATE();
	run_passes();
	CHECK(tb.blocks == 16384);
	CHECK(mb_count_aerated_pages() == 16384);
	CHECK_STATE();
}

static void test_rotation(void)
{
	unsigned long n, i;
	struct aer_blk *h;

	setup(false, 0, 8);
	n = fill(pfns, 1 << 15, 0);
	for (i = 0; i < n; i += 2)
		mb_free(pfns[i], 0);
	due_pass();
	/* After a partial pass the list head is an unaerated block. */
	h = &mb_zones[0].heads[0][1];
	CHECK(h->next != h && !h->next->aerated);
	/* And aerated blocks sit at the tail. */
	CHECK(h->prev->aerated);
}

static void test_alloc_split_merge_clear_mark(void)
{
	long a, b;
	struct aer_blk *h;

	setup(false, 9, 32);
	run_passes();
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	/* Allocating one page splits an aerated order-10 block. */
	a = mb_alloc(0, 1);
	CHECK(a >= 0);
	CHECK(!mb_pages[a].aerated);
	CHECK(atomic_long_read(&mb_engine.stats.reused[10]) == 1);
	/* The halves expand() put back are not aerated. */
	CHECK(mb_pages[a + 512].buddy && mb_pages[a + 512].order == 9 &&
	      !mb_pages[a + 512].aerated);
	CHECK_STATE();

	/* Merge: aerate everything, then free a buddy of an aerated block. */
	run_passes();
	h = &mb_pages[a + 512];
	CHECK(h->aerated);
	b = a;
	mb_free(b, 0);		/* merges up through the aerated order-9 half */
	CHECK(mb_pages[a].buddy && mb_pages[a].order == 10 && !mb_pages[a].aerated);
	CHECK(!mb_pages[a + 512].aerated);
	CHECK(atomic_long_read(&mb_engine.stats.reused[9]) == 1);
	CHECK(atomic_long_read(&mb_engine.stats.merges) == 1);
	CHECK_STATE();
}

/*
 * With a reclaim backend, a free next to an aerated buddy merges with it
 * once its frames are back: one reclaim, counted in merges.
 */
static void test_merge_reclaims_buddy(void)
{
	long a, b, reclaims;

	setup(true, 9, 32);
	run_passes();
	a = mb_alloc(0, 1);	/* reclaims an order-10 block and splits it */
	CHECK(a >= 0);
	run_passes();		/* aerates its order-9 half again */
	CHECK(mb_pages[a + 512].aerated && mb_pages[a + 512].order == 9);
	reclaims = atomic_long_read(&mb_engine.stats.reclaims);
	mb_free(a, 0);
	CHECK(atomic_long_read(&mb_engine.stats.reclaims) == reclaims + 1);
	CHECK(tb.last_reclaim_pfn == (unsigned long)a + 512 && tb.last_reclaim_order == 9);
	CHECK(atomic_long_read(&mb_engine.stats.merges) == 1);
	CHECK(mb_pages[a].buddy && mb_pages[a].order == 10 && !mb_pages[a].aerated);
	CHECK_STATE();

	/* Across an isolated pageblock nothing merges: no frames come back. */
	setup(true, 9, 32);
	a = mb_alloc(9, 1);
	b = mb_alloc(9, 1);
	CHECK(a >= 0 && (a ^ b) == 512);	/* the scenario needs buddies */
	mb_free(b, 9);
	run_passes();
	CHECK(mb_pages[b].aerated);
	mb_set_pageblock_mt(a, MB_MT_ISOLATE);
	reclaims = atomic_long_read(&mb_engine.stats.reclaims);
	mb_free(a, 9);
	CHECK(atomic_long_read(&mb_engine.stats.reclaims) == reclaims);
	CHECK(mb_pages[b].aerated && mb_pages[a].buddy && mb_pages[a].order == 9);
	CHECK_STATE();
}

static void test_reclaim_before_reuse(void)
{
	unsigned long n, i, gone;

	setup(true, 9, 32);
	run_passes();
	gone = mb_count_gone();
	CHECK(gone == mb_zones[0].free_pages);
	CHECK_STATE();
	/* Allocate everything at mixed orders: nothing gone may come out. */
	n = 0;
	for (i = 0; i < 100; i++) {
		long p = mb_alloc(i % 11, 1);

		if (p >= 0)
			pfns[n++] = p;
	}
	n += fill(pfns + n, (1 << 15) - n, 0);
	CHECK(mb_gone_handed_out == 0);
	CHECK(mb_count_gone() == 0);
	CHECK((unsigned long)atomic_long_read(&mb_engine.stats.reclaims) == tb.reclaims);
	CHECK(tb.reclaims == tb.blocks);
	/* One trace event per block given and per block taken back. */
	CHECK(mb_traced[AER_OP_REPORT] == tb.blocks);
	CHECK(mb_traced[AER_OP_RECLAIM] == tb.reclaims);
	CHECK(mb_traced_failed[AER_OP_REPORT] + mb_traced_failed[AER_OP_RECLAIM] == 0);
	CHECK_STATE();
}

static void test_report_failure(void)
{
	unsigned long free_pages;

	setup(true, 9, 4);
	tb.fail_reports = 1;
	aer_pass(&mb_engine);
	CHECK(atomic_long_read(&mb_engine.stats.report_failures) == 1);
	CHECK(mb_count_aerated_pages() == 0);
	CHECK(mb_count_gone() == 0);
	CHECK_STATE();
	/* The engine goes on at the next request. */
	aer_request(&mb_engine, false);
	run_passes();
	free_pages = mb_zones[0].free_pages;
	CHECK(mb_count_aerated_pages() == free_pages);
	CHECK_STATE();
}

/* Idle: what is aerated stays free, so the delay is back to the age at once. */
static void test_adaptive_idle(void)
{
	unsigned long i;

	setup(false, 0, 4);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_AGE_MS);
	mb_engine.adapt.age_ms = AER_SLOW_DELAY_MS;
	fill_free_half();
	run_passes();		/* the pass and its backlog */
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	/* The next requests learn that all of it stayed free. */
	for (i = 1; i < 5; i += 2) {
		mb_free(pfns[i], 0);
		mb_now_ns += mb_engine.adapt.age_ms * 1000000ULL;
		aer_pass(&mb_engine);
		CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
		run_passes();
	}
	CHECK(aer_next_delay_ms(&mb_engine) == AER_AGE_MS);
	/* Fixed mode ignores all that. */
	CHECK(aer_set_tunable(&mb_engine, AER_ADAPTIVE, 0) == 0);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_DEFAULT_DELAY_MS);
	CHECK(aer_set_tunable(&mb_engine, AER_ADAPTIVE, 2) == -ERANGE);
}

/*
 * Run what the work queue would until a pass really runs (not one that
 * waits for a quiet spell); returns the virtual ms that took.
 */
static unsigned long long wait_for_pass(void)
{
	long passes = atomic_long_read(&mb_engine.stats.passes);
	unsigned long long t0 = mb_now_ns;
	int n;

	for (n = 0; n < 1000; n++) {
		mb_now_ns += aer_next_delay_ms(&mb_engine) * 1000000ULL;
		aer_pass(&mb_engine);
		if (atomic_long_read(&mb_engine.stats.passes) > passes)
			break;
	}
	return (mb_now_ns - t0) / 1000000;
}

/*
 * Churn: what a request's passes aerate is reallocated at once: back off,
 * and then wait for a quiet spell of that length after the free.
 */
static void test_adaptive_churn(void)
{
	unsigned int round;
	unsigned long n, i;
	unsigned long long waited;

	setup(false, 0, 64);
	n = fill(pfns, 1 << 15, 0);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < n; i += 2)
			mb_free(pfns[i], 0);
		waited = wait_for_pass();
		/*
		 * The request learned: once is not a pattern (round 1); the
		 * next learn is a churn window later (round 3), and twice is
		 * slow.
		 */
		CHECK(mb_engine.adapt.churn_streak == (round == 0 ? 0U : round <= 2 ? 1U : 2U) ||
		      round > 3);
		CHECK(mb_engine.adapt.age_ms == (round <= 2 ? AER_AGE_MS :
						 AER_SLOW_DELAY_MS));
		/* The frees were loud: the age counts from the first look. */
		CHECK(waited >= (round <= 2 ? AER_AGE_MS :
				 AER_QUIET_LOOK_MS + AER_SLOW_DELAY_MS));
		CHECK(waited < AER_MAX_WAIT_MS);
		run_passes();	/* the backlog, learning nothing */
		CHECK(mb_engine.adapt.aerated > 0);
		/* Reallocate right after the drain, inside the churn window. */
		for (i = 0; i < n; i += 2)
			pfns[i] = mb_alloc(0, 1);
		CHECK(atomic_long_read(&mb_engine.adapt.quick_reuse) > 0);
		CHECK_STATE();
	}
	CHECK(atomic_long_read(&mb_engine.stats.deferred) > 0);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_QUIET_LOOK_MS);
}

/* Under churn a few background frees are not loud; one that never stops is capped. */
static void test_quiet_spell(void)
{
	unsigned long n, i;
	unsigned long long waited;

	setup(false, 0, 64);
	n = fill(pfns, 1 << 15, 0);
	mb_engine.adapt.age_ms = AER_SLOW_DELAY_MS;
	mb_engine.adapt.loud_blocks = 64;
	/* A trickle: below loud_blocks per look, the pass comes at the first. */
	mb_free(pfns[0], 0);
	mb_free(pfns[2], 0);
	CHECK(wait_for_pass() == AER_QUIET_LOOK_MS);
	run_passes();
	/* Loud frees at every look: waits, up to AER_MAX_WAIT_MS. */
	for (i = 4; i < n; i += 2)
		mb_free(pfns[i], 0);
	mb_now_ns += AER_QUIET_LOOK_MS * 1000000ULL;
	CHECK(aer_pass(&mb_engine) == true);
	for (waited = AER_QUIET_LOOK_MS; waited < 2 * AER_MAX_WAIT_MS;
	     waited += AER_QUIET_LOOK_MS) {
		long passes = atomic_long_read(&mb_engine.stats.passes);

		/* 64 blocks reused and freed again since the last look. */
		for (i = 4; i < 4 + 128; i += 2) {
			pfns[i] = mb_alloc(0, 1);
			mb_free(pfns[i], 0);
		}
		mb_now_ns += AER_QUIET_LOOK_MS * 1000000ULL;
		aer_pass(&mb_engine);
		if (atomic_long_read(&mb_engine.stats.passes) > passes)
			break;
	}
	CHECK(waited >= AER_MAX_WAIT_MS && waited < AER_MAX_WAIT_MS + 2 * AER_QUIET_LOOK_MS);
	CHECK_STATE();
}

/*
 * A pass that aerated a block or two is no pattern: memory aerated long
 * ago and reused just after it does not make churn (Xen dom0: background
 * passes between a free and its reuse 20 s later).
 */
static void test_small_pass_is_no_pattern(void)
{
	unsigned long n, i;

	setup(false, 0, 4);
	n = fill_free_half();
	run_passes();
	mb_now_ns += 10ULL * AER_CHURN_WINDOW_MS * 1000000ULL;
	/* A pass that aerates one block ... */
	mb_free(pfns[1], 0);
	mb_now_ns += aer_next_delay_ms(&mb_engine) * 1000000ULL;
	run_passes();
	/* ... (merged with pfns[0]), then old blocks go right after it. */
	for (i = 2; i < n / 2; i += 2)
		pfns[i] = mb_alloc(0, 1);
	CHECK(atomic_long_read(&mb_engine.adapt.quick_reuse) == (long)(n / 4 - 1));
	mb_free(pfns[2], 0);
	mb_now_ns += AER_CHURN_WINDOW_MS * 1000000ULL;
	aer_pass(&mb_engine);
	CHECK(mb_engine.adapt.learned_ns == mb_now_ns);
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	CHECK_STATE();
}

/* A backlog's passes learn nothing: its last one often aerates nothing. */
static void test_backlog_learns_nothing(void)
{
	unsigned long n, i;

	setup(false, 0, 4);
	n = fill_free_half();
	run_passes();
	CHECK(mb_engine.adapt.aerated == n / 2);
	/* Everything reused right away: the next request's first pass sees it. */
	for (i = 0; i < n; i += 2)
		pfns[i] = mb_alloc(0, 1);
	CHECK(atomic_long_read(&mb_engine.adapt.quick_reuse) == (long)(n / 2));
	mb_free(pfns[0], 0);
	aer_pass(&mb_engine);
	/* Churn seen once: no pattern yet, the age stays. */
	CHECK(mb_engine.adapt.churn_streak == 1);
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	CHECK_STATE();
}

/*
 * A program that starts right after boot and takes the free memory that
 * boot-time reporting just aerated: one reuse, however large, and later
 * reuse of those old blocks after small passes, is no churn.  Its free
 * afterwards must go at the age (issue 15: the demo's 1 GiB waited 4 s).
 */
static void test_startup_reuse_is_no_churn(void)
{
	static long prog[1 << 14];
	unsigned long n, i, got = 0, small = 2 * AER_CHURN_MIN_BLOCKS;

	setup(false, 0, 64);
	n = fill(pfns, 1 << 15, 0);
	/* Boot: half the memory free, in single pages, all of it aerated. */
	for (i = 0; i < n; i += 2)
		mb_free(pfns[i], 0);
	run_passes();
	/* The program takes half of it within the churn window ... */
	while (got < n / 4)
		prog[got++] = mb_alloc(0, 1);
	CHECK(atomic_long_read(&mb_engine.adapt.quick_reuse) >= (long)(n / 4));
	/*
	 * ... a small free (single pages: their buddies are in use) has its
	 * pass learn (once: no pattern) and aerate enough blocks to count ...
	 */
	for (i = 0; i < small; i++)
		mb_free(prog[i], 0);
	CHECK(wait_for_pass() == AER_AGE_MS);
	run_passes();
	CHECK(mb_engine.adapt.churn_streak == 1);
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	CHECK(mb_engine.adapt.aerated == small);
	/* ... and goes on taking old blocks, far more than that pass aerated. */
	for (i = 0; i < small; i++)
		prog[i] = mb_alloc(0, 1);
	while (got < n / 2 - small)
		prog[got++] = mb_alloc(0, 1);
	CHECK(atomic_long_read(&mb_engine.adapt.quick_reuse) > 4 * (long)small);
	mb_now_ns += AER_CHURN_WINDOW_MS * 1000000ULL;
	/* Then it frees: the next pass comes at the age, no churn seen. */
	for (i = 0; i < got; i++)
		mb_free(prog[i], 0);
	CHECK(wait_for_pass() == AER_AGE_MS);
	CHECK(mb_engine.adapt.churn_streak == 0);
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	run_passes();
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	CHECK_STATE();
}

/*
 * Churn that ended: a quiet spell, a pass that aerates the last round's
 * memory, and then a large free must go at the age: not wait for the
 * churn's slow delay, and not go before it is AER_AGE_MS old because the
 * learn that ends the churn came first.
 */
/*
 * Under churn (the age at AER_SLOW_DELAY_MS, seen twice): the last round
 * frees every @step-th page of memory filled with order-0 blocks, and its
 * pass comes after a quiet spell.  Returns how many blocks were filled.
 */
static unsigned long churn_round(unsigned long step)
{
	unsigned long n, i;

	setup(false, 0, 64);
	n = fill(pfns, 1 << 15, 0);
	mb_engine.adapt.age_ms = AER_SLOW_DELAY_MS;
	mb_engine.adapt.churn_streak = 2;
	for (i = 0; i < n; i += step)
		mb_free(pfns[i], 0);
	if (wait_for_pass() < AER_SLOW_DELAY_MS) {
		FAIL_MSG("%s:%d: the round's pass did not wait out churn", __FILE__, __LINE__);
		return 0;
	}
	run_passes();
	return n;
}

static void test_churn_over(void)
{
	unsigned long long t, free_ns, look_ns = 0;
	unsigned long n, i;
	long passes;

	n = churn_round(2);
	CHECK(n > 0);
	mb_now_ns += 2 * AER_SLOW_DELAY_MS * 1000000ULL;
	/* Quiet; then a large free, from idle: the request's own age. */
	for (i = 1; i < n; i += 2)
		mb_free(pfns[i], 0);
	t = wait_for_pass();
	CHECK(t >= AER_AGE_MS && t <= AER_AGE_MS + AER_QUIET_LOOK_MS);
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	CHECK(mb_engine.adapt.churn_streak == 0);
	run_passes();
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	CHECK_STATE();

	/*
	 * The same while a request waits out churn: the large free comes
	 * between two looks, and the learn that ends the churn one look
	 * later.  Its age counts from the look before it, even for a free
	 * below the loud threshold.
	 */
	n = churn_round(4);
	CHECK(n > 0);
	/* Churn goes on: a round's free, and the looks wait. */
	for (i = 2; i < n; i += 4)
		mb_free(pfns[i], 0);
	/* The next learn comes AER_CHURN_WINDOW_MS from now, at the 6th look. */
	mb_engine.adapt.learned_ns = mb_now_ns;
	passes = atomic_long_read(&mb_engine.stats.passes);
	free_ns = 0;
	for (i = 0; i < 100 && atomic_long_read(&mb_engine.stats.passes) == passes; i++) {
		if (i == 4) {
			/* After the 4th look; the 5th sees it, the 6th learns. */
			look_ns = mb_engine.adapt.look_ns;
			mb_engine.adapt.loud_blocks = 1UL << 20;	/* not loud */
			mb_now_ns += 100 * 1000000ULL;
			free_ns = mb_now_ns;
			for (t = 1; t < n; t += 2)
				mb_free(pfns[t], 0);
		}
		mb_now_ns += aer_next_delay_ms(&mb_engine) * 1000000ULL;
		aer_pass(&mb_engine);
	}
	CHECK(free_ns && look_ns && look_ns < free_ns);
	CHECK(atomic_long_read(&mb_engine.stats.passes) == passes + 1);
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	CHECK(mb_now_ns >= look_ns + AER_AGE_MS * 1000000ULL);
	CHECK(mb_now_ns <= free_ns + AER_AGE_MS * 1000000ULL);
	run_passes();
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	CHECK_STATE();
}

/* A backlog the per-pass budget left drains fast; a new free waits the age. */
static void test_drain_and_age(void)
{
	setup(false, 0, 4);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_AGE_MS);
	CHECK(aer_pass(&mb_engine) == true);	/* budget: a backlog is left */
	CHECK(mb_engine.drain);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_FAST_DELAY_MS);
	mb_percpu_drains = 0;
	run_passes();
	CHECK(!mb_engine.drain);
	/* The backlog's end emptied the per-CPU lists, once ... */
	CHECK(mb_percpu_drains == 1);
	/* ... and not again within AER_SLOW_DELAY_MS (no churn here). */
	mb_now_ns += AER_CHURN_WINDOW_MS * 1000000ULL;
	fill_free_half();
	mb_now_ns += AER_AGE_MS * 1000000ULL;
	run_passes();
	CHECK(mb_engine.adapt.age_ms == AER_AGE_MS);
	CHECK(mb_percpu_drains == 1);
	mb_now_ns += AER_SLOW_DELAY_MS * 1000000ULL;
	fill_free_half();
	mb_now_ns += AER_AGE_MS * 1000000ULL;
	run_passes();
	CHECK(mb_percpu_drains == 2);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_AGE_MS);
	/* Fixed mode: always delay_ms. */
	aer_set_tunable(&mb_engine, AER_ADAPTIVE, 0);
	CHECK(aer_next_delay_ms(&mb_engine) == AER_DEFAULT_DELAY_MS);
}

/* A failing backend: try again later, backing off. */
static void test_failure_backoff(void)
{
	setup(false, 9, 4);
	mb_tb.fail_reports = 3;
	CHECK(aer_pass(&mb_engine) == true);
	CHECK(mb_engine.adapt.age_ms == 2 * AER_AGE_MS);
	/* The retry waits the doubled age from the failure. */
	CHECK(wait_for_pass() >= 2 * AER_AGE_MS);
	CHECK(wait_for_pass() >= AER_SLOW_DELAY_MS);
	CHECK(mb_engine.adapt.age_ms == AER_SLOW_DELAY_MS);
	run_passes();
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
}

/* Injected failures: the backend never sees every Nth batch. */
static void test_injected_failures(void)
{
	setup(true, 9, 4);
	mb_engine.fail_every = 3;
	run_passes();
	aer_request(&mb_engine, false);
	run_passes();
	CHECK(atomic_long_read(&mb_engine.stats.injected) > 0);
	CHECK(atomic_long_read(&mb_engine.stats.injected) ==
	      atomic_long_read(&mb_engine.stats.report_failures));
	CHECK((unsigned long)atomic_long_read(&mb_engine.stats.reports) == mb_tb.calls);
	CHECK(mb_count_gone() == mb_count_aerated_pages());
	/* Every block of an injected batch is traced as failed. */
	CHECK(mb_traced_failed[AER_OP_REPORT] > 0);
	CHECK(mb_traced[AER_OP_REPORT] - mb_traced_failed[AER_OP_REPORT] == mb_tb.blocks);
	CHECK_STATE();
}

/* A block the backend cannot bring back stays out of the allocator. */
static void test_held(void)
{
	unsigned long free_before, n, i;
	unsigned long long clock;

	setup(true, 9, 4);
	free_before = mb_zones[0].free_pages;
	tb.fail_reports = 1;
	tb.hold_on_fail = true;
	aer_pass(&mb_engine);
	CHECK(atomic_long_read(&mb_engine.stats.held) == 1);
	CHECK(mb_zones[0].free_pages == free_before - (1UL << 10));
	CHECK_STATE();
	/* Everything else is still allocatable, and nothing gone comes out. */
	n = fill(pfns, 1 << 15, 0);
	CHECK(mb_gone_handed_out == 0);
	CHECK_STATE();
	/*
	 * Once the backend can bring it back, the held block returns; the
	 * first offer is not held back, even in a kernel under a second old
	 * (arm64 runs KUnit that early).
	 */
	for (i = 0; i < n; i++)
		mb_free(pfns[i], 0);
	mb_engine.last_retry_ns = 0;
	clock = mb_now_ns;
	mb_now_ns = 500000000ULL;
	CHECK(aer_retry_held(&mb_engine) == 1);
	mb_now_ns = clock;
	CHECK(mb_nr_held() == 0 && mb_count_gone() == 0);
	CHECK(atomic_long_read(&mb_engine.stats.held_pages) == 0);
	CHECK(mb_zones[0].free_pages == free_before);
	CHECK_STATE();
}

/* Every held block is whole: at least min_order, none split by a failure. */
static bool held_whole(unsigned int min_order)
{
	unsigned long pfn;

	for (pfn = 0; pfn < mb_zones[0].nr_pages; pfn++)
		if (mb_pages[pfn].held && mb_pages[pfn].order < min_order)
			return false;
	return true;
}

/*
 * Xen out of memory at allocation time: every reclaim fails.  The
 * allocator must hold the failed block whole and take another, a few at
 * most per allocation, then fail normally; no gone frame may come out.
 */
static void test_reclaim_failure_holds(void)
{
	unsigned long n, i, total, held;

	setup(true, 9, 32);
	/* A quarter of the memory is in use, so not everything is aerated. */
	n = 0;
	for (i = 0; i < (1 << 13); i++)
		pfns[n++] = mb_alloc(0, 1);
	run_passes();
	CHECK(mb_count_gone() == mb_zones[0].free_pages);
	tb.fail_reclaims = 1 << 30;
	for (i = 0; i < 200; i++) {
		long p = mb_alloc(i % 11, 1);

		if (p >= 0)
			pfns[n++] = p;
	}
	n += fill(pfns + n, (1 << 15) - n, 0);
	CHECK(mb_gone_handed_out == 0);
	/* Each allocation gave up after its fourth hold, order 0 included. */
	CHECK(mb_max_holds == 4);
	CHECK(held_whole(9));
	held = atomic_long_read(&mb_engine.stats.held_pages);
	CHECK(held > 0 && mb_count_gone() == held);
	CHECK(atomic_long_read(&mb_engine.stats.held) == (long)mb_nr_held());
	CHECK_STATE();

	/* Frees next to held or aerated blocks must not merge gone frames. */
	for (i = 0; i < n; i += 2)
		mb_free(pfns[i], 0);
	CHECK_STATE();
	/* Still short: a retry gives nothing back and keeps everything. */
	mb_engine.last_retry_ns = 0;
	CHECK(aer_retry_held(&mb_engine) == 0);
	CHECK((long)mb_count_gone() >= atomic_long_read(&mb_engine.stats.held_pages));
	CHECK_STATE();

	/* Memory again: held blocks come back, then everything is usable. */
	tb.fail_reclaims = 0;
	mb_engine.last_retry_ns = 0;
	held = mb_nr_held();
	CHECK(aer_retry_held(&mb_engine) == held);
	CHECK(mb_nr_held() == 0);
	CHECK(atomic_long_read(&mb_engine.stats.held_pages) == 0);
	for (i = 1; i < n; i += 2)
		mb_free(pfns[i], 0);
	total = mb_zones[0].free_pages;
	CHECK(total == mb_zones[0].nr_pages);
	n = fill(pfns, 1 << 15, 0);
	CHECK(n == total && mb_gone_handed_out == 0 && mb_count_gone() == 0);
	CHECK_STATE();
}

/* fail_reclaim_every: injected reclaim failures hold blocks, lose none. */
static void test_injected_reclaim_failures(void)
{
	unsigned long n;

	setup(true, 9, 32);
	run_passes();
	mb_engine.fail_reclaim_every = 4;
	n = fill(pfns, 1 << 15, 9);
	CHECK(atomic_long_read(&mb_engine.stats.injected) > 0);
	CHECK(mb_gone_handed_out == 0);
	CHECK((n << 9) + atomic_long_read(&mb_engine.stats.held_pages) == 1 << 15);
	CHECK(mb_traced_failed[AER_OP_RECLAIM] ==
	      (unsigned long)atomic_long_read(&mb_engine.stats.injected));
	CHECK_STATE();
}

/*
 * The watermark rule: a zone is only walked if isolating a full batch of
 * min_order blocks leaves it above its low watermark
 * (free > low_wmark + capacity << min_order), as upstream.
 */
static void test_watermark(void)
{
	const unsigned long nr = 20, batch = 4UL << 9;
	unsigned long n, i;
	long passes;

	setup(false, 9, 4);
	n = fill(pfns, 1 << 15, 9);
	CHECK(n >= 2 * nr);	/* the scenario needs that many blocks */
	/* nr order-9 blocks whose buddies stay allocated: all reportable. */
	for (i = 0; i < 2 * nr; i += 2)
		mb_free(pfns[i], 9);
	/* Just under: free memory is exactly the watermark plus a batch. */
	mb_zones[0].low_wmark = mb_zones[0].free_pages - batch;
	passes = atomic_long_read(&mb_engine.stats.passes);
	aer_request(&mb_engine, false);
	run_passes();
	CHECK(atomic_long_read(&mb_engine.stats.passes) > passes);
	CHECK(tb.calls == 0 && mb_count_aerated_pages() == 0);
	CHECK_STATE();
	/* Just over: one page lower, and every block is reported. */
	mb_zones[0].low_wmark--;
	aer_request(&mb_engine, false);
	run_passes();
	CHECK(tb.blocks == nr && tb.pages == nr << 9);
	CHECK(mb_count_aerated_pages() == nr << 9);
	CHECK_STATE();
}

static void test_isolate(void)
{
	long p;

	/* Blocks on the isolate list are never taken. */
	setup(false, 9, 32);
	p = mb_alloc(10, 1);		/* take a block out ... */
	CHECK(p >= 0);
	mb_set_pageblock_mt(p, MB_MT_ISOLATE);
	mb_set_pageblock_mt(p + 512, MB_MT_ISOLATE);
	mb_free(p, 10);			/* ... back onto the isolate list */
	run_passes();
	CHECK(mb_pages[p].buddy && mb_pages[p].order == 10 && !mb_pages[p].aerated);
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages - 1024);

	/* Isolation failure ends the cycle without losing anything. */
	setup(false, 9, 32);
	mb_fail_isolate = true;
	run_passes();
	CHECK(tb.calls == 0);
	CHECK_STATE();
}

/*
 * While a batch holding block merge_block is out with the backend, free
 * its buddy merge_victim (both order 9).
 */
static long merge_block = -1, merge_victim = -1;
static int merge_hook_ran;

static void free_buddy_during_report(const struct aer_block *blocks,
				     unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr && merge_victim >= 0; i++) {
		if ((long)blocks[i].pfn != merge_block || blocks[i].order != 9)
			continue;
		/* The zone lock is dropped here, as in the kernel. */
		if (mb_zones[0].locked) {
			FAIL_MSG("report called with the zone lock held");
			abort();
		}
		mb_free(merge_victim, 9);
		merge_victim = -1;
		merge_hook_ran++;
	}
}

static void test_merge_while_isolated(void)
{
	long a, b;

	setup(true, 9, 1);
	/* Two order-9 buddies: a stays free, b is allocated. */
	a = mb_alloc(9, 1);
	b = mb_alloc(9, 1);
	CHECK(a >= 0 && (a ^ b) == 512);	/* the scenario needs buddies */
	mb_free(a, 9);
	merge_block = a;
	merge_victim = b;
	merge_hook_ran = 0;
	tb.during_report = free_buddy_during_report;
	/* a is the only order-9 block: the first pass reports it. */
	due_pass();
	CHECK(merge_hook_ran == 1);
	/*
	 * a merged with b when it came back, and a merged block cannot carry
	 * the mark, so a's frames had to come back first: one reclaim, of a.
	 */
	CHECK(tb.reclaims == 1 && tb.last_reclaim_pfn == (unsigned long)a &&
	      tb.last_reclaim_order == 9);
	CHECK(atomic_long_read(&mb_engine.stats.reclaims) == 1);
	CHECK(mb_pages[a & b].buddy && mb_pages[a & b].order == 10);
	CHECK_STATE();
	run_passes();		/* no more merges: no more reclaims */
	CHECK(tb.reclaims == 1);
	CHECK(mb_count_gone() == mb_count_aerated_pages());
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	CHECK_STATE();
}

/* Its pageblock isolated while the block is out: it comes back unmarked. */
static long isolate_block;

static void isolate_during_report(const struct aer_block *blocks, unsigned int nr)
{
	(void)blocks;
	(void)nr;
	mb_set_pageblock_mt(isolate_block, MB_MT_ISOLATE);
}

static void test_isolated_while_out(void)
{
	long a, b;

	setup(true, 9, 1);
	a = mb_alloc(9, 1);
	b = mb_alloc(9, 1);
	CHECK(a >= 0 && (a ^ b) == 512);	/* buddies: a cannot merge */
	mb_free(a, 9);
	isolate_block = a;
	tb.during_report = isolate_during_report;
	due_pass();
	CHECK(mb_pages[a].buddy && mb_pages[a].mt == MB_MT_ISOLATE);
	CHECK(!mb_pages[a].aerated && !mb_pages[a].gone);
	CHECK(tb.reclaims == 1 && tb.last_reclaim_pfn == (unsigned long)a);
	CHECK_STATE();

	/* Only its second pageblock isolated (alloc_contig_range's edge). */
	setup(true, 9, 1);
	a = mb_alloc(10, 1);	/* the largest order: it cannot merge */
	CHECK(a >= 0);
	mb_free(a, 10);
	isolate_block = a + 512;
	tb.during_report = isolate_during_report;
	due_pass();
	CHECK(mb_pages[a].buddy && mb_pages[a].order == 10);
	CHECK(!mb_pages[a].aerated && !mb_pages[a].gone);
	CHECK(tb.reclaims == 1 && tb.last_reclaim_pfn == (unsigned long)a);
	CHECK_STATE();
}

/*
 * Memory offline (issue 18, hole 5): test_pages_isolated() brings back
 * the frames of every marked block in the range, or the range is busy;
 * no range goes offline, or comes back online, with its frames gone.
 */
static void test_offline(void)
{
	long a, r;

	setup(true, 9, 32);
	run_passes();
	for (a = 0; a < 1 << 15 && !mb_pages[a].aerated; a += 1024)
		;
	CHECK(a < 1 << 15 && mb_pages[a].order == 10 && mb_pages[a].gone);
	/* Xen out of memory: busy, the block back where it was, marked. */
	tb.fail_reclaims = 1;
	CHECK(mb_offline(a) < 0);
	CHECK(mb_pages[a].buddy && mb_pages[a].aerated && mb_pages[a].gone);
	CHECK(mb_pages[a].mt != MB_MT_ISOLATE);
	CHECK_STATE();
	/* Then offline: its frames came back first. */
	r = mb_offline(a);
	CHECK(r == a && tb.reclaims == 1 && tb.last_reclaim_pfn == (unsigned long)a);
	CHECK(!mb_pages[a].buddy && !mb_pages[a].gone && mb_pages[a].allocated);
	CHECK_STATE();
	/* Online: free and unmarked, then aerated again. */
	mb_online(r);
	CHECK(mb_pages[a].buddy && !mb_pages[a].aerated);
	CHECK_STATE();
	run_passes();
	CHECK(mb_pages[a].aerated && mb_pages[a].gone);
	CHECK_STATE();
}

/* Pages that are guard heads now (guard blocks here are order 0 or 1). */
static unsigned long count_guards(void)
{
	unsigned long pfn, n = 0;

	for (pfn = 0; pfn < 1 << 15; pfn++)
		n += mb_pages[pfn].guard;
	return n;
}

/*
 * debug_pagealloc guard pages (issue 18, hole 3): expand() makes the
 * split-off halves below debug_guardpage_minorder guard pages, off every
 * list and unmarked, which merge back on free without a reclaim.  So no
 * guard may hold a gone frame: an aerated block is held whole, never split.
 */
static void test_guard_pages(void)
{
	unsigned long n, i, made;

	setup(true, 0, 32);
	mb_guard_minorder = 2;
	run_passes();
	CHECK(mb_count_gone() > 0);
	/* Xen short: the aerated blocks an allocation finds are held. */
	tb.fail_reclaims = 3;
	n = fill(pfns, 1 << 15, 0);
	CHECK_STATE();
	CHECK(n > 0);
	made = count_guards();
	CHECK(made > 0);
	CHECK(atomic_long_read(&mb_engine.stats.held) > 0);
	/* Freed again, the guards merge back; held blocks return later. */
	for (i = 0; i < n; i++)
		mb_free(pfns[i], 0);
	CHECK(count_guards() == 0);
	CHECK_STATE();
	mb_engine.last_retry_ns = 0;
	aer_retry_held(&mb_engine);
	CHECK(mb_nr_held() == 0);
	run_passes();
	CHECK(mb_count_aerated_pages() == mb_zones[0].free_pages);
	CHECK(mb_zones[0].free_pages == 1UL << 15);
	CHECK_STATE();
}

static void test_deactivate(void)
{
	setup(true, 9, 32);
	run_passes();
	CHECK(mb_count_gone() > 0);
	aer_engine_deactivate(&mb_engine);
	CHECK(mb_count_gone() == 0);
	CHECK(mb_count_aerated_pages() == 0);
	CHECK(mb_engine.backend == NULL);
	CHECK(aer_pass(&mb_engine) == false);
	CHECK_STATE();
}

/*
 * A reclaim backend goes while Xen is short and the zone too low to hold
 * its blocks: the marks stay, and so must the way to bring their frames
 * back.  No other backend may start until they are; then the engine lets
 * the old one go.
 */
static void test_deactivate_frames_out(void)
{
	struct aer_backend other = tb.b;
	unsigned long n;

	setup(true, 9, 32);
	run_passes();
	tb.fail_reclaims = 1 << 30;
	mb_fail_isolate = true;
	CHECK(aer_engine_deactivate(&mb_engine) == true);
	CHECK(mb_engine.backend == NULL && mb_engine.reclaimer == &tb.b);
	CHECK(mb_count_aerated_pages() > 0);
	other.reclaim = NULL;
	CHECK(aer_engine_activate(&mb_engine, &other) == -EBUSY);
	/* All free memory is gone: an allocation holds four blocks, fails. */
	mb_fail_isolate = false;
	n = fill(pfns, 1 << 15, 0);
	CHECK(n == 0 && mb_gone_handed_out == 0 && mb_nr_held() == 4);
	CHECK_STATE();
	/* Still short: the worker's passes keep asking. */
	mb_now_ns += AER_HELD_RETRY_MS * 1000000ULL;
	CHECK(aer_pass(&mb_engine) == true);
	CHECK(mb_engine.reclaimer == &tb.b);
	/* Memory again: everything comes back, the old backend is let go. */
	tb.fail_reclaims = 0;
	mb_now_ns += AER_HELD_RETRY_MS * 1000000ULL;
	CHECK(aer_pass(&mb_engine) == false);
	CHECK(mb_engine.reclaimer == NULL);
	CHECK(mb_nr_held() == 0 && mb_count_gone() == 0);
	CHECK(mb_count_aerated_pages() == 0);
	CHECK_STATE();
	CHECK(aer_engine_activate(&mb_engine, &other) == 0);
}

/*
 * A backend that asks for an order (virtio: page_reporting_order) gets it
 * at activation and whenever it changes, at the next pass; the min_order
 * tunable overrides it until then, and never goes below min_order.
 */
static void test_backend_order(void)
{
	mb_backend_init(false);
	mb_init(1, 1UL << 15);
	aer_engine_init(&mb_engine);
	tb.b.has_order = true;
	tb.b.order = 5;
	CHECK(aer_engine_activate(&mb_engine, &tb.b) == 0);
	CHECK(mb_engine.min_order == 5);
	CHECK(aer_set_tunable(&mb_engine, AER_MIN_ORDER, 3) == 0);
	aer_pass(&mb_engine);
	CHECK(mb_engine.min_order == 3);	/* unchanged order: the tunable */
	tb.b.order = 7;
	aer_pass(&mb_engine);
	CHECK(mb_engine.min_order == 7);
	tb.b.min_order = 8;
	tb.b.order = 6;
	aer_pass(&mb_engine);
	CHECK(mb_engine.min_order == 8);
	tb.b.order = 11;			/* out of range: ignored */
	aer_pass(&mb_engine);
	CHECK(mb_engine.min_order == 8);
}

/* Random alloc/free/pass with the state checked after every step. */
static void test_random(void)
{
	static long live[4096];
	static unsigned int live_order[4096];
	unsigned long steps, nlive = 0;
	unsigned int seed = 12345;

	setup(true, 3, 8);
	for (steps = 0; steps < 20000; steps++) {
		unsigned int r = rand_r(&seed) % 100;

		if (r < 45 && nlive < 4096) {
			unsigned int order = rand_r(&seed) % 11;
			long p = mb_alloc(order, rand_r(&seed) % 2);

			if (p >= 0) {
				live[nlive] = p;
				live_order[nlive++] = order;
			}
		} else if (r < 90 && nlive) {
			unsigned long i = rand_r(&seed) % nlive;

			mb_free(live[i], live_order[i]);
			live[i] = live[--nlive];
			live_order[i] = live_order[nlive];
		} else {
			tb.fail_reports = rand_r(&seed) % 4 == 0;
			aer_pass(&mb_engine);
		}
		if (steps % 16 == 0)
			CHECK_STATE();
	}
	CHECK_STATE();
}


int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_policy);
	RUN(test_tunables);
	RUN(test_threshold);
	RUN(test_pass_aerates_all);
	RUN(test_capacity_and_budget);
	RUN(test_rotation);
	RUN(test_alloc_split_merge_clear_mark);
	RUN(test_merge_reclaims_buddy);
	RUN(test_reclaim_before_reuse);
	RUN(test_report_failure);
	RUN(test_adaptive_idle);
	RUN(test_adaptive_churn);
	RUN(test_startup_reuse_is_no_churn);
	RUN(test_churn_over);
	RUN(test_quiet_spell);
	RUN(test_small_pass_is_no_pattern);
	RUN(test_backlog_learns_nothing);
	RUN(test_drain_and_age);
	RUN(test_failure_backoff);
	RUN(test_held);
	RUN(test_injected_failures);
	RUN(test_reclaim_failure_holds);
	RUN(test_injected_reclaim_failures);
	RUN(test_watermark);
	RUN(test_isolate);
	RUN(test_merge_while_isolated);
	RUN(test_isolated_while_out);
	RUN(test_offline);
	RUN(test_guard_pages);
	RUN(test_deactivate);
	RUN(test_deactivate_frames_out);
	RUN(test_backend_order);
	RUN(test_random);
	return summary("unit");
}
