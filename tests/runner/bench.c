// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: figures, not verdicts, ours against stock 6.12 page
 * reporting (the same source and config without CONFIG_AERATION) in one
 * run, two runs of each.  The fast path (page_fault1 under -icount),
 * reclaim (1 GiB freed in five scenarios: QEMU's RSS, to 90% and 98%),
 * churn (512 MiB freed and touched again at intervals: host faults,
 * refaulted MiB, touch time) and scale (a 12 GiB guest frees 1, 4, 8 GiB:
 * time to 98% and the guest's kworker CPU per GiB back).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runner.h"

struct bench_line {
	double pf1;			/* pages/s */
	double busy_s;			/* churn: time spent touching */
	long faults_start, faults;	/* churn: QEMU's page faults */
	long thp_start, thp;		/* ... and the host's on guest RAM */
	long fallback_start;		/* huge faults that fell back */
	/*
	 * churn: KiB the QEMU process's RSS grew by, summed over the 100 ms
	 * samples: memory faulted in, mostly guest RAM refaulted after a
	 * report.  TCG's own small allocations add many faults but few KiB.
	 */
	long in_kb, last_kb;
	bool counting;
	/*
	 * ours, from the counters after the rounds: blocks aerated, merges
	 * into an aerated buddy (under Xen each brings 2 MiB back on the free
	 * path), and reclaims
	 */
	long aerated, merges, reclaims;
};

static long last_faults;

static void bench_sample(struct guest *g, long kb)
{
	struct bench_line *b = g->priv;

	last_faults = qemu_faults(g->pid);
	if (b->counting && kb > b->last_kb)
		b->in_kb += kb - b->last_kb;
	b->last_kb = kb;
}

static void bench_line_cb(struct guest *g, const char *l)
{
	struct bench_line *b = g->priv;

	if (aer_is(l, AER_CHURN_START)) {
		b->faults_start = last_faults;
		b->thp_start = host_vmstat("thp_fault_alloc");
		b->fallback_start = host_vmstat("thp_fault_fallback");
		b->counting = true;
	}
	if (aer_is(l, AER_PF1) && aer_double(l, "pages_per_s", &b->pf1))
		printf("guest| %s\n", l);
	if (aer_is(l, AER_SYSFS) && b->busy_s > 0) {
		aer_long(l, "aerated_blocks", &b->aerated);
		aer_long(l, "merges", &b->merges);
		aer_long(l, "reclaims", &b->reclaims);
	}
	if (aer_is(l, AER_CHURN) && aer_double(l, "busy_s", &b->busy_s)) {
		b->faults = last_faults - b->faults_start;
		b->thp = host_vmstat("thp_fault_alloc") - b->thp_start;
		b->counting = false;
		printf("guest| %s (QEMU page faults %ld, on guest RAM %ld, RSS grew by %ld MiB)\n",
		       l, b->faults, b->thp, b->in_kb >> 10);
		/* Then the guest RAM column undercounts: say so. */
		if (host_vmstat("thp_fault_fallback") != b->fallback_start)
			printf("host: huge page faults fell back to 4 KiB pages during the rounds: the guest RAM column undercounts\n");
	}
}

/* Figures, not verdicts; but a figure from a broken guest is no figure. */
static void say_if_unusable(const struct guest *g)
{
	if (g->kernel_trouble || g->errors || g->end != GUEST_OK || !g->done)
		printf("host: this run is not usable: %s%s%s\n",
		       g->end != GUEST_OK ? "QEMU failed or timed out " : "",
		       g->errors ? g->error : "", g->kernel_trouble ? g->trouble : "");
}

static struct bench_line bench_boot(const char *kern, const char *dev,
				    const char *params, const char *const *extra)
{
	struct bench_line b = { 0 };
	char append[320];
	struct guest g = {
		.append = append, .balloon_dev = dev, .kernel = kern,
		.line = bench_line_cb, .sample = bench_sample, .priv = &b,
		.extra = extra,
	};

	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 %s", params);
	run_guest(&g);
	say_if_unusable(&g);
	return b;
}

#define DEV_FPR_ON	"virtio-balloon-pci,free-page-reporting=on"
#define DEV_FPR_OFF	"virtio-balloon-pci,free-page-reporting=off"

/* The reclaim scenarios: a free of opt.mib (1 GiB) after... */
static const struct scenario {
	const char *name, *file, *params;
} scenarios[] = {
	/* boot-time reporting long done before the touch */
	{ "idle guest (work at 8 s)", "idle", "aer.settle=8" },
	/* the demo: the touch takes memory boot-time reporting just aerated */
	{ "work 3 s after boot", "boot3", "aer.settle=3" },
	{ "work 1 s after boot", "boot1", "aer.settle=1" },
	/* the same 1 GiB freed in 4 parts: each part's own time, the worst */
	{ "freed in 4 parts, 1 s apart", "parts", "aer.settle=3 aer.steps=4" },
	/* 6 rounds of 512 MiB churn at 1 s, 3 s quiet, then the touch */
	{ "quiet after churn", "afterchurn", "aer.prechurn=6 aer.settle=3" },
};
#define NSCEN	(sizeof(scenarios) / sizeof(scenarios[0]))
#define RUNS	2

/* The scale section: a 12 GiB guest, 1, 4 and 8 GiB touched and freed. */
static const long scale_mib[] = { 1024, 4096, 8192 };
#define NSCALE		(sizeof(scale_mib) / sizeof(scale_mib[0]))
#define SCALE_RAM_MIB	12288

/*
 * One touch-and-free guest on @kern (NULL: --kernel), ours if @ours; its
 * RSS curve to @dat unless NULL; @line: NULL for tf_line().
 */
static void bench_tf(struct tf *t, const char *kern, bool ours, const char *params,
		     const char *dat, long mem_mib,
		     void (*line)(struct guest *g, const char *l))
{
	struct guest g = { .mem_mib = mem_mib, .line = line };
	char path[256], append[256];
	FILE *trace = NULL;

	if (dat) {
		snprintf(path, sizeof(path), "%s/%s", opt.outdir, dat);
		trace = fopen(path, "w");
	}
	snprintf(append, sizeof(append), "%s%s", ours ? "aeration=virtio " : "", params);
	tf_run_on(t, &g, kern, append, false, trace, NULL);
	if (trace)
		fclose(trace);
	say_if_unusable(&g);
}

/*
 * The zone-lock figure: a touch-and-free guest on a tracing kernel, with
 * the guest's interrupts-off histogram (tests/guest/irqsoff.c).
 */
#define LOCK_SITES	24
struct locks {
	struct tf tf;			/* first: tf_line() and tf_sample() */
	long ms[64];			/* sections by whole milliseconds */
	int sites;
	long site_count[LOCK_SITES], site_us[LOCK_SITES], more;
	char site[LOCK_SITES][200];	/* where it ended: "F<F<F" */
};

/*
 * A site that released a zone lock: its first frame (the function that
 * turned interrupts back on) is one of 6.12's zone->lock holders, or ours.
 * Only the first: a caller further down may hold another lock (lru_lock
 * below free_pages_and_swap_cache, say).
 */
static bool zone_site(const char *at)
{
	static const char *const holders[] = {
		"rmqueue_bulk", "rmqueue_buddy", "rmqueue", "get_page_from_freelist",
		"free_pcppages_bulk", "free_one_page", "__free_pages_ok",
		"free_unref_page", "free_unref_folios", "drain_pages_zone",
		"reserve_highatomic_pageblock", "unreserve_highatomic_pageblock",
		"page_reporting_cycle", "page_reporting_process_zone",
		"page_reporting_process", "set_migratetype_isolate",
		"unset_migratetype_isolate", "test_pages_isolated",
		"isolate_freepages_block", "fast_isolate_freepages",
		"take_page_off_buddy", "put_page_back_buddy",
		"__offline_isolated_pages",
	};
	size_t i, n = strcspn(at, "<."), len;

	if (!strncmp(at, "aer", 3) || !strncmp(at, "__aeration", 10))
		return true;
	for (i = 0; i < sizeof(holders) / sizeof(holders[0]); i++) {
		len = strlen(holders[i]);
		if (n == len && !strncmp(at, holders[i], len))
			return true;
	}
	return false;
}

static void locks_line(struct guest *g, const char *l)
{
	struct locks *lk = g->priv;
	char at[200];
	long ms, count, us = 0;
	int i;

	tf_line(g, l);
	if (aer_is(l, AER_IRQSOFF) && aer_long(l, "ms", &ms) &&
	    aer_long(l, "count", &count) && ms >= 0)
		lk->ms[ms < 63 ? ms : 63] += count;
	if (!aer_is(l, AER_IRQSOFF_SITE) || !aer_long(l, "count", &count) ||
	    !aer_long(l, "us", &us) || !aer_str(l, "at", at, sizeof(at)))
		return;
	/* The guest names three frames: stacks alike in those are one site. */
	for (i = 0; i < lk->sites && strcmp(lk->site[i], at); i++)
		;
	if (i == LOCK_SITES) {
		lk->more += count;	/* printed as such: nothing is dropped */
		return;
	}
	if (i == lk->sites)
		snprintf(lk->site[lk->sites++], sizeof(lk->site[0]), "%s", at);
	lk->site_count[i] += count;
	lk->site_us[i] += us;
}


/* "  2.3" seconds, or "never" if it did not happen within the watch. */
static const char *secs(double s, char *buf)
{
	if (s < 0)
		return "never";
	sprintf(buf, "%.1f", s);
	return buf;
}


int mode_bench(void)
{
	static const struct {
		const char *name;
		bool stock;
		const char *dev, *params;
	} fast[] = {
		{ "stock, reporting off", true, DEV_FPR_OFF, "" },
		{ "stock, reporting on", true, DEV_FPR_ON, "" },
		{ "aeration=off", false, DEV_FPR_ON, "aeration=off" },
		{ "aeration=virtio", false, DEV_FPR_ON, "aeration=virtio" },
	}, churners[] = {
		{ "stock (fixed 2 s)", true, DEV_FPR_ON, "" },
		{ "aeration adaptive", false, DEV_FPR_ON, "aeration=virtio" },
		/* The floor: faults that no reporting causes. */
		{ "no reporting (off)", false, DEV_FPR_ON, "aeration=off" },
	};
	static const char *const kname[2] = { "stock", "aeration" };
	long intervals[4];
	size_t nint = 0;
	const char *iv = opt.intervals;
	char *end;
	/*
	 * The fast path under -icount: the guest's clock counts instructions
	 * (1 ns each), so pages per guest second is pages per 10^9 guest
	 * instructions, whatever else the host is doing.  Wall-clock runs
	 * under TCG spread 10-20%, too much to see 0.5%.  One vCPU: with two,
	 * icount runs them round-robin on one host thread, and runs
	 * came out bimodal (one mode 30% faster, cause not found).
	 */
	static const char *const icount[] = { "-icount", "shift=0,sleep=off",
					      "-smp", "1", NULL };
	bool tcg = !strcmp(accel(), "tcg");
	double pf[4][8] = { { 0 } }, base = 0;
	static struct bench_line ch[3][4][RUNS];
	static struct tf rec[NSCEN][RUNS][2], sc[NSCALE][2];
	static struct locks lk[2];
	bool nolocks = false;
	long mib = opt.mib;
	char dat[96], params[256], b[4][16];
	FILE *gp;
	size_t i, j;
	int r, k;

	print_accel();
	if (mkdir(opt.outdir, 0755) && errno != EEXIST) {
		perror(opt.outdir);
		return 1;
	}
	if (opt.repeat < 1 || opt.repeat > 8)
		opt.repeat = 2;

	printf("\n== fast path: page_fault1, %d runs each%s\n", opt.repeat,
	       tcg ? ", 1 vCPU, -icount shift=0 (guest time counts instructions)" : "");
	for (r = 0; r < opt.repeat && strstr(opt.part, "fast"); r++) {
		for (i = 0; i < 4; i++) {
			snprintf(params, sizeof(params), "%s aer.mode=pf1 aer.secs=10",
				 fast[i].params);
			pf[i][r] = bench_boot(fast[i].stock ? opt.stock : NULL,
					      fast[i].dev, params,
					      tcg ? icount : NULL).pf1;
		}
	}

	printf("\n== reclaim: %ld MiB touched and freed, host RSS, %zu scenarios, %d runs\n",
	       opt.mib, NSCEN, RUNS);
	for (i = 0; i < NSCEN && strstr(opt.part, "reclaim"); i++)
		for (r = 0; r < RUNS; r++)
			for (k = 0; k < 2; k++) {
				snprintf(dat, sizeof(dat), "reclaim-%s-%s-%d.dat",
					 scenarios[i].file, kname[k], r + 1);
				bench_tf(&rec[i][r][k], k ? NULL : opt.stock, k,
					 scenarios[i].params, dat, 0, NULL);
			}

	while (nint < 4 && *iv) {
		intervals[nint++] = strtol(iv, &end, 10);
		if (*end != ',')
			break;
		iv = end + 1;
	}
	printf("\n== churn: 512 MiB freed and reallocated, 6 rounds, %d runs\n", RUNS);
	for (r = 0; r < RUNS && strstr(opt.part, "churn"); r++)
		for (j = 0; j < nint; j++)
			for (i = 0; i < 3; i++) {
				snprintf(params, sizeof(params),
					 "%s aer.mode=churn aer.mib=512 aer.rounds=6 aer.interval=%ld",
					 churners[i].params, intervals[j]);
				ch[i][j][r] = bench_boot(churners[i].stock ? opt.stock : NULL,
							 churners[i].dev, params, NULL);
			}

	printf("\n== scale: a %d MiB guest, idle, frees 1, 4 and 8 GiB\n", SCALE_RAM_MIB);
	for (i = 0; i < NSCALE && strstr(opt.part, "scale"); i++)
		for (k = 0; k < 2; k++) {
			opt.mib = scale_mib[i];
			snprintf(dat, sizeof(dat), "scale-%ld-%s.dat", scale_mib[i], kname[k]);
			bench_tf(&sc[i][k], k ? NULL : opt.stock, k,
				 "aer.settle=8 aer.watch=60", dat, SCALE_RAM_MIB, NULL);
			opt.mib = mib;
		}

	printf("\n== zone lock: the same guest frees %ld MiB on the tracing kernels\n",
	       scale_mib[NSCALE - 1]);
	if (strstr(opt.part, "locks") && (!opt.trace_kernel || !opt.trace_stock)) {
		printf("host: SKIPPED: no --trace-kernel and --trace-stock (make bench builds them)\n");
		nolocks = true;
	}
	for (k = 0; k < 2 && strstr(opt.part, "locks") && !nolocks; k++) {
		opt.mib = scale_mib[NSCALE - 1];
		bench_tf(&lk[k].tf, k ? opt.trace_kernel : opt.trace_stock, k,
			 "aer.settle=8 aer.watch=60 aer.irqsoff=1", NULL, SCALE_RAM_MIB,
			 locks_line);
		opt.mib = mib;
	}

	/* The tables. */
	printf("\n=== fast path (page_fault1, %s, pages per %s second; min..max of %d runs)\n",
	       tcg ? "1 vCPU, 1 task" : "2 tasks", tcg ? "guest (-icount)" : "wall-clock",
	       opt.repeat);
	for (i = 0; i < 4 && strstr(opt.part, "fast"); i++) {
		double lo = pf[i][0], hi = pf[i][0], sum = 0;

		for (r = 0; r < opt.repeat; r++) {
			lo = pf[i][r] < lo ? pf[i][r] : lo;
			hi = pf[i][r] > hi ? pf[i][r] : hi;
			sum += pf[i][r];
		}
		if (!i)
			base = sum / opt.repeat;
		printf("%-24s %10.0f  (%.0f..%.0f)  %+.2f%% vs stock, reporting off\n",
		       fast[i].name, sum / opt.repeat, lo, hi,
		       base ? (sum / opt.repeat / base - 1) * 100 : 0);
	}

	if (strstr(opt.part, "reclaim")) {
		printf("\n=== reclaim (%ld MiB freed; seconds from the free until 90%% / 98%% of it\n"
		       "    was gone from QEMU's RSS, run 1 and run 2; age: our adaptive delay\n"
		       "    just before the touch)\n", opt.mib);
		printf("%-30s %-23s %-23s %s\n", "", "stock 6.12", "aeration=virtio", "age ms");
		for (i = 0; i < NSCEN; i++) {
			printf("%-30s", scenarios[i].name);
			for (k = 0; k < 2; k++)
				for (r = 0; r < RUNS; r++)
					printf(" %5s/%-5s", secs(rec[i][r][k].t_90, b[0]),
					       secs(rec[i][r][k].t_98, b[1]));
			printf(" %5ld %5ld\n", rec[i][0][1].delay_ms, rec[i][1][1].delay_ms);
		}
		/* A free in parts: the row above is its slowest part's. */
		for (i = 0; i < NSCEN; i++)
			for (k = 0; k < 2; k++)
				for (r = 0; r < RUNS && rec[i][r][k].steps > 1; r++) {
					const struct tf *t = &rec[i][r][k];

					printf("  %s, %s, run %d: each part's 98%% after", scenarios[i].name,
					       k ? "aeration" : "stock", r + 1);
					for (j = 0; j < (size_t)t->steps; j++)
						printf(" %s s", secs(t->step_98[j], b[0]));
					printf("\n");
				}
		printf("(a free in parts: seconds from each part's own free until 90%%/98%% of\n"
		       " all freed so far was back; the slowest part's in the table)\n");
	}

	if (strstr(opt.part, "churn")) {
		printf("\n=== churn (512 MiB freed and touched again, 6 rounds; run 1 / run 2)\n");
		printf("%-10s %-22s %15s %15s %15s %15s\n", "interval", "", "QEMU faults",
		       "guest RAM", "refaulted MiB", "touch s");
		for (j = 0; j < nint; j++) {
			snprintf(b[0], sizeof(b[0]), "%ld ms", intervals[j]);
			for (i = 0; i < 3; i++) {
				printf("%-10s %-22s", i ? "" : b[0], churners[i].name);
				printf(" %7ld/%-7ld %7ld/%-7ld %7ld/%-7ld %7.2f/%-7.2f\n",
				       ch[i][j][0].faults, ch[i][j][1].faults,
				       ch[i][j][0].thp, ch[i][j][1].thp,
				       ch[i][j][0].in_kb >> 10, ch[i][j][1].in_kb >> 10,
				       ch[i][j][0].busy_s, ch[i][j][1].busy_s);
			}
			printf("%-10s %-22s", "", "adaptive / stock");
			for (r = 0; r < RUNS; r++)
				printf("%s%7.2fx", r ? "/" : " ",
				       ch[0][j][r].faults ?
				       (double)ch[1][j][r].faults / ch[0][j][r].faults : 0);
			for (r = 0; r < RUNS; r++)
				printf("%s%7.2fx", r ? "/" : " ", ch[0][j][r].thp > 0 ?
				       (double)ch[1][j][r].thp / ch[0][j][r].thp : 0);
			for (r = 0; r < RUNS; r++)
				printf("%s%7.2fx", r ? "/" : " ", ch[0][j][r].in_kb ?
				       (double)ch[1][j][r].in_kb / ch[0][j][r].in_kb : 0);
			for (r = 0; r < RUNS; r++)
				printf("%s%7.2fx", r ? "/" : " ", ch[0][j][r].busy_s ?
				       ch[1][j][r].busy_s / ch[0][j][r].busy_s : 0);
			printf("\n%-10s %-22s %7ld/%-7ld blocks aerated, %ld/%ld merges into an aerated buddy\n",
			       "", "aeration counters", ch[1][j][0].aerated, ch[1][j][1].aerated,
			       ch[1][j][0].merges, ch[1][j][1].merges);
		}
		printf("(QEMU faults: the QEMU process's page faults during the rounds, TCG's\n"
		       " own included; guest RAM: the host's huge page faults meanwhile\n"
		       " (thp_fault_alloc; QEMU asks for huge pages on guest RAM and on TCG's\n"
		       " code buffer), 2 MiB each; refaulted MiB: how much QEMU's RSS grew, summed over 100 ms\n"
		       " samples; touch s: guest time spent touching.  The no-reporting floor\n"
		       " is first touches and TCG's own)\n");
	}

	if (strstr(opt.part, "scale")) {
		printf("\n=== scale (a %d MiB guest, idle, frees N MiB; seconds to 90%% / 98%% back;\n"
		       "    kworker ms per GiB: the guest's kworker threads' CPU time, utime+stime\n"
		       "    from /proc/PID/stat (tick-sampled, 10 ms units), from the free to 60 s\n"
		       "    after, per GiB gone from RSS)\n",
		       SCALE_RAM_MIB);
		printf("%-10s %-23s %-23s\n", "freed MiB", "stock 6.12", "aeration=virtio");
		printf("%-10s", "");
		for (k = 0; k < 2; k++)
			printf(" %11s %11s", "90%/98% s", "kworker/GiB");
		printf("\n");
		for (i = 0; i < NSCALE; i++) {
			printf("%-10ld", scale_mib[i]);
			for (k = 0; k < 2; k++) {
				const struct tf *t = &sc[i][k];
				long back_kb = t->rss_touched - t->rss_min_after;

				if (back_kb > 0 && t->kworker_ms >= 0)
					snprintf(b[2], sizeof(b[2]), "%.0f ms",
						 t->kworker_ms * 1048576.0 / back_kb);
				else
					snprintf(b[2], sizeof(b[2]), "-");
				printf(" %5s/%-5s %11s", secs(t->t_90, b[0]), secs(t->t_98, b[1]),
				       b[2]);
			}
			printf("\n");
		}
	}

	if (strstr(opt.part, "locks") && !nolocks) {
		printf("\n=== zone lock (%d MiB guest frees %ld MiB; sections with interrupts off\n"
		       "    from the free to 60 s after, by length; every zone-lock hold is\n"
		       "    inside one; kernels with config/trace.config)\n",
		       SCALE_RAM_MIB, scale_mib[NSCALE - 1]);
		printf("%-12s %12s %12s\n", "ms", "stock 6.12", "aeration");
		for (j = 0; j < 64; j++) {
			snprintf(b[0], sizeof(b[0]), j < 63 ? "%zu-%zu" : ">= %zu", j, j + 1);
			if (lk[0].ms[j] || lk[1].ms[j])
				printf("%-12s %12ld %12ld\n", b[0], lk[0].ms[j], lk[1].ms[j]);
		}
		for (k = 0; k < 2; k++) {
			long over = 0, zone = 0;

			for (j = 1; j < 64; j++)
				over += lk[k].ms[j];
			for (r = 0; r < lk[k].sites; r++)
				zone += zone_site(lk[k].site[r]) ? lk[k].site_count[r] : 0;
			printf("%s: %ld over 1 ms, %ld of them in the page allocator or reporting%s;\n"
			       "  where interrupts came back on (count, their mean ms, function < caller <\n"
			       "  its caller):\n",
			       k ? "aeration" : "stock 6.12", over, zone,
			       lk[k].more ? " (of the named sites)" : "");
			for (r = 0; r < lk[k].sites; r++)
				printf("  %5ld %5.1f %s%s\n", lk[k].site_count[r],
				       lk[k].site_us[r] / 1000.0 / lk[k].site_count[r], lk[k].site[r],
				       zone_site(lk[k].site[r]) ? "  (zone lock)" : "");
			if (lk[k].more)
				printf("  %5ld at sites beyond the first %d, not named here\n",
				       lk[k].more, LOCK_SITES);
		}
	}

	/* The RSS curves of the first runs, ours solid, stock dashed. */
	snprintf(dat, sizeof(dat), "%s/reclaim.gp", opt.outdir);
	gp = strstr(opt.part, "reclaim") ? fopen(dat, "w") : NULL;
	if (!gp)
		return 0;
	fprintf(gp, "set terminal png size 1000,1100\nset output 'reclaim.png'\n"
		"set multiplot layout %zu,1\nset key top right\nset xrange [0:20]\n"
		"set ylabel 'QEMU RSS (MiB)'\n", NSCEN);
	for (i = 0; i < NSCEN; i++) {
		if (i == NSCEN - 1)
			fprintf(gp, "set xlabel 'seconds after the (first) free of %ld MiB'\n",
				opt.mib);
		fprintf(gp, "set title '%s'\nplot 'reclaim-%s-stock-1.dat' with lines dt 2 lw 2 title 'stock 6.12', 'reclaim-%s-aeration-1.dat' with lines lw 2 title 'aeration'\n",
			scenarios[i].name, scenarios[i].file, scenarios[i].file);
	}
	fprintf(gp, "unset multiplot\n");
	fclose(gp);
	return 0;
}
