// SPDX-License-Identifier: GPL-2.0
/*
 * aer.irqsoff=1, for make bench's zone-lock figure (on the kernels built
 * with config/trace.config): time every section with interrupts off.  The
 * zone lock is only ever taken with interrupts off, so each of its holds
 * lies inside one such section; where the section ended (the stack that
 * turned interrupts back on) says whose it was.  Kernel hist triggers pair
 * each CPU's preemptirq:irq_disable with the next irq_enable into a
 * synthetic event that carries irq_enable's stack, bin it by milliseconds,
 * and count the stacks of those over 1 ms.  Sections that end in the idle task (pid 0) are left out: the
 * idle loop turns interrupts off before it halts and the waking interrupt's
 * exit turns them on, so every idle spell would count (softirqs run on the
 * idle task go with them).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "guest.h"

#define TRACEFS	"/sys/kernel/tracing/"
#define LAT	TRACEFS "events/synthetic/irqsoff_lat/"

bool irqsoff_start(void)
{
	return write_file(TRACEFS "synthetic_events",
			  "irqsoff_lat u64 lat; unsigned long[] stack") &&
	       write_file(TRACEFS "events/preemptirq/irq_disable/trigger",
			  "hist:keys=common_cpu:ts0=common_timestamp.usecs") &&
	       write_file(TRACEFS "events/preemptirq/irq_enable/trigger",
			  "hist:keys=common_cpu:lat=common_timestamp.usecs-$ts0,"
			  "st=common_stacktrace:"
			  "onmatch(preemptirq.irq_disable).trace(irqsoff_lat,$lat,$st)"
			  " if common_pid != 0") &&
	       write_file(LAT "trigger", "hist:keys=lat.buckets=1000") &&
	       write_file(LAT "trigger",
			  "hist:keys=stack.stacktrace:vals=lat:sort=hitcount.descending"
			  " if lat >= 1000");
}

#define FRAMES	16

/*
 * The three frames below the one that turned interrupts on
 * (trace_hardirqs_on*) and the unlock that called it.
 */
static void site(char frame[][64], int n, char *at, size_t size)
{
	int i, first = 0, taken = 0;

	for (i = 0; i < n; i++)
		if (!strncmp(frame[i], "trace_hardirqs_on", 17))
			first = i + 1;
	/* _raw_spin_unlock_irqrestore, _raw_write_unlock_irq, ... */
	while (first < n && strstr(frame[first], "_unlock_irq"))
		first++;
	snprintf(at, size, "?");
	for (i = first; i < n && taken < 3; i++, taken++)
		snprintf(at + (taken ? strlen(at) : 0), size - (taken ? strlen(at) : 0),
			 "%s%s", taken ? "<" : "", frame[i]);
}

/*
 * "AER irqsoff ms=N count=C": sections of N ms (N = 0 is under 1 ms);
 * "AER irqsoff-site count=C us=T at=F<F<F": where those over 1 ms ended,
 * and their total length.
 */
void irqsoff_print(void)
{
	char line[1024], at[200], frame[FRAMES][64], *p;
	unsigned long lo, hi, cnt;
	int n = -1;
	FILE *f = fopen(LAT "hist", "r");

	if (!f) {
		printf(AER_ERROR " no irqsoff histogram\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "{ lat: ~ %lu-%lu } hitcount: %lu", &lo, &hi, &cnt) == 3) {
			printf(AER_IRQSOFF " ms=%lu count=%lu\n", lo / 1000, cnt);
			continue;
		}
		if (!strncmp(line, "{ stack.stacktrace", 18)) {
			n = 0;
			p = line + 18;
		} else if (n >= 0 && sscanf(line, "} hitcount: %lu lat: %lu", &cnt, &lo) == 2) {
			site(frame, n, at, sizeof(at));
			printf(AER_IRQSOFF_SITE " count=%lu us=%lu at=%s\n", cnt, lo, at);
			n = -1;
			continue;
		} else {
			p = line;
		}
		/* "  sym+0x12/0x40": the symbol */
		if (n >= 0 && n < FRAMES && sscanf(p, " %63[^+ :\n]", frame[n]) == 1)
			n++;
	}
	fclose(f);
	fflush(stdout);
}
