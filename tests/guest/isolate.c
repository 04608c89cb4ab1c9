// SPDX-License-Identifier: GPL-2.0
/*
 * The isolate mode (the debug tiers): every way an aerated block leaves a
 * free list other than allocation, on a kernel booted with cma=,
 * debug_pagealloc=on and debug_guardpage_minorder=1, and under Xen with
 * every 3rd reclaim failing:
 *   cma      alloc_contig_range: the whole CMA area, 2 MiB at a time,
 *            through debugfs, then freed (pageblock isolation and
 *            __isolate_free_page);
 *   compact  /proc/sys/vm/compact_memory (__isolate_free_page);
 *   offline  memory blocks holding aerated blocks (kpageflags: buddy and
 *            uptodate, the mark) go offline and online again
 *            (test_pages_isolated, and the pages freed again on onlining).
 * Then the held blocks come back, all the memory is allocated once more
 * with a pattern, and the engine's count of aerated memory must match the
 * marks on the free lists.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

#define MEMBLK	"/sys/devices/system/memory/"
#define CMA	"/sys/kernel/debug/cma/"
#define KPF_UPTODATE	3
#define KPF_BUDDY	10
#define MAX_OFFLINE	4

/* CMA: allocate the area 2 MiB at a time, then free it all. */
static bool cma_round(long *ok, long *failed, long *area)
{
	char dir[300] = "", path[320], val[32];
	struct dirent *d;
	DIR *dp = opendir(CMA);
	long n;

	*ok = *failed = *area = 0;
	while (dp && (d = readdir(dp)))
		if (d->d_name[0] != '.')
			snprintf(dir, sizeof(dir), CMA "%.200s/", d->d_name);
	if (dp)
		closedir(dp);
	snprintf(path, sizeof(path), "%scount", dir);
	if (!dir[0] || (*area = read_long(path, 10)) <= 0) {
		printf(AER_ERROR " no CMA area in " CMA " (boot with cma=)\n");
		return false;
	}
	snprintf(path, sizeof(path), "%salloc", dir);
	for (n = 0; n + 512 <= *area; n += 512) {
		if (try_write(path, "512"))
			(*failed)++;
		else
			(*ok)++;
	}
	snprintf(path, sizeof(path), "%sfree", dir);
	snprintf(val, sizeof(val), "%ld", *ok * 512);
	return write_file(path, val);
}

/* Marked free blocks (buddy heads with the mark) in memory block @nr. */
static long marked_heads(int kpf, long nr, long block_pages)
{
	static uint64_t flags[4096];
	long pfn = nr * block_pages, end = pfn + block_pages, heads = 0, i, n;
	uint64_t want = 1ULL << KPF_BUDDY | 1ULL << KPF_UPTODATE;

	for (; pfn < end; pfn += n) {
		n = end - pfn < 4096 ? end - pfn : 4096;
		if (pread(kpf, flags, n * 8, pfn * 8) != n * 8)
			return -1;
		for (i = 0; i < n; i++)
			heads += (flags[i] & want) == want;
	}
	return heads;
}

/* One offline round: blocks tried, taken offline and online again. */
struct offl {
	long tried, offlined, onlined, heads;
};

/*
 * Offline up to MAX_OFFLINE memory blocks that hold marked blocks, from
 * the top (where the freed memory is), and online them again.  A block
 * that will not go offline is no error: EBUSY for unmovable pages, or
 * while reclaims fail (its aerated blocks cannot be isolated), EINVAL for
 * a block across zones or holes.
 */
static bool offline_round(struct offl *o)
{
	long block_pages = read_long(MEMBLK "block_size_bytes", 16) / 4096;
	long nr, h, done[MAX_OFFLINE];
	char path[128], state[16];
	int kpf = open("/proc/kpageflags", O_RDONLY), i, err;
	bool ok = true;
	FILE *f;

	memset(o, 0, sizeof(*o));
	if (kpf < 0 || block_pages <= 0) {
		printf(AER_ERROR " no /proc/kpageflags or " MEMBLK "\n");
		return false;
	}
	for (nr = 4095; nr >= 0 && o->offlined < MAX_OFFLINE; nr--) {
		snprintf(path, sizeof(path), MEMBLK "memory%ld/state", nr);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(state, sizeof(state), f))
			state[0] = 0;
		fclose(f);
		h = marked_heads(kpf, nr, block_pages);
		if (strncmp(state, "online", 6) || h <= 0)
			continue;
		o->tried++;
		err = try_write(path, "offline");
		printf(AER_ISOLATE_BLOCK " nr=%ld marked_heads=%ld errno=%d\n", nr, h, err);
		if (err)
			continue;
		done[o->offlined++] = nr;
		o->heads += h;
	}
	close(kpf);
	for (i = 0; i < o->offlined; i++) {
		snprintf(path, sizeof(path), MEMBLK "memory%ld/state", done[i]);
		if (write_file(path, "online"))
			o->onlined++;
		else
			ok = false;
	}
	return ok;
}

/* Marked pages on the free lists against the engine's count, once quiet. */
static void count_check(long *marked, long *aerated)
{
	char buf[32];
	int i;

	for (i = 0; i < 20; i++) {
		settle();
		*aerated = atol(sysfs("free_aerated_bytes", buf, sizeof(buf))) / 4096;
		*marked = marked_pages();
		if (*marked == *aerated)
			return;
	}
}

/* After each step: held pages, Xen's view of this domain, meminfo. */
static void step(const char *at, bool xen)
{
	char xv[96], held[32];

	printf(AER_ISOLATE_STEP " at=%s held_pages=%s%s\n", at,
	       sysfs("held_pages", held, sizeof(held)), xen_view(xen, xv, sizeof(xv)));
	print_meminfo();
}

bool isolate(long mib)
{
	long start_free, end_free, reclaims, failures, cma_ok, cma_failed, cma_area;
	long marked, aerated, bad;
	struct offl inj = { 0 }, off;
	char buf[32];
	double held_s;
	bool ok, xen;

	trace_on();
	sleep(3);
	settle();
	start_free = free_kb();
	reclaims = atol(sysfs("reclaims", buf, sizeof(buf)));
	failures = atol(sysfs("reclaim_failures", buf, sizeof(buf)));
	xen = !strcmp(sysfs("backend", buf, sizeof(buf)), "xen");
	printf(AER_ISOLATE_START " free_kb=%ld free_aerated_bytes=%s\n", start_free,
	       sysfs("free_aerated_bytes", buf, sizeof(buf)));
	print_counters();
	print_klog();	/* guard pages and the CMA area, before the round */
	trace_fail_only();
	if (xen && !inject("0", "3"))
		return false;
	ok = cma_round(&cma_ok, &cma_failed, &cma_area);
	step("cma", xen);
	ok &= write_file("/proc/sys/vm/compact_memory", "1");
	step("compact", xen);
	/* Under Xen, first with reclaims failing: blocks stay busy, safely. */
	if (xen) {
		ok &= offline_round(&inj);
		step("offline-injected", xen);
		if (!inject("0", "0"))
			return false;
	}
	ok &= offline_round(&off);
	step("offline", xen);
	held_s = held_wait();
	reclaims = atol(sysfs("reclaims", buf, sizeof(buf))) - reclaims;
	failures = atol(sysfs("reclaim_failures", buf, sizeof(buf))) - failures;
	print_counters();
	trace_summary("isolate");
	end_free = free_kb_back(start_free);
	count_check(&marked, &aerated);
	step("settled", xen);
	bad = pattern_check((size_t)mib << 20, false, NULL);
	printf(AER_ISOLATE " cma_pages=%ld cma_ok=%ld cma_failed=%ld inj_tried=%ld inj_offlined=%ld tried=%ld offlined=%ld onlined=%ld marked_heads=%ld reclaims=%ld reclaim_failures=%ld held_s=%.1f held_pages=%s marked_pages=%ld aerated_pages=%ld free_kb=%ld start_free_kb=%ld mib=%ld bad_words=%ld nonzero_words=%ld\n",
	       cma_area, cma_ok, cma_failed, inj.tried, inj.offlined,
	       off.tried, off.offlined, off.onlined, off.heads,
	       reclaims, failures, held_s, sysfs("held_pages", buf, sizeof(buf)),
	       marked, aerated, end_free, start_free, mib, bad, nonzero_words);
	return ok && bad >= 0;
}
