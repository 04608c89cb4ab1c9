/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's PID 1, shared pieces: reading /proc and the aeration
 * sysfs, the trace events, Xen's view of this domain.  Each mode lives in
 * a file of its own; main.c picks one from aer.mode= and prints "AER done"
 * only if it ran to its end.  What the lines say: ../proto.h.
 */
#ifndef _AER_GUEST_H
#define _AER_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "../proto.h"

/* The kernel command line and the aer.* values read from it. */
extern char cmdline[1024];
const char *cmdline_get(const char *key, char *out, size_t size);
long cmdline_long(const char *key, long def);

double now(void);
long meminfo_kb(const char *key);
long free_kb(void);
long kworker_cpu_ms(void);	/* where reporting runs */
int try_write(const char *path, const char *val);
bool write_file(const char *path, const char *val);
long read_long(const char *path, int base);
bool write_sysfs(const char *name, const char *val);
const char *sysfs(const char *name, char *buf, size_t size);
bool inject(const char *reports, const char *reclaims);
void print_counters(void);
void print_klog(void);
long marked_pages(void);	/* counted on the free lists, or -1 */
void print_zones(void);	/* per zone: free, watermarks, marked */
void print_marked(void);

void trace_on(void);
void trace_clear(void);
void trace_fail_only(void);
void trace_summary(const char *at);

/* Xen (xen.c): the domain the lines are about; a domU asks dom0 instead. */
extern bool domu;
const char *xen_view(bool xen, char *buf, size_t size);
void xenaer_log(void);

/* touch_free.c, for the other modes too. */
extern long nonzero_words;	/* in the last pattern_check() */
long pattern_check(size_t len, bool xen, const char *trace_at);
double held_wait(void);
long free_kb_back(long want);
void print_meminfo(void);

/* irqsoff.c: make bench's interrupts-off histogram (aer.irqsoff=1). */
bool irqsoff_start(void);
void irqsoff_print(void);

/* The modes: each returns true if it ran to its end. */
bool touch_free(long mib, bool xen, bool unbind, bool reuse);
bool wait_unplug(void);
bool inputs(void);
bool order(void);
bool pf1(double secs);
bool churn(long mib, long rounds, long interval_ms);
bool storm(double secs);
bool xen_host(long mib);
bool xen_scrub(long mib);
bool isolate(long mib);
void settle(void);

#endif /* _AER_GUEST_H */
