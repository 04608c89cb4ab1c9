// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: random sequences of allocation, free, engine passes,
 * report and reclaim failures (some keeping a block back), tunable changes and
 * deactivation, driven through the model buddy allocator with a reclaim
 * backend whose frames vanish until reclaimed.  After every step each page
 * must be in exactly one state: allocated, free, free and aerated, isolated
 * or held back, and no vanished frame may be free-unmarked or handed out.
 *
 * Frees can also land while a batch is out with the backend, as they do in
 * the kernel when the zone lock is dropped.
 *
 * Reclaims fail too, as when Xen has no memory: the allocator must hold
 * such blocks and take others, and the engine give them back later.
 * Free blocks are also taken by isolation (compaction, alloc_contig_range),
 * which must get their frames back or leave them where they are, and by
 * memory offline, which must get them back or stay busy: a range offline,
 * or online again, never has a gone frame.  With debug_pagealloc's guard
 * pages, which merge back unreclaimed, no guard may hold a gone frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/buddy.h"

#define ZONE_PAGES	4096		/* 16 MiB: small keeps runs fast */
#define MAX_LIVE	512

static long live[MAX_LIVE];
static unsigned int live_order[MAX_LIVE];
static unsigned int nlive;
static int free_in_report = -1;	/* live[] index to free mid-report */
#define MAX_OFFLINE	4
static long offline[MAX_OFFLINE];	/* ranges offline now */
static unsigned int noffline;

static void drop(unsigned int j)
{
	mb_free(live[j], live_order[j]);
	live[j] = live[--nlive];
	live_order[j] = live_order[nlive];
}

/* The zone lock is dropped while the backend works: others free then. */
static void during_report(const struct aer_block *blocks, unsigned int nr)
{
	(void)blocks;
	(void)nr;
	if (free_in_report >= 0 && (unsigned int)free_in_report < nlive)
		drop(free_in_report);
	free_in_report = -1;
}

static void check(void)
{
	const char *why = mb_check();

	if (why) {
		fprintf(stderr, "fuzz_core: %s\n", why);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	nlive = 0;
	noffline = 0;
	free_in_report = -1;
	mb_backend_init(true);
	mb_tb.during_report = during_report;
	mb_init(1, ZONE_PAGES);
	/* debug_guardpage_minorder 0 (off), 1 or 2, without a byte of its own. */
	mb_guard_minorder = size % 3;
	aer_engine_init(&mb_engine);
	aer_set_tunable(&mb_engine, AER_MIN_ORDER, 0);
	aer_set_tunable(&mb_engine, AER_CAPACITY, 8);
	mb_zones[0].low_wmark = 16;
	if (aer_engine_activate(&mb_engine, &mb_tb.b))
		abort();

	while (i + 1 < size) {
		uint8_t op = data[i++], arg = data[i++];

		switch (op % 10) {
		case 0:
		case 1:
		case 2: {
			long p;

			if (nlive == MAX_LIVE)
				break;
			p = mb_alloc(arg % MB_ORDERS, arg >> 7);
			if (p >= 0) {
				live[nlive] = p;
				live_order[nlive++] = arg % MB_ORDERS;
			}
			break;
		}
		case 3:
		case 4:
			if (!nlive)
				break;
			if (arg & 0x80)
				free_in_report = arg % nlive;
			else
				drop(arg % nlive);
			break;
		case 5:
			if (arg & 1)	/* as if AER_HELD_RETRY_MS had passed */
				mb_engine.last_retry_ns = 0;
			if (arg & 2)	/* the wait the engine asked for */
				mb_now_ns += aer_next_delay_ms(&mb_engine) *
					     1000000ULL;
			aer_pass(&mb_engine);
			break;
		case 6:
			if (arg & 0x40) {
				mb_tb.fail_reclaims = arg % 8;
				break;
			}
			mb_tb.fail_reports = 1 + arg % 3;
			mb_tb.hold_on_fail = arg & 0x80;
			break;
		case 7:
			if (arg & 1) {
				aer_engine_deactivate(&mb_engine);
				if (aer_engine_activate(&mb_engine, &mb_tb.b))
					abort();
			} else {
				aer_set_tunable(&mb_engine, arg & 2 ? AER_CAPACITY :
						AER_MIN_ORDER, arg >> 2);
			}
			break;
		case 8: {
			int o;

			if (nlive == MAX_LIVE)
				break;
			o = mb_isolate_free(((unsigned long)arg << 4) % ZONE_PAGES);
			if (o >= 0) {
				live[nlive] = ((unsigned long)arg << 4) % ZONE_PAGES;
				live_order[nlive++] = o;
			}
			break;
		}
		case 9: {	/* memory offline, or online again */
			long r;

			if (!(arg & 0x80) && noffline) {
				unsigned int j = arg % noffline;

				mb_online(offline[j]);
				offline[j] = offline[--noffline];
			} else if (noffline < MAX_OFFLINE &&
				   (r = mb_offline(((unsigned long)arg << 5) % ZONE_PAGES)) >= 0) {
				offline[noffline++] = r;
			}
			break;
		}
		}
		check();
	}
	/*
	 * Deactivation must bring every frame back and clear every mark,
	 * except in held blocks, which stay out of the allocator.
	 */
	aer_engine_deactivate(&mb_engine);
	check();
	if (mb_count_aerated_pages()) {
		fprintf(stderr, "fuzz_core: marks left after deactivation\n");
		abort();
	}
	{
		unsigned long pfn, p, gone_held = 0;

		for (pfn = 0; pfn < ZONE_PAGES; pfn++)
			if (mb_pages[pfn].held)
				for (p = pfn; p < pfn + (1UL << mb_pages[pfn].order); p++)
					gone_held += mb_pages[p].gone;
		if (mb_count_gone() != gone_held) {
			fprintf(stderr, "fuzz_core: frames gone outside held blocks\n");
			abort();
		}
	}
	return 0;
}
