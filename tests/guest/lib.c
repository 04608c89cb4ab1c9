// SPDX-License-Identifier: GPL-2.0
/*
 * What every mode of the test guest uses: the command line, /proc/meminfo,
 * the aeration sysfs and debugfs files, the kernel log and the trace
 * events.  A write that fails prints an "AER error" line, which fails the
 * tier on the host.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define SYSFS	"/sys/kernel/mm/aeration/"
#define DEBUGFS	"/sys/kernel/debug/aeration/"
#define TRACEFS	"/sys/kernel/tracing"

char cmdline[1024];

/* The value of " key" (key ends in '=') on the command line, or NULL. */
const char *cmdline_get(const char *key, char *out, size_t size)
{
	const char *p = cmdline;
	size_t len = strlen(key);

	while ((p = strstr(p, key)) && p != cmdline && p[-1] != ' ')
		p += len;
	return p ? aer_word(p + len, out, size) : NULL;
}

long cmdline_long(const char *key, long def)
{
	char buf[32];

	return cmdline_get(key, buf, sizeof(buf)) ? atol(buf) : def;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			val = atol(line + len + 1);
	fclose(f);
	return val;
}

/*
 * What "nothing lost" compares: a KASAN kernel keeps freed objects in Slab,
 * and the tools a Xen dom0 runs fill the page cache.  A page aeration lost
 * is in none of these.
 */
/*
 * CPU time, in ms, of every kworker thread: where reporting runs, ours on
 * system_freezable_wq and stock's on system_wq.  In an idle guest their
 * other work is small; the same count serves both kernels.
 */
long kworker_cpu_ms(void)
{
	char path[64], buf[512], *p;
	unsigned long ut, st, ticks = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	FILE *f;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* pid (comm) state ppid ... field 14 utime, 15 stime */
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "(kworker") &&
		    (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			   &ut, &st) == 2)
			ticks += ut + st;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return (long)(ticks * 1000 / sysconf(_SC_CLK_TCK));
}

long free_kb(void)
{
	return meminfo_kb("MemFree") + meminfo_kb("Slab") + meminfo_kb("Cached");
}

/* Write @val to @path: 0, or the errno (no error line). */
int try_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	return err;
}

bool write_file(const char *path, const char *val)
{
	int err = try_write(path, val);

	if (err)
		printf(AER_ERROR " cannot write %s to %s: %s\n", val, path,
		       strerror(err));
	return !err;
}

/* The number on the first line of @path in @base, or -1. */
long read_long(const char *path, int base)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, base);
	if (f)
		fclose(f);
	return v;
}

bool write_sysfs(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), SYSFS "%s", name);
	return write_file(path, val);
}

/* Fault injection, linux-glue/sysfs.c: fail every Nth report or reclaim. */
bool inject(const char *reports, const char *reclaims)
{
	return write_file(DEBUGFS "fail_report_every", reports) &&
	       write_file(DEBUGFS "fail_reclaim_every", reclaims);
}

/* A sysfs file's first line, or "-" if it is not there. */
const char *sysfs(const char *name, char *buf, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), SYSFS "%s", name);
	f = fopen(path, "r");
	if (!f || !fgets(buf, size, f))
		snprintf(buf, size, "-");
	else
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
	return buf;
}

void print_counters(void)
{
	static const char *const names[] = {
		"backend", "policy", "min_order", "capacity", "delay_ms",
		"adaptive", "current_delay_ms",
		"passes", "reports", "report_failures", "report_ns", "aerated_blocks",
		"aerated_bytes", "reused_blocks", "free_aerated_bytes",
		"reclaims", "reclaim_failures", "held_blocks", "held_pages",
		"returned_blocks", "injected_failures", "reclaim_pages",
		"reclaim_ns", "merges",
	};
	char buf[64];
	size_t i;

	printf(AER_SYSFS);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf(" %s=%s", names[i], sysfs(names[i], buf, sizeof(buf)));
	printf("\n");
}

/* Free pages the engine still has marked, counted on the free lists. */
long marked_pages(void)
{
	return read_long(DEBUGFS "marked_pages", 10);
}

void print_marked(void)
{
	long pages = marked_pages();

	if (pages < 0)
		printf(AER_ERROR " cannot read " DEBUGFS "marked_pages\n");
	else
		printf(AER_MARKED " pages=%ld\n", pages);
}

/*
 * Per zone: free pages, the min and low watermarks, and the pages marked
 * aerated: how much of the reserves a reclaim backend has given away.
 */
void print_zones(void)
{
	unsigned long free, min, low, marked;
	char line[160], name[32];
	FILE *f = fopen(DEBUGFS "zones", "r");

	if (!f) {
		printf(AER_ERROR " cannot read " DEBUGFS "zones\n");
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s free=%lu min=%lu low=%lu marked=%lu",
			   name, &free, &min, &low, &marked) == 5)
			printf(AER_ZONE " name=%s free_pages=%lu min_pages=%lu low_pages=%lu marked_pages=%lu\n",
			       name, free, min, low, marked);
	fclose(f);
}

/*
 * The kernel log lines that mention aeration, and those that say which
 * allocator debugging and CMA area the kernel booted with (isolate.c).
 */
void print_klog(void)
{
	static const char *const what[] = {
		"aeration", "debug_guardpage_minorder", "cma: Reserved",
	};
	size_t i;

	static char log[1 << 17];
	int n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */
	char *line, *save;

	if (n < 0)
		return;
	log[n] = 0;
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (i = 0; i < sizeof(what) / sizeof(what[0]); i++)
			if (strstr(line, what[i])) {
				printf(AER_KLOG " %s\n", line);
				break;
			}
}

/*
 * The trace events aeration:report, :reclaim and :fail, from tracefs.  Each
 * trace_summary() counts the events since the last one, then clears the
 * buffer; report_failed and reclaim_failed count aeration:fail by op, "lost"
 * is what the ring buffer overwrote.
 */
void trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
}

void trace_on(void)
{
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	write_file(TRACEFS "/buffer_size_kb", "8192");
	trace_clear();
	/* Stock 6.12 (make bench's baseline) has neither sysfs nor events. */
	if (!access(SYSFS, F_OK))
		write_file(TRACEFS "/events/aeration/enable", "1");
}

/*
 * Only aeration:fail: a round of injected failures retries held blocks tens
 * of thousands of times, and the report and reclaim events of those retries
 * would overrun the ring buffer (CI lost 2,000-5,000 events that way).
 */
void trace_fail_only(void)
{
	write_file(TRACEFS "/events/aeration/enable", "0");
	write_file(TRACEFS "/events/aeration/fail/enable", "1");
}

void trace_summary(const char *at)
{
	long n[3] = { 0 }, mib4k[3] = { 0 }, failed[2] = { 0 };
	long entries = -1, written = -1;
	static const char *const ev[] = { " report: ", " reclaim: ", " fail: " };
	char line[256], sample[3][160] = { "", "", "" };
	unsigned int order;
	int i, result;
	const char *p;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f) {
		printf(AER_ERROR " trace at=%s: no tracefs\n", at);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "# entries-in-buffer/entries-written: %ld/%ld",
			   &entries, &written) == 2)
			continue;
		for (i = 0; i < 3; i++) {
			p = strstr(line, ev[i]);
			if (!p || !strstr(p, " order=") ||
			    sscanf(strstr(p, " order="), " order=%u result=%d",
				   &order, &result) != 2)
				continue;
			n[i]++;
			if (!result)
				mib4k[i] += 1L << order;
			if (i == 2)	/* aeration:fail: which op failed */
				failed[!strstr(p, " op=report ")]++;
			if (!sample[i][0])
				snprintf(sample[i], sizeof(sample[i]), "%s", p + 1);
		}
	}
	fclose(f);
	trace_clear();
	printf(AER_TRACE " at=%s report=%ld report_mib=%ld report_failed=%ld reclaim=%ld reclaim_mib=%ld reclaim_failed=%ld fail=%ld lost=%ld\n",
	       at, n[0], mib4k[0] / 256, failed[0], n[1], mib4k[1] / 256,
	       failed[1], n[2], written - entries);
	for (i = 0; i < 3; i++)
		if (sample[i][0])
			printf(AER_TRACE_EVENT " %s\n", sample[i]);
}
