// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: figures, not verdicts, ours against stock 6.12 page
 * reporting (the same source and config without CONFIG_AERATION) in one
 * run.  The fast path (page_fault1 under -icount), reclaim (an idle guest
 * frees 1 GiB: QEMU's RSS, to 90% and 98%), and churn (512 MiB freed and
 * touched again at intervals: host faults, refaulted MiB, touch time).
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
	/*
	 * churn: KiB the QEMU process's RSS grew by, summed over the 100 ms
	 * samples: memory faulted in, mostly guest RAM refaulted after a
	 * report.  TCG's own small allocations add many faults but few KiB.
	 */
	long in_kb, last_kb;
	bool counting;
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
		b->counting = true;
	}
	if (aer_is(l, AER_PF1) && aer_double(l, "pages_per_s", &b->pf1))
		printf("guest| %s\n", l);
	if (aer_is(l, AER_CHURN) && aer_double(l, "busy_s", &b->busy_s)) {
		b->faults = last_faults - b->faults_start;
		b->counting = false;
		printf("guest| %s (QEMU page faults %ld, RSS grew by %ld MiB)\n", l,
		       b->faults, b->in_kb >> 10);
	}
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
	/* Figures, not verdicts; but a figure from a broken guest is no figure. */
	if (g.kernel_trouble || g.errors || g.end != GUEST_OK || !g.done)
		printf("host: this run is not usable: %s%s%s\n",
		       g.end != GUEST_OK ? "QEMU failed or timed out " : "",
		       g.errors ? g.error : "", g.kernel_trouble ? g.trouble : "");
	return b;
}

#define DEV_FPR_ON	"virtio-balloon-pci,free-page-reporting=on"
#define DEV_FPR_OFF	"virtio-balloon-pci,free-page-reporting=off"

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
		{ "aeration fixed 250 ms", false, DEV_FPR_ON,
		  "aeration=virtio aer.adaptive=0 aer.delay=250" },
		/* The floor: faults that no reporting causes. */
		{ "no reporting (off)", false, DEV_FPR_ON, "aeration=off" },
	};
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
	struct bench_line ch[4][4] = { { { 0 } } };
	struct tf rec[2] = { { 0 } };
	char path[256], params[256];
	size_t i, j;
	int r;

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

	printf("\n== reclaim: 1 GiB touched and freed, host RSS\n");
	for (i = 0; i < 2 && strstr(opt.part, "reclaim"); i++) {
		FILE *trace;

		snprintf(path, sizeof(path), "%s/reclaim-%s.dat", opt.outdir,
			 i ? "aeration" : "stock");
		trace = fopen(path, "w");
		/*
		 * An idle guest: boot-time reporting long done before the touch,
		 * so the touch reusing it is not taken for churn.
		 */
		struct guest g = { 0 };

		tf_run_on(&rec[i], &g, i ? NULL : opt.stock,
			  i ? "aeration=virtio aer.settle=8" : "aer.settle=8",
			  false, trace, NULL);
		if (trace)
			fclose(trace);
	}

	while (nint < 4 && *iv) {
		intervals[nint++] = strtol(iv, &end, 10);
		if (*end != ',')
			break;
		iv = end + 1;
	}
	printf("\n== churn: 512 MiB freed and reallocated, 6 rounds\n");
	for (i = 0; i < 4 && strstr(opt.part, "churn"); i++)
		for (j = 0; j < nint; j++) {
			snprintf(params, sizeof(params),
				 "%s aer.mode=churn aer.mib=512 aer.rounds=6 aer.interval=%ld",
				 churners[i].params, intervals[j]);
			ch[i][j] = bench_boot(churners[i].stock ? opt.stock : NULL,
					      churners[i].dev, params, NULL);
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
	if (!strstr(opt.part, "reclaim"))
		goto churn_table;
	printf("\n=== reclaim (1 GiB freed, QEMU RSS)\n");
	printf("%-24s %10s %10s %14s\n", "", "90% after", "98% after", "returned +20 s");
	for (i = 0; i < 2; i++)
		printf("%-24s %8.1f s %8.1f s %13.1f%%\n",
		       i ? "aeration=virtio" : "stock 6.12", rec[i].t_90, rec[i].t_98,
		       (rec[i].rss_touched - rec[i].rss_min_after) * 100.0 / (opt.mib * 1024));
	if (rec[0].t_90 > 0 && rec[1].t_90 > 0)
		printf("%-24s %8.1fx %9.1fx\n", "stock / aeration", rec[0].t_90 / rec[1].t_90,
		       rec[1].t_98 > 0 ? rec[0].t_98 / rec[1].t_98 : 0);
churn_table:
	if (!strstr(opt.part, "churn"))
		return 0;
	printf("\n=== churn (512 MiB freed and touched again, 6 rounds)\n");
	printf("%-24s", "interval");
	for (j = 0; j < nint; j++)
		printf(" %27ld ms", intervals[j]);
	printf("\n");
	for (i = 0; i < 4; i++) {
		printf("%-24s", churners[i].name);
		for (j = 0; j < nint; j++)
			printf(" %6ld flt %5ld MiB %6.2f s", ch[i][j].faults,
			       ch[i][j].in_kb >> 10, ch[i][j].busy_s);
		printf("\n");
	}
	printf("%-24s", "adaptive / stock");
	for (j = 0; j < nint; j++)
		printf(" %8.2fx %8.2fx %6.2fx",
		       ch[0][j].faults ? (double)ch[1][j].faults / ch[0][j].faults : 0,
		       ch[0][j].in_kb ? (double)ch[1][j].in_kb / ch[0][j].in_kb : 0,
		       ch[0][j].busy_s ? ch[1][j].busy_s / ch[0][j].busy_s : 0);
	/* What reporting itself cost: above the no-reporting floor. */
	for (i = 0; i < 2; i++) {
		printf("\n%-24s", i ? "  adaptive" : "over the floor: stock");
		for (j = 0; j < nint; j++)
			printf(" %+6ld flt %+5ld MiB %8s",
			       ch[i][j].faults - ch[3][j].faults,
			       (ch[i][j].in_kb - ch[3][j].in_kb) / 1024, "");
	}
	printf("\n(flt: QEMU host page faults during the rounds; MiB: how much QEMU's RSS grew,\n"
	       " summed over 100 ms samples; s: guest time spent touching.  The floor, with\n"
	       " nothing reported, is QEMU's own faults, TCG's included, and first touches)\n");
	return 0;
}
