// SPDX-License-Identifier: GPL-2.0
/*
 * The end-to-end workload of the virtio, Xen and Hyper-V tiers and the
 * demo: touch aer.mib MiB, free it, report MemFree and what is aerated
 * every 0.5 s for 20 s (aer.watch=).  The bench's scenarios: aer.settle=
 * seconds before the touch, aer.steps= parts of the free 1 s apart,
 * aer.prechurn= rounds of churn first, aer.irqsoff=1 times every
 * interrupts-off section from the free on (irqsoff.c).  Variants:
 *   unbind  300 ms after the free, with reporting under way, unbind
 *           virtio_balloon (its remove() unregisters the backend), bind it
 *           again a second later
 *   xen     every line carries Xen's view; then allocate it all again and
 *           check a pattern in every word; then once more with injected
 *           failures (every 3rd reclaim, every 4th report): the pattern
 *           must hold and held blocks come back
 *   hyperv  after the free, allocate it all again and check the pattern
 * The trace events aeration:report, :reclaim and :fail are counted too.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

/*
 * Fresh anonymous memory must read zero: with init_on_free the allocator
 * does not clear it, trusting the free page, so after Xen a reclaim that
 * did not clear shows here.  Words that did not, in the last call.
 */
long nonzero_words;

/*
 * Write a pattern unique to each word's address, read it back, and print
 * Xen's view while the memory is still in use ("AER sample").  With
 * @trace_at, the trace events up to the sample too: what the allocation
 * reclaimed and what was reported meanwhile, without the reports of the
 * memory freed after it.  The number of bad words, or -1 if the memory
 * could not be had.
 */
long pattern_check(size_t len, bool xen, const char *trace_at)
{
	char xv[96];
	unsigned long *mem, i, n = len / sizeof(*mem), bad = 0;

	/* Populated by the kernel: one allocation per page, no read faults. */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		printf(AER_ERROR " mmap %zu MiB for the pattern failed\n", len >> 20);
		return -1;
	}
	for (nonzero_words = 0, i = 0; i < n; i++)
		nonzero_words += mem[i] != 0;
	for (i = 0; i < n; i++)
		mem[i] = i * 0x9e3779b97f4a7c15UL ^ (unsigned long)&mem[i];
	for (i = 0; i < n; i++)
		bad += mem[i] != (i * 0x9e3779b97f4a7c15UL ^ (unsigned long)&mem[i]);
	if (xen) {
		printf(AER_SAMPLE "%s\n", xen_view(xen, xv, sizeof(xv)));
		if (trace_at)
			trace_summary(trace_at);
		/* dom0 asks Xen when it reads the line: keep the memory till then. */
		if (domu)
			sleep(1);
	}
	munmap(mem, len);
	return (long)bad;
}

/* Unbind or bind the virtio_balloon driver: the device's remove/probe. */
static bool balloon_driver(const char *op)
{
	static char dev[64];
	const char *drv = "/sys/bus/virtio/drivers/virtio_balloon";
	char path[128], buf[64];
	struct dirent *d;
	DIR *dir;
	bool ok;

	if (!dev[0] && (dir = opendir(drv))) {
		while ((d = readdir(dir)))
			if (!strncmp(d->d_name, "virtio", 6))
				snprintf(dev, sizeof(dev), "%.60s", d->d_name);
		closedir(dir);
	}
	snprintf(path, sizeof(path), "%s/%s", drv, op);
	ok = dev[0] && write_file(path, dev);
	printf("%s device=%s backend=%s\n",
	       strcmp(op, "bind") ? AER_UNBIND : AER_BIND, dev[0] ? dev : "-",
	       sysfs("backend", buf, sizeof(buf)));
	return ok;
}

/*
 * aer.unplug=1: the host sends QMP device_del for the balloon after the free.
 * Stay up until the guest has removed the device (a debug kernel takes its
 * time) so the host sees QEMU finish the eject; then say what is still
 * marked: the backend went with the device, so nothing may be.
 */
bool wait_unplug(void)
{
	char path[300], id[16];
	double t0 = now();
	struct dirent *d;
	bool there = true;
	DIR *dir;
	FILE *f;

	while (there && now() - t0 < 45) {
		there = false;
		dir = opendir("/sys/bus/virtio/devices");
		while (dir && (d = readdir(dir))) {
			snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%.40s/device",
				 d->d_name);
			f = fopen(path, "r");
			if (f && fgets(id, sizeof(id), f) && !strncmp(id, "0x0005", 6))
				there = true;	/* VIRTIO_ID_BALLOON */
			if (f)
				fclose(f);
		}
		if (dir)
			closedir(dir);
		if (there)
			usleep(250000);
	}
	printf(AER_UNPLUG " balloon_gone=%d waited_s=%.1f\n", !there, now() - t0);
	fflush(stdout);
	/*
	 * The driver goes before the ACPI eject reaches QEMU; on a KASAN
	 * kernel QEMU saw it 25 s after the free, 5 s after the guest's
	 * ticks.  Stay up while the host asks QEMU, and only then walk the
	 * free lists (marked_pages holds a zone lock with interrupts off for
	 * a while: not while the eject is under way).
	 */
	sleep(15);
	print_counters();
	print_marked();
	return !there;
}

/*
 * Xen takes a PVH guest's memory at 15-35 MiB/s under TCG, so its boot
 * free memory takes half a minute: wait until no pass has run and aerated
 * bytes stayed put for 2 s (90 s at most).  Blocks a pass has taken off
 * the free lists are in no count, so a baseline waits for this.
 */
void settle(void)
{
	long last = -1, cur;
	int quiet = 0;
	char buf[32];
	double t0 = now();

	while (quiet < 4 && now() - t0 < 90) {
		cur = atol(sysfs("free_aerated_bytes", buf, sizeof(buf)));
		quiet = cur == last &&
			strcmp(sysfs("state", buf, sizeof(buf)), "active") ?
			quiet + 1 : 0;
		last = cur;
		usleep(500000);
	}
	printf(AER_SETTLED " seconds=%.1f\n", now() - t0);
}

/* Where memory went, should free_kb() fall short: meminfo's other counts. */
void print_meminfo(void)
{
	printf(AER_MEMINFO " total_kb=%ld free_kb=%ld anon_kb=%ld pagetables_kb=%ld kernelstack_kb=%ld percpu_kb=%ld vmalloc_kb=%ld shmem_kb=%ld\n",
	       meminfo_kb("MemTotal"), meminfo_kb("MemFree"),
	       meminfo_kb("AnonPages"), meminfo_kb("PageTables"),
	       meminfo_kb("KernelStack"), meminfo_kb("Percpu"),
	       meminfo_kb("VmallocUsed"), meminfo_kb("Shmem"));
}

/*
 * Held blocks come back within AER_HELD_RETRY_MS or so, or after the pass
 * under way (a PVH one under TCG takes seconds): wait up to 60 s.  The
 * seconds it took, or -1.
 */
double held_wait(void)
{
	char buf[32];
	double t0 = now();
	int i;

	for (i = 0; i < 240; i++) {
		if (!strcmp(sysfs("held_pages", buf, sizeof(buf)), "0"))
			return now() - t0;
		usleep(250000);
	}
	return -1;
}

/*
 * MemFree + Slab + Cached once it is back within 2% of @want, or after
 * 20 s: the memory just freed is aerated again first, and the per-cpu free
 * lists (in no count) shrink back by an eighth of their size a second
 * (CI saw 20 MiB still there after 5 s in a PV dom0).
 */
long free_kb_back(long want)
{
	int i;

	settle();
	for (i = 0; i < 80 && free_kb() < want - want / 50; i++)
		usleep(250000);
	return free_kb();
}

/* Once more, with Xen "out of memory" for every 3rd reclaim. */
static bool injected_round(size_t len, long start_free)
{
	long round_free;
	char buf[32], buf2[32];
	double t0, held_s;
	long bad;

	sleep(4);	/* the memory just freed is aerated again */
	settle();
	/* What this round must give back: it starts from here. */
	round_free = free_kb();
	print_meminfo();
	trace_fail_only();
	if (!inject("4", "3"))
		return false;
	t0 = now();
	bad = pattern_check(len, true, NULL);
	printf(AER_INJECT " mib=%zu bad_words=%ld seconds=%.1f held_blocks=%s injected_failures=%s\n",
	       len >> 20, bad, now() - t0, sysfs("held_blocks", buf, sizeof(buf)),
	       sysfs("injected_failures", buf2, sizeof(buf2)));
	if (!inject("0", "0") || bad < 0)
		return false;
	held_s = held_wait();
	printf(AER_HELD_RETURN " seconds=%.1f held_pages=%s returned_blocks=%s free_kb=%ld round_free_kb=%ld start_free_kb=%ld\n",
	       held_s, sysfs("held_pages", buf, sizeof(buf)),
	       sysfs("returned_blocks", buf2, sizeof(buf2)),
	       free_kb_back(round_free), round_free, start_free);
	print_counters();
	print_meminfo();
	trace_summary("inject");
	return true;
}

bool touch_free(long mib, bool xen, bool unbind, bool reuse)
{
	size_t len = (size_t)mib << 20, off;
	int steps = (int)cmdline_long("aer.steps=", 1);
	long watch = cmdline_long("aer.watch=", 20);
	long prechurn = cmdline_long("aer.prechurn=", 0);
	bool irqsoff = cmdline_long("aer.irqsoff=", 0);
	long start_free, bad, kworker_ms;
	char xv[96], buf[32];
	double t0;
	char *mem;
	int i;

	if (steps < 1 || steps > 8 || mib % steps)
		steps = 1;
	/* The trace buffers first, so that the baseline includes them. */
	trace_on();
	/* aer.prechurn=N: N rounds of churn first, then a quiet spell. */
	if (prechurn > 0 && !churn(512, prechurn, 1000))
		return false;
	/* Let boot-time reporting settle so the baseline is quiet. */
	sleep(cmdline_long("aer.settle=", 3));
	if (xen)
		settle();
	start_free = free_kb();
	printf(AER_START " free_kb=%ld%s\n", start_free,
	       xen_view(xen, xv, sizeof(xv)));
	print_counters();

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		printf(AER_ERROR " mmap %ld MiB failed\n", mib);
		return false;
	}
	t0 = now();
	for (off = 0; off < len; off += 4096)
		mem[off] = (char)(off >> 12) | 1;
	printf(AER_TOUCHED " mib=%ld seconds=%.1f memfree_kb=%ld%s\n", mib,
	       now() - t0, meminfo_kb("MemFree"), xen_view(xen, xv, sizeof(xv)));
	fflush(stdout);
	sleep(2);	/* the host samples its RSS with the memory in use */

	trace_clear();		/* the "end" summary counts from the free */
	if (irqsoff && !irqsoff_start())
		return false;
	kworker_ms = kworker_cpu_ms();
	t0 = now();
	/* aer.steps=N: in N parts, 1 s apart; the host times each. */
	for (i = 0; i < steps; i++) {
		if (i)
			sleep(1);
		munmap(mem + len / steps * i, len / steps);
		printf(AER_FREED " mib=%ld step=%d of=%d\n", mib / steps, i + 1, steps);
		fflush(stdout);
	}
	if (unbind) {
		usleep(300000);
		if (!balloon_driver("unbind"))
			return false;
		sleep(1);
		if (!balloon_driver("bind"))
			return false;
	}
	for (i = 1; i <= 2 * watch; i++) {
		usleep(500000);
		printf(AER_TICK "%.1f memfree_kb=%ld free_aerated_bytes=%s%s\n",
		       now() - t0, meminfo_kb("MemFree"),
		       sysfs("free_aerated_bytes", buf, sizeof(buf)),
		       xen_view(xen, xv, sizeof(xv)));
		fflush(stdout);
	}
	printf(AER_END " free_kb=%ld start_free_kb=%ld kworker_ms=%ld%s\n",
	       free_kb(), start_free, kworker_cpu_ms() - kworker_ms,
	       xen_view(xen, xv, sizeof(xv)));
	print_counters();
	if (xen)
		print_zones();
	trace_summary("end");
	if (irqsoff)
		irqsoff_print();
	if (!xen && !reuse)
		return true;
	/* dom0 asks Xen when it reads the end line: not yet reusing then. */
	if (domu)
		sleep(1);

	/* Reuse: every frame must come back (Xen) or refault, contents intact. */
	t0 = now();
	bad = pattern_check(len, xen, "sample");
	printf(AER_REUSE " mib=%ld bad_words=%ld nonzero_words=%ld seconds=%.1f memfree_kb=%ld\n",
	       mib, bad, nonzero_words, now() - t0, meminfo_kb("MemFree"));
	print_counters();
	trace_summary("reuse");
	print_klog();
	if (bad < 0)
		return false;
	if (!xen || !strcmp(sysfs("backend", buf, sizeof(buf)), "none"))
		return true;
	return injected_round(len, start_free);
}
