// SPDX-License-Identifier: GPL-2.0
/*
 * The isolate tier of make check-debug: aerated memory leaving its free
 * lists by every way but allocation (tests/guest/isolate.c): CMA's
 * alloc_contig_range, compaction, memory offline and online.  The guest
 * boots with cma=64M, debug_pagealloc=on and debug_guardpage_minorder=1;
 * on virtio (the KASAN kernel), or with --xen as a PV dom0 (the lockdep
 * kernel) with every 3rd reclaim failing.  Nothing may be lost: held
 * blocks come back, MemFree comes back, the engine's count matches the
 * marks on the free lists, and the memory allocated again holds a pattern.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "runner.h"

struct iso {
	long cma_pages, cma_ok, cma_failed, tried, offlined, onlined, heads;
	long inj_tried, inj_offlined;	/* Xen: offlining while reclaims fail */
	long reclaims, failures, held_pages, marked, aerated;
	long free_kb, start_free_kb, start_aerated, bad, nonzero;
	double held_s;
	struct trace_seen tr;
	bool started, seen, guard, cma;
	char backend[32];
};

static void iso_line(struct guest *g, const char *l)
{
	struct iso *x = g->priv;

	if (aer_is(l, AER_KLOG)) {
		x->guard |= strstr(l, "Setting debug_guardpage_minorder to 1") != NULL;
		x->cma |= strstr(l, "cma: Reserved 64 MiB") != NULL;
	} else if (aer_is(l, AER_ISOLATE_START))
		x->started = aer_long(l, "free_aerated_bytes", &x->start_aerated);
	else if (aer_is(l, AER_SYSFS))
		aer_str(l, "backend", x->backend, sizeof(x->backend));
	else if (aer_is(l, AER_ISOLATE))
		x->seen = aer_long(l, "cma_pages", &x->cma_pages) &&
			  aer_long(l, "cma_ok", &x->cma_ok) &&
			  aer_long(l, "cma_failed", &x->cma_failed) &&
			  aer_long(l, "inj_tried", &x->inj_tried) &&
			  aer_long(l, "inj_offlined", &x->inj_offlined) &&
			  aer_long(l, "tried", &x->tried) &&
			  aer_long(l, "offlined", &x->offlined) &&
			  aer_long(l, "onlined", &x->onlined) &&
			  aer_long(l, "marked_heads", &x->heads) &&
			  aer_long(l, "reclaims", &x->reclaims) &&
			  aer_long(l, "reclaim_failures", &x->failures) &&
			  aer_double(l, "held_s", &x->held_s) &&
			  aer_long(l, "held_pages", &x->held_pages) &&
			  aer_long(l, "marked_pages", &x->marked) &&
			  aer_long(l, "aerated_pages", &x->aerated) &&
			  aer_long(l, "free_kb", &x->free_kb) &&
			  aer_long(l, "start_free_kb", &x->start_free_kb) &&
			  aer_long(l, "bad_words", &x->bad) &&
			  aer_long(l, "nonzero_words", &x->nonzero);
	else
		trace_line(l, "isolate", &x->tr);
}

int mode_isolate(void)
{
	const char *be = opt.xen ? "xen" : "virtio";
	long chunks, mib = opt.mib;
	char append[320];
	struct guest g = { .append = append, .xen = opt.xen, .balloon = !opt.xen,
			   .line = iso_line, .echo = 1 };
	struct iso x = { .held_s = -1, .bad = -1, .nonzero = -1 };

	print_accel();
	snprintf(append, sizeof(append),
		 "%s loglevel=4 panic=-1 kunit.enable=0 aeration=%s aer.mode=isolate aer.mib=%ld cma=64M debug_pagealloc=on debug_guardpage_minorder=1",
		 opt.xen ? "console=hvc0" : "console=ttyS0", be, mib);
	printf("\n== aeration=%s%s: CMA, compaction, memory offline and online on aerated memory\n",
	       be, opt.xen ? " (Xen PV dom0, every 3rd reclaim failing)" : "");
	g.priv = &x;
	run_guest(&g);
	chunks = x.cma_pages / 512;

	guest_verdicts("isolate", &g);
	verdict(!strcmp(x.backend, be), "isolate: backend=%s (got '%s')", be, x.backend);
	verdict(x.guard && x.cma,
		"isolate: the kernel booted with guard pages (debug_guardpage_minorder=1: %s) and a 64 MiB CMA area (%s)",
		x.guard ? "said" : "NOT said", x.cma ? "reserved" : "NOT reserved");
	verdict(x.started && x.start_aerated >= 256L << 20,
		"isolate: >= 256 MiB aerated before the round (%ld MiB)",
		x.start_aerated >> 20);
	/* Under Xen a chunk may fail on an injected reclaim failure: half will do. */
	verdict(x.seen && chunks > 0 && x.cma_ok * 2 >= chunks &&
		(opt.xen || x.cma_ok == chunks),
		"isolate: alloc_contig_range took %ld of %ld 2 MiB chunks of the CMA area, %ld failed%s",
		x.cma_ok, chunks, x.cma_failed, opt.xen ? " (half must succeed)" : " (all must succeed)");
	verdict(x.seen && x.offlined > 0 && x.onlined == x.offlined && x.heads > 0,
		"isolate: %ld memory blocks holding %ld marked free blocks went offline and online again (%ld tried)",
		x.offlined, x.heads, x.tried);
	if (opt.xen)	/* told, not judged: busy or not, nothing may be lost */
		printf("isolate: with every 3rd reclaim failing, %ld of %ld blocks went offline first\n",
		       x.inj_offlined, x.inj_tried);
	if (opt.xen) {
		verdict(x.seen && x.reclaims > 0 && x.failures > 0,
			"isolate: the isolations reclaimed from Xen (%ld reclaims, %ld failed as injected)",
			x.reclaims, x.failures);
		verdict(x.tr.seen && x.tr.lost == 0 && x.tr.reclaim_failed == x.failures,
			"isolate: aeration:fail has every reclaim failure (%ld of %ld; %ld lost)",
			x.tr.reclaim_failed, x.failures, x.tr.lost);
	}
	verdict(x.seen && x.held_pages == 0 && x.held_s >= 0,
		"isolate: every held block came back (%.1f s, %ld pages left)",
		x.held_s, x.held_pages);
	verdict(x.seen && x.start_free_kb > 0 &&
		x.free_kb >= x.start_free_kb - (long)(x.start_free_kb * MEMFREE_TOLERANCE),
		"isolate: MemFree + Slab + Cached back within 2%% (%ld -> %ld MiB)",
		x.start_free_kb / 1024, x.free_kb / 1024);
	verdict(x.seen && x.marked >= 0 && x.marked == x.aerated,
		"isolate: the engine's aerated count matches the marks on the free lists (%ld pages counted, %ld marked)",
		x.aerated, x.marked);
	verdict(x.seen && x.bad == 0 && x.nonzero == 0,
		"isolate: %ld MiB allocated again: pattern intact (%ld bad words), read zero first (%ld words not)",
		mib, x.bad, x.nonzero);
	return summary();
}
