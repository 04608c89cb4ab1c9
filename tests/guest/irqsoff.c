// SPDX-License-Identifier: GPL-2.0
/*
 * aer.irqsoff=1, for make bench's zone-lock figure (on the kernels built
 * with config/trace.config): time every section with interrupts off.  The
 * zone lock is only ever taken with interrupts off, so each of its holds
 * lies inside one such section; where the section ended (the function that
 * turned interrupts back on, and its caller) says whose it was.  Kernel
 * hist triggers pair each CPU's preemptirq:irq_disable with the next
 * irq_enable into a synthetic event, then bin it by milliseconds, and
 * count the sites of those over 1 ms.  Sections that end in the idle task
 * (pid 0) are left out: the idle loop turns interrupts off before it
 * halts, and the waking interrupt's exit turns them on, so every idle
 * spell would count (softirqs run on the idle task go with them).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

#define TRACEFS	"/sys/kernel/tracing/"
#define LAT	TRACEFS "events/synthetic/irqsoff_lat/"
#define SITES	12

bool irqsoff_start(void)
{
	return write_file(TRACEFS "synthetic_events",
			  "irqsoff_lat u64 lat; s32 caller; s32 parent") &&
	       write_file(TRACEFS "events/preemptirq/irq_disable/trigger",
			  "hist:keys=common_cpu:ts0=common_timestamp.usecs") &&
	       write_file(TRACEFS "events/preemptirq/irq_enable/trigger",
			  "hist:keys=common_cpu:lat=common_timestamp.usecs-$ts0:"
			  "onmatch(preemptirq.irq_disable)"
			  ".trace(irqsoff_lat,$lat,caller_offs,parent_offs)"
			  " if common_pid != 0") &&
	       write_file(LAT "trigger", "hist:keys=lat.buckets=1000") &&
	       write_file(LAT "trigger",
			  "hist:keys=caller,parent:sort=hitcount.descending if lat >= 1000");
}

/* The text symbols holding @off[] (offsets from _stext), into @name[]. */
static void resolve(const long *off, int n, char name[][48])
{
	unsigned long a, stext = 0, best[2 * SITES] = { 0 };
	char sym[128], type;
	int i, pass;
	FILE *f;

	for (i = 0; i < n; i++)
		snprintf(name[i], 48, "%+ld", off[i]);
	for (pass = 0; pass < 2; pass++) {
		f = fopen("/proc/kallsyms", "r");
		while (f && fscanf(f, "%lx %c %127s%*[^\n]", &a, &type, sym) == 3) {
			if (!pass && !strcmp(sym, "_stext")) {
				stext = a;
				break;
			}
			if (!pass || !stext || !strchr("tTW", type))
				continue;
			for (i = 0; i < n; i++)
				if (a <= stext + off[i] && a > best[i]) {
					best[i] = a;
					snprintf(name[i], 48, "%.30s+%#lx", sym,
						 stext + off[i] - a);
				}
		}
		if (f)
			fclose(f);
		if (!stext)
			return;	/* no addresses: the raw offsets stay */
	}
}

/*
 * "AER irqsoff ms=N count=C": sections of N ms (N = 0 is under 1 ms);
 * "AER irqsoff-site count=C on=SYM from=SYM": the sites of those over 1 ms.
 */
void irqsoff_print(void)
{
	char line[256], name[2 * SITES][48];
	unsigned long lo, hi, cnt, caller, parent;
	long off[2 * SITES], count[SITES];
	int n = 0, i;
	FILE *f = fopen(LAT "hist", "r");

	if (!f) {
		printf(AER_ERROR " no irqsoff histogram\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "{ lat: ~ %lu-%lu } hitcount: %lu", &lo, &hi, &cnt) == 3) {
			printf(AER_IRQSOFF " ms=%lu count=%lu\n", lo / 1000, cnt);
		} else if (n < SITES &&
			   sscanf(line, "{ caller: %lu, parent: %lu } hitcount: %lu",
				  &caller, &parent, &cnt) == 3) {
			/* s32 offsets, printed sign-extended as u64 */
			off[2 * n] = (int)caller;
			off[2 * n + 1] = (int)parent;
			count[n++] = (long)cnt;
		}
	}
	fclose(f);
	resolve(off, 2 * n, name);
	for (i = 0; i < n; i++)
		printf(AER_IRQSOFF_SITE " count=%ld on=%s from=%s\n", count[i],
		       name[2 * i], name[2 * i + 1]);
	fflush(stdout);
}
