// SPDX-License-Identifier: GPL-2.0
/*
 * make check-xen: Debian's Xen 4.17 under QEMU TCG, our kernel as PV dom0
 * (mode xen), as a PV domU that dom0 creates with xl (xen-domu), as a PVH
 * dom0 (xen-pvh) or as a PVH domU (xen-domu-pvh).
 * The guest reads Xen's own numbers (libxenctrl: Xen's free memory, the
 * domain's tot_pages) and prints them on its lines; this judges them:
 * memory given to Xen on the free, taken back intact on reuse, held and
 * returned under injected failures, the trace events agreeing, and with
 * aeration=off no change at all.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

struct xr {
	long touched_free, touched_tot;		/* KiB, with the memory in use */
	long end_free, end_tot;
	long sample_tot, reuse_tot, reuse_bad, reuse_nonzero;
	double t_90;				/* guest seconds to 90% with Xen */
	double reuse_s;
	long reclaim_pages, reclaim_ns;		/* from the guest's sysfs */
	long start_free_kb, end_free_kb;
	/* The injected round: bad words, blocks held, held pages left after. */
	long inj_bad, inj_held, inj_failures, held_left, returned, ret_free_kb;
	long round_free_kb;	/* MemFree + Slab + Cached as the round began */
	long report_failures, reclaim_failures;	/* the last sysfs line's */
	double ret_s;
	double relay_lag;	/* xen-domu: dom0 asked Xen this much later */
	/*
	 * Trace events: touch to end, the reuse up to its sample, the rest
	 * of the reuse, the injected round.
	 */
	struct trace_seen tr_end, tr_sample, tr_reuse, tr_inject;
	char backend[32];
	bool freed, reused, injected, held_back;
	bool opt_in_said;	/* dmesg: the dom0 default, and why */
};

/*
 * Issue 18's reserve question, as a figure: aerated memory counts as free,
 * so how much of a zone's free memory is really there, against the low
 * watermark that an atomic allocation may dip into.
 */
static void zone_figure(const char *l)
{
	long free, min, low, marked;
	char name[32];

	if (aer_str(l, "name", name, sizeof(name)) &&
	    aer_long(l, "free_pages", &free) && aer_long(l, "min_pages", &min) &&
	    aer_long(l, "low_pages", &low) && aer_long(l, "marked_pages", &marked))
		printf("host: zone %s: free %.1f MiB, aerated %.1f MiB, present %.1f MiB = %.1fx its low watermark (%.1f MiB; min %.1f MiB)\n",
		       name, free / 256.0, marked / 256.0, (free - marked) / 256.0,
		       low ? (double)(free - marked) / low : 0, low / 256.0, min / 256.0);
}

static void xr_line(struct guest *g, const char *l)
{
	struct xr *x = g->priv;
	long want = (long)(RECLAIM_FRACTION * opt.mib * 1024), f = 0, t = 0;
	bool view;
	double gt;

	if (!strncmp(l, "domU| ", 6))	/* the domU's kernel, relayed by dom0 */
		printf("%s\n", l);
	if (strstr(l, "aeration: xen backend used only when named (aeration=xen)"))
		x->opt_in_said = true;
	view = aer_long(l, "xen_free_kib", &f) && aer_long(l, "tot_kib", &t);
	if (aer_is(l, AER_RELAY))
		aer_double(l, "max_lag_s", &x->relay_lag);
	else if (aer_is(l, AER_START))
		aer_long(l, "free_kb", &x->start_free_kb);
	else if (aer_is(l, AER_TOUCHED) && view) {
		x->touched_free = f;
		x->touched_tot = t;
	} else if (aer_is(l, AER_FREED))
		x->freed = true;
	else if (aer_is(l, AER_TICK) && view && aer_double(l, "t", &gt)) {
		if (x->t_90 < 0 && gt <= RECLAIM_DEADLINE_S &&
		    f - x->touched_free >= want && x->touched_tot - t >= want)
			x->t_90 = gt;
	} else if (aer_is(l, AER_END) && view &&
		   aer_long(l, "free_kb", &x->end_free_kb)) {
		x->end_free = f;
		x->end_tot = t;
	} else if (aer_is(l, AER_ZONE))
		zone_figure(l);
	else if (aer_is(l, AER_SAMPLE) && view)
		x->sample_tot = t;	/* tot_pages with the memory in use */
	else if (aer_is(l, AER_REUSE)) {
		x->reused = aer_long(l, "bad_words", &x->reuse_bad) &&
			    aer_long(l, "nonzero_words", &x->reuse_nonzero) &&
			    aer_double(l, "seconds", &x->reuse_s);
		x->reuse_tot = x->sample_tot;
	} else if (aer_is(l, AER_INJECT))
		x->injected = aer_long(l, "bad_words", &x->inj_bad) &&
			      aer_long(l, "held_blocks", &x->inj_held) &&
			      aer_long(l, "injected_failures", &x->inj_failures);
	else if (aer_is(l, AER_HELD_RETURN))
		x->held_back = aer_double(l, "seconds", &x->ret_s) &&
			       aer_long(l, "held_pages", &x->held_left) &&
			       aer_long(l, "returned_blocks", &x->returned) &&
			       aer_long(l, "free_kb", &x->ret_free_kb) &&
			       aer_long(l, "round_free_kb", &x->round_free_kb);
	else if (aer_is(l, AER_SYSFS)) {
		aer_long(l, "report_failures", &x->report_failures);
		aer_long(l, "reclaim_failures", &x->reclaim_failures);
		if (!x->injected) {
			aer_long(l, "reclaim_pages", &x->reclaim_pages);
			aer_long(l, "reclaim_ns", &x->reclaim_ns);
		}
		aer_str(l, "backend", x->backend, sizeof(x->backend));
	} else if (!trace_line(l, "end", &x->tr_end) &&
		   !trace_line(l, "sample", &x->tr_sample) &&
		   !trace_line(l, "reuse", &x->tr_reuse))
		trace_line(l, "inject", &x->tr_inject);
}

/* Boot Xen with our kernel as dom0 on @append; @line judges its console. */
static void xen_boot(struct guest *g, const char *append,
		     void (*line)(struct guest *g, const char *l), void *priv)
{
	memset(g, 0, sizeof(*g));
	g->append = append;
	g->xen = opt.xen;
	g->line = line;
	g->echo = 2;
	g->priv = priv;
	run_guest(g);
}

static void xr_run(struct xr *x, struct guest *g, const char *aeration)
{
	char append[256];

	memset(x, 0, sizeof(*x));
	x->t_90 = -1;
	x->reuse_bad = x->reuse_nonzero = -1;
	if (opt.domu)	/* dom0 without aeration; the domU gets @aeration */
		snprintf(append, sizeof(append),
			 "console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=off aer.mode=domu aer.domu_aeration=%s aer.domu_type=%s aer.domu_mem=%s aer.mib=%ld",
			 aeration, opt.pvh ? "pvh" : "pv", opt.pvh ? "zero" : "poison",
			 opt.mib);
	else
		snprintf(append, sizeof(append),
			 "console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=%s aer.mode=xen aer.mib=%ld",
			 aeration, opt.mib);
	xen_boot(g, append, xr_line, x);
}

static void xr_row(const char *name, const struct xr *x)
{
	char t90[16] = "never";

	if (x->t_90 >= 0)
		snprintf(t90, sizeof(t90), "%.1f s", x->t_90);
	printf("%-10s %10ld MiB %10ld MiB %10ld MiB %10ld MiB %10s %8.1f s\n", name,
	       x->touched_free / 1024, x->end_free / 1024,
	       x->touched_tot / 1024, x->end_tot / 1024, t90, x->reuse_s);
}

/* The injected round: every 3rd reclaim and every 4th report fail. */
static void injected_verdicts(const struct xr *on)
{
	verdict(on->injected && on->inj_bad == 0 && on->inj_held > 0 &&
		on->inj_failures > 0,
		"xen, injected failures: pattern intact (%ld bad), %ld blocks held, %ld failures injected",
		on->inj_bad, on->inj_held, on->inj_failures);
	verdict(on->held_back && on->held_left == 0 && on->returned == on->inj_held,
		"xen, injected failures: all %ld held blocks given back within %.1f s (%ld pages left)",
		on->returned, on->ret_s, on->held_left);
	/*
	 * Against the round's own start (the first round's drift is not its),
	 * within 2% as the storm and virtio tiers judge it.
	 */
	verdict(on->held_back && on->round_free_kb > 0 &&
		on->ret_free_kb >= on->round_free_kb - on->round_free_kb / 50,
		"xen, injected failures: MemFree + Slab + Cached back within 2%% (%ld MiB; %ld MiB as the round began, %ld MiB at the start)",
		on->ret_free_kb / 1024, on->round_free_kb / 1024,
		on->start_free_kb / 1024);
	/*
	 * Only aeration:fail is on in that round (guest trace_fail_only()).
	 * A failed reclaim is one block; a failed report is a batch of them.
	 */
	verdict(on->tr_inject.seen && on->tr_inject.lost == 0 &&
		on->tr_inject.reclaim_failed > 0 &&
		on->tr_inject.reclaim_failed == on->reclaim_failures &&
		on->tr_inject.report_failed >= on->report_failures &&
		(on->tr_inject.report_failed > 0) == (on->report_failures > 0),
		"xen, injected failures: aeration:fail has every failure (%ld events: %ld report blocks in %ld failed batches, %ld reclaim of %ld; %ld lost)",
		on->tr_inject.fail, on->tr_inject.report_failed, on->report_failures,
		on->tr_inject.reclaim_failed, on->reclaim_failures, on->tr_inject.lost);
}

/*
 * The second run changes nothing: a domU with aeration=off, a dom0 with the
 * default aeration=auto, which in a dom0 leaves Xen alone.
 */
int mode_xen(void)
{
	const char *quiet = opt.domu ? "off" : "auto";
	/* What the domU's frames must carry when Xen gives them back. */
	const char *mem_test = !opt.domu ? "" : opt.pvh ?
		" (init_on_free=1 xen_scrub_pages=0)" : " (page_poison=1)";
	long mib = opt.mib, want = (long)(RECLAIM_FRACTION * mib * 1024);
	const char *who = opt.domu ? "domU" : "dom0";
	const char *what = opt.domu ? (opt.pvh ? "PVH domU" : "PV domU") :
			   opt.pvh ? "PVH dom0" : "PV dom0";
	struct guest g_on, g_off;
	struct xr on, off;

	print_accel();
	printf("\n== Xen 4.17, %s with aeration=xen\n", what);
	xr_run(&on, &g_on, "xen");
	printf("\n== Xen 4.17, %s with aeration=%s\n", what, quiet);
	xr_run(&off, &g_off, quiet);

	printf("\n%-10s %14s %14s %10s tot %5s tot +20s %10s %10s\n", "aeration=",
	       "Xen free", "Xen free +20s", who, who, "90% after", "reuse");
	xr_row("xen", &on);
	xr_row(quiet, &off);
	printf("\n");

	guest_verdicts("xen", &g_on);
	verdict(!strcmp(on.backend, "xen"), "xen: %s backend=xen (got '%s')", who, on.backend);
	verdict(on.t_90 >= 0,
		"xen: Xen free memory rose and %s tot_pages fell by >= %ld MiB within %.0f s (%.1f s)",
		who, want / 1024, RECLAIM_DEADLINE_S, on.t_90);
	verdict(on.reused && on.reuse_bad == 0,
		"xen: %ld MiB reallocated, pattern intact in every word (%ld bad)",
		mib, on.reuse_bad);
	verdict(on.reused && on.reuse_nonzero == 0,
		"xen: the reallocated memory read zero before the pattern (%ld words not)%s",
		on.reuse_nonzero, mem_test[0] ? mem_test : "");
	/*
	 * Xen's count, not the guest's word: the reuse must take its frames
	 * back from Xen.  Free memory the guest reported while it allocated
	 * (the trace up to the sample) went the other way meanwhile.
	 */
	verdict(on.reused && on.end_tot > 0 && on.tr_sample.seen &&
		on.reuse_tot - on.end_tot >= want - on.tr_sample.report_mib * 1024,
		"xen: %s tot_pages rose again on reuse by >= %ld MiB less the %ld MiB reported meanwhile (%ld -> %ld MiB)",
		who, want / 1024, on.tr_sample.report_mib, on.end_tot / 1024,
		on.reuse_tot / 1024);
	injected_verdicts(&on);
	verdict(on.tr_end.seen && on.tr_end.report_mib >= want / 1024 &&
		on.tr_sample.reclaim_mib >= want / 1024 &&
		on.tr_sample.reclaim_failed + on.tr_reuse.reclaim_failed == 0,
		"xen: trace saw >= %ld MiB in aeration:report (%ld MiB) and in aeration:reclaim on reuse (%ld MiB, %ld failed)",
		want / 1024, on.tr_end.report_mib, on.tr_sample.reclaim_mib,
		on.tr_sample.reclaim_failed + on.tr_reuse.reclaim_failed);
	guest_verdicts(quiet, &g_off);
	verdict(!strcmp(off.backend, "none"),
		"%s: %s backend=none (got '%s')", quiet, who, off.backend);
	if (!opt.domu)
		verdict(off.opt_in_said,
			"auto: dom0 says the xen backend is used only when named");
	/* Unchanged only counts if both ends were measured, with the memory in use. */
	verdict(off.freed && off.touched_free > 0 && off.end_free > 0 &&
		off.touched_tot >= mib * 1024 && off.end_tot > 0 &&
		labs(off.end_free - off.touched_free) < mib * 1024 / 10 &&
		labs(off.touched_tot - off.end_tot) < mib * 1024 / 10,
		"%s: Xen free memory and tot_pages measured and unchanged (%ld -> %ld MiB, %ld -> %ld MiB)",
		quiet, off.touched_free / 1024, off.end_free / 1024,
		off.touched_tot / 1024, off.end_tot / 1024);
	verdict(off.reused && off.reuse_bad == 0, "%s: pattern intact (%ld bad)",
		quiet, off.reuse_bad);
	if (on.reclaim_pages >= 512)
		printf("repopulate before reuse: %ld pages in %.1f ms, %.2f ms per 2 MiB (measured in the guest)\n",
		       on.reclaim_pages, on.reclaim_ns / 1e6,
		       on.reclaim_ns / 1e6 / (on.reclaim_pages / 512.0));
	if (opt.domu)
		printf("dom0 relayed the domU's lines and asked Xen at most %.2f s after the domU wrote them\n",
		       on.relay_lag);
	return summary();
}

/*
 * xen-scrub: PV dom0 with aeration=xen fills memory with a marker and
 * frees it; a paused PVH domU is then built on Xen's free memory and
 * scanned from dom0 (tests/guest/xen.c, xenscan): xen-domu-pvh's machine.  With scrubbing, no page of it
 * may carry the marker; with xen_scrub_pages=0, the control, most of the
 * marked frames must show up there, or the scan proves nothing.
 */
struct xs {
	long freed_mib, before_kib, after_kib;	/* AER scrub-freed */
	long domu_mib, rc, pages, marked, unmapped;	/* AER scrub */
	bool scanned;
};

static void xs_line(struct guest *g, const char *l)
{
	struct xs *x = g->priv;

	if (aer_is(l, AER_SCRUB_FREED)) {
		aer_long(l, "mib", &x->freed_mib);
		aer_long(l, "xen_free_before_kib", &x->before_kib);
		aer_long(l, "xen_free_kib", &x->after_kib);
	} else if (aer_is(l, AER_SCRUB)) {
		x->scanned = aer_long(l, "domu_mib", &x->domu_mib) &&
			     aer_long(l, "rc", &x->rc) &&
			     aer_long(l, "pages", &x->pages) &&
			     aer_long(l, "marked", &x->marked) &&
			     aer_long(l, "unmapped", &x->unmapped);
	}
}

static void xs_run(struct xs *x, struct guest *g, const char *extra)
{
	char append[256];

	memset(x, 0, sizeof(*x));
	x->marked = -1;
	snprintf(append, sizeof(append),
		 "console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=xen aer.mode=scrub aer.mib=%ld%s",
		 opt.mib, extra);
	xen_boot(g, append, xs_line, x);
}

int mode_xen_scrub(void)
{
	long want = (long)(RECLAIM_FRACTION * opt.mib);	/* MiB given */
	long pages = opt.mib * 256;			/* 4 KiB pages marked */
	struct guest g_on, g_off;
	struct xs on, off;

	print_accel();
	printf("\n== Xen 4.17, PV dom0, aeration=xen: %ld MiB marked and freed, a paused domU scanned\n",
	       opt.mib);
	xs_run(&on, &g_on, "");
	printf("\n== the same with xen_scrub_pages=0: the control\n");
	xs_run(&off, &g_off, " xen_scrub_pages=0");

	printf("\n%-18s %12s %12s %10s %10s %10s\n", "dom0", "Xen free", "after free",
	       "domU", "pages", "marked");
	printf("%-18s %8ld MiB %8ld MiB %6ld MiB %10ld %10ld\n", "scrubbed",
	       on.before_kib / 1024, on.after_kib / 1024, on.domu_mib, on.pages, on.marked);
	printf("%-18s %8ld MiB %8ld MiB %6ld MiB %10ld %10ld\n\n", "xen_scrub_pages=0",
	       off.before_kib / 1024, off.after_kib / 1024, off.domu_mib, off.pages,
	       off.marked);

	guest_verdicts("scrub", &g_on);
	verdict(on.before_kib > 0 && on.after_kib - on.before_kib >= want * 1024,
		"scrub: Xen's free memory rose by >= %ld MiB when the marked memory was freed (%ld -> %ld MiB)",
		want, on.before_kib / 1024, on.after_kib / 1024);
	verdict(on.scanned && on.rc == 0 && on.domu_mib > 0 &&
		on.pages >= on.domu_mib * 256,
		"scrub: dom0 mapped every page of a paused PVH domU of %ld MiB built on Xen's free memory (%ld pages; %ld gfns in holes)",
		on.domu_mib, on.pages, on.unmapped);
	verdict(on.scanned && on.marked == 0,
		"scrub: no page of that domU carries the marker (%ld pages do)", on.marked);
	guest_verdicts("control", &g_off);
	verdict(off.scanned && off.rc == 0 && off.marked >= pages / 2,
		"control: with xen_scrub_pages=0 the scan finds the marker in >= half the %ld pages freed (%ld pages)",
		pages, off.marked);
	return summary();
}
