// SPDX-License-Identifier: GPL-2.0
/*
 * The host's view of the touch-and-free workload (tests/guest/touch_free.c),
 * shared by the virtio and Hyper-V tiers, the demo and the bench: what the
 * guest says (its MemFree, backend, counters, trace events) beside what the
 * host measures (QEMU's RSS, or the Hyper-V RAM file), and when 90% and 98%
 * of the freed memory were back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

/* "AER trace at=@at ...": true if @l was that line. */
bool trace_line(const char *l, const char *at, struct trace_seen *t)
{
	char where[16];

	if (!aer_is(l, AER_TRACE) || !aer_str(l, "at", where, sizeof(where)) ||
	    strcmp(where, at))
		return false;
	t->seen = aer_long(l, "report", &t->report) &&
		  aer_long(l, "report_mib", &t->report_mib) &&
		  aer_long(l, "report_failed", &t->report_failed) &&
		  aer_long(l, "reclaim", &t->reclaim) &&
		  aer_long(l, "reclaim_mib", &t->reclaim_mib) &&
		  aer_long(l, "reclaim_failed", &t->reclaim_failed) &&
		  aer_long(l, "fail", &t->fail) && aer_long(l, "lost", &t->lost);
	return true;
}

void tf_init(struct tf *t)
{
	memset(t, 0, sizeof(*t));
	t->t_90 = -1;
	t->t_98 = -1;
	t->reuse_bad = -1;
	t->min_order = -1;
	t->marked = -1;
	t->kworker_ms = -1;
	t->delay_ms = -1;
}

/* Each part of the free: how long until 90% and 98% of it all was back. */
static void tf_steps(struct tf *t, long kb, double at)
{
	double t90 = 0, t98 = 0;
	long back = t->rss_touched - kb;
	int k;

	for (k = 0; k < t->steps; k++) {
		if (t->step_90[k] < 0 && back >= RECLAIM_FRACTION * t->step_cum_mib[k] * 1024)
			t->step_90[k] = at - t->step_t[k];
		if (t->step_98[k] < 0 && back >= 0.98 * t->step_cum_mib[k] * 1024)
			t->step_98[k] = at - t->step_t[k];
		t90 = t->step_90[k] < 0 || t90 < 0 ? -1 : (t90 > t->step_90[k] ? t90 : t->step_90[k]);
		t98 = t->step_98[k] < 0 || t98 < 0 ? -1 : (t98 > t->step_98[k] ? t98 : t->step_98[k]);
	}
	if (t->steps < t->steps_of)
		return;
	if (t->t_90 < 0)
		t->t_90 = t90;
	if (t->t_98 < 0)
		t->t_98 = t98;
}

void tf_sample(struct guest *g, long kb)
{
	struct tf *t = g->priv;
	double dt;

	t->rss_now = kb;
	if (!t->freed)
		return;
	dt = now() - t->t_freed;
	if (kb < t->rss_min_after)
		t->rss_min_after = kb;
	if (dt <= RECLAIM_DEADLINE_S)
		t->rss_at_deadline = kb;
	tf_steps(t, kb, now());
	if (t->trace)
		fprintf(t->trace, "%.2f %.1f\n", dt, kb / 1024.0);
}

static void tf_freed(struct tf *t, const char *l)
{
	long mib = opt.mib, of = 1;

	aer_long(l, "mib", &mib);
	aer_long(l, "of", &of);
	if (t->steps < 8) {
		t->step_t[t->steps] = now();
		t->step_90[t->steps] = -1;
		t->step_98[t->steps] = -1;
		t->step_cum_mib[t->steps] = (t->steps ? t->step_cum_mib[t->steps - 1] : 0) + mib;
		t->steps_of = (int)of;
		t->steps++;
	}
	if (t->freed)
		return;
	t->rss_touched = t->rss_now;
	t->rss_min_after = t->rss_now;
	t->rss_at_deadline = t->rss_now;
	t->t_freed = now();
	t->freed = true;
	printf("host: %s %ld MiB when the guest freed %ld MiB\n",
	       t->measure ? t->measure : "QEMU RSS", t->rss_touched / 1024, opt.mib);
	if (t->demo)
		printf("\n%8s %18s %18s %18s\n", "seconds", "guest MemFree MiB",
		       "guest aerated MiB", "host QEMU RSS MiB");
}

static void tf_tick(struct tf *t, const char *l)
{
	double gt;
	long memfree, aerated = 0;

	if (!aer_double(l, "t", &gt) || !aer_long(l, "memfree_kb", &memfree))
		return;
	aer_long(l, "free_aerated_bytes", &aerated);
	if (t->demo || (int)(gt * 2) % 4 == 0)
		printf("%s%8.1f %18ld %18ld %18ld\n", t->demo ? "" : "host: t=",
		       now() - t->t_freed, memfree / 1024, aerated >> 20,
		       t->rss_now / 1024);
}

void tf_line(struct guest *g, const char *l)
{
	struct tf *t = g->priv;

	if (aer_is(l, AER_TICK))
		tf_tick(t, l);
	else if (aer_is(l, AER_START)) {
		aer_long(l, "free_kb", &t->start_free_kb);
		t->delay_ms = -1;	/* the sysfs line after this one */
	}
	else if (aer_is(l, AER_END)) {
		aer_long(l, "free_kb", &t->end_free_kb);
		aer_long(l, "kworker_ms", &t->kworker_ms);
	} else if (aer_is(l, AER_FREED))
		tf_freed(t, l);
	else if (aer_is(l, AER_REUSE))
		t->reused = aer_long(l, "bad_words", &t->reuse_bad);
	else if (aer_is(l, AER_SYSFS)) {
		aer_long(l, "min_order", &t->min_order);
		if (t->delay_ms < 0)
			aer_long(l, "current_delay_ms", &t->delay_ms);
		aer_str(l, "backend", t->backend, sizeof(t->backend));
	} else if (aer_is(l, AER_UNBIND))
		aer_str(l, "backend", t->unbound, sizeof(t->unbound));
	else if (aer_is(l, AER_BIND))
		aer_str(l, "backend", t->rebound, sizeof(t->rebound));
	else if (aer_is(l, AER_UNPLUG)) {
		long gone = 0;

		aer_long(l, "balloon_gone", &gone);
		t->balloon_gone = gone == 1;
	} else if (aer_is(l, AER_MARKED))
		aer_long(l, "pages", &t->marked);
	else if (aer_is(l, AER_KLOG)) {
		/* Hyper-V: the backend's answers to a host's bad replies. */
		if (strstr(l, "2 MiB blocks only"))
			t->refused = true;
		if (strstr(l, "in a row, stopping"))
			t->stopped = true;
		if (strstr(l, "isolated (confidential) partition"))
			t->isolated = true;
	} else
		trace_line(l, "end", &t->tr_end);
}

/*
 * One guest of the workload: @g has the QEMU side filled in (or is
 * zeroed), @params go on the kernel command line.
 */
void tf_run_on(struct tf *t, struct guest *g, const char *kern,
	       const char *params, bool demo, FILE *trace, const char *qmp)
{
	char append[384];

	tf_init(t);
	t->demo = demo;
	t->trace = trace;
	t->qmp = qmp;
	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 %s aer.mode=touch-free aer.mib=%ld%s",
		 params, opt.mib, qmp ? " aer.unplug=1" : "");
	g->append = append;
	g->kernel = kern;
	g->priv = t;
	g->echo = !demo;
	if (!g->line)
		g->line = tf_line;
	if (!g->sample)
		g->sample = tf_sample;
	g->balloon = !g->balloon_dev;
	run_guest(g);
}

bool memfree_back(const struct tf *t)
{
	return t->start_free_kb > 0 && t->end_free_kb > 0 &&
	       t->end_free_kb >= t->start_free_kb * (1 - MEMFREE_TOLERANCE);
}

/*
 * The host saw the touched memory: a run where nothing may come back is
 * only evidence if the memory was there to come back (0 == 0 is not).
 */
bool touched_measured(const struct tf *t)
{
	return t->freed && t->rss_touched >= opt.mib * 1024;
}
