// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the test guests.  Reads aer.mode= and aer.mib= from
 * /proc/cmdline, runs the workload and prints "AER ..." lines on the
 * console for hosts/kvm/hostrun.c, then reboots (QEMU runs -no-reboot, so
 * the guest exits).
 *
 *   touch-free  touch aer.mib MiB, free it, report MemFree for 20 s
 *               (after aer.settle= seconds of quiet, default 3)
 *   unbind      touch-free, but 300 ms after the free, with reporting under
 *               way, unbind virtio_balloon (its remove() unregisters the
 *               backend) and bind it again a second later
 *   xen         the same in a Xen dom0, with Xen's free memory and the
 *               domain's tot_pages from /xenaer (libxenctrl) on every line;
 *               then allocate it all again and check a pattern in every page;
 *               then once more with injected failures (debugfs): every 3rd
 *               reclaim fails as if Xen had no memory, every 4th report
 *               fails; the pattern must hold and held blocks come back
 *               (touch-free, xen and hyperv also record the trace events
 *               aeration:report, :reclaim, :fail and print what they saw);
 *               with aer.domu=1 the same in a PV domU, which cannot ask
 *               Xen: it ends those lines with " @xen" for dom0 to fill in
 *   domu        a Xen dom0 that starts xenstored and xenconsoled, creates a
 *               PV domU with xl (this kernel, this initramfs, aer.mode=xen
 *               aer.domu=1, aeration=aer.domu_aeration) and relays the
 *               domU's console, with Xen's view of the domU where it says
 *               " @xen"
 *   hyperv      touch-free, then allocate it all again and check a pattern
 *               (the host discarded it: every page refaults as zeros)
 *   pf1         will-it-scale page_fault1: one task per CPU maps 128 MiB,
 *               touches every page, unmaps, for aer.secs seconds; pages/s
 *   churn       aer.rounds times: touch aer.mib MiB, free it, sleep
 *               aer.interval ms; prints the time spent touching
 *   storm       the engine flat out (min_order 0, no delay) while tasks
 *               allocate and free at every order (anonymous, THP, tmpfs),
 *               then memory pressure up to the OOM killer; afterwards
 *               MemFree and the counters must add up
 *   inputs      print the parsed policy and the kernel's aeration messages,
 *               then write bad values to the sysfs tunables
 *   idle        print the aeration counters and exit
 * With aer.unplug=1 (the host removes the balloon with QMP device_del) the
 * guest then waits for the device to be gone before it exits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long meminfo_kb(const char *key)
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

/* What "nothing lost" compares: a KASAN kernel keeps freed objects in Slab. */
static long free_kb(void)
{
	return meminfo_kb("MemFree") + meminfo_kb("Slab");
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		printf("AER error cannot write %s to %s\n", val, path);
	if (fd >= 0)
		close(fd);
}

static void write_sysfs(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/aeration/%s", name);
	write_file(path, val);
}

/* Fault injection, linux-glue/sysfs.c: fail every Nth report or reclaim. */
static void inject(const char *reports, const char *reclaims)
{
	write_file("/sys/kernel/debug/aeration/fail_report_every", reports);
	write_file("/sys/kernel/debug/aeration/fail_reclaim_every", reclaims);
}

/* A sysfs file's first line, or "-" if it is not there. */
static const char *sysfs(const char *name, char *buf, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/aeration/%s", name);
	f = fopen(path, "r");
	if (!f || !fgets(buf, size, f)) {
		snprintf(buf, size, "-");
	} else {
		buf[strcspn(buf, "\n")] = 0;
	}
	if (f)
		fclose(f);
	return buf;
}

/*
 * The trace events aeration:report, :reclaim and :fail, from tracefs.  Each
 * trace_summary() counts the events since the last one, then clears the
 * buffer; report_failed and reclaim_failed count aeration:fail by op, "lost"
 * is what the ring buffer overwrote.
 */
#define TRACEFS "/sys/kernel/tracing"

static void trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
}

static void trace_on(void)
{
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	write_file(TRACEFS "/buffer_size_kb", "8192");
	trace_clear();
	write_file(TRACEFS "/events/aeration/enable", "1");
}

/*
 * Only aeration:fail: a round of injected failures retries held blocks tens
 * of thousands of times, and the report and reclaim events of those retries
 * would overrun the ring buffer (CI lost 2,000-5,000 events that way).
 */
static void trace_fail_only(void)
{
	write_file(TRACEFS "/events/aeration/enable", "0");
	write_file(TRACEFS "/events/aeration/fail/enable", "1");
}

static void trace_summary(const char *at)
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
		printf("AER trace at=%s unavailable (no tracefs)\n", at);
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
	printf("AER trace at=%s report=%ld report_mib=%ld report_failed=%ld reclaim=%ld reclaim_mib=%ld reclaim_failed=%ld fail=%ld lost=%ld\n",
	       at, n[0], mib4k[0] / 256, failed[0], n[1], mib4k[1] / 256,
	       failed[1], n[2], written - entries);
	for (i = 0; i < 3; i++)
		if (sample[i][0])
			printf("AER trace| %s\n", sample[i]);
}

static void print_counters(void)
{
	static const char *const names[] = {
		"backend", "policy", "min_order", "capacity", "delay_ms",
		"adaptive", "current_delay_ms",
		"passes", "reports", "report_failures", "aerated_blocks",
		"aerated_bytes", "reused_blocks", "free_aerated_bytes",
		"reclaims", "reclaim_failures", "held_blocks", "held_pages",
		"returned_blocks", "injected_failures", "reclaim_pages",
		"reclaim_ns",
	};
	char buf[64];
	size_t i;

	printf("AER sysfs");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf(" %s=%s", names[i], sysfs(names[i], buf, sizeof(buf)));
	printf("\n");
}

/* The kernel log lines that mention aeration. */
static void print_klog(void)
{
	static char log[1 << 17];
	int n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */
	char *line, *save;

	if (n < 0)
		return;
	log[n] = 0;
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "aeration"))
			printf("AER klog %s\n", line);
}

/* Write @val to a tunable; it must fail with @want and leave it as it was. */
static void bad_write(const char *file, const char *val, int want)
{
	char path[128], before[64], after[64], shown[24];
	int fd, err = 0;
	size_t i;

	snprintf(path, sizeof(path), "/sys/kernel/mm/aeration/%s", file);
	sysfs(file, before, sizeof(before));
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) >= 0)
		err = fd < 0 ? errno : 0;
	else
		err = errno;
	if (fd >= 0)
		close(fd);
	sysfs(file, after, sizeof(after));
	for (i = 0; i < sizeof(shown) - 1 && val[i]; i++)
		shown[i] = val[i] == '\n' ? '/' : val[i];
	shown[i] = 0;
	printf("AER write file=%s value='%.20s%s' errno=%d want=%d before=%s after=%s %s\n",
	       file, shown, strlen(val) > 20 ? "..." : "", err, want, before, after,
	       err == want && !strcmp(before, after) ? "ok" : "BAD");
}

static void inputs(void)
{
	static char huge[5000];
	char buf[64];

	printf("AER policy=%s backend=%s\n", sysfs("policy", buf, sizeof(buf)),
	       sysfs("backend", buf + 32, 32));
	print_klog();
	memset(huge, '7', sizeof(huge) - 1);
	bad_write("min_order", "-1", EINVAL);
	bad_write("min_order", "abc", EINVAL);
	bad_write("min_order", "\n", EINVAL);
	bad_write("min_order", "11", ERANGE);
	bad_write("min_order", "99999999999999999999999", ERANGE);
	bad_write("capacity", "0", ERANGE);
	bad_write("capacity", "513", ERANGE);
	bad_write("capacity", "4294967297", ERANGE);
	bad_write("capacity", "1 2", EINVAL);
	bad_write("delay_ms", "60001", ERANGE);
	bad_write("delay_ms", "-5", EINVAL);
	bad_write("delay_ms", "5ms", EINVAL);
	bad_write("delay_ms", huge, ERANGE);	/* sysfs keeps 4095 digits */
	bad_write("backend", "virtio", EACCES);
	bad_write("reports", "0", EACCES);
}

/* page_fault1: each task faults 128 MiB in and out until time is up. */
static void pf1(double secs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, thp_kb;
	size_t len = 128UL << 20;
	double total = 0;
	int pfd[2];

	sleep(2);
	if (pipe(pfd))
		return;
	for (i = 0; i < ncpu; i++) {
		if (fork() == 0) {
			double start = now(), end = start + secs, last = start;
			double rate;
			long pages = 0;

			/* The rate up to the last whole round, not a whole-round count. */
			while (now() < end) {
				char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				size_t off;

				if (m == MAP_FAILED)
					_exit(1);
				for (off = 0; off < len; off += 4096)
					m[off] = 1;
				munmap(m, len);
				pages += len / 4096;
				last = now();
			}
			rate = last > start ? pages / (last - start) : 0;
			if (write(pfd[1], &rate, sizeof(rate)) != sizeof(rate))
				_exit(1);
			_exit(0);
		}
	}
	/* Half way: how much of what the tasks map is in huge pages. */
	usleep(secs * 500000);
	thp_kb = meminfo_kb("AnonHugePages");
	for (i = 0; i < ncpu; i++) {
		double rate;

		if (read(pfd[0], &rate, sizeof(rate)) == sizeof(rate))
			total += rate;
		wait(NULL);
	}
	printf("AER pf1 tasks=%ld seconds=%.0f pages_per_s=%.0f anon_huge_kb_midway=%ld\n",
	       ncpu, secs, total, thp_kb);
}

/* Free and reallocate at an interval: the cost of reporting too early. */
static void churn(long mib, long rounds, long interval_ms)
{
	size_t len = (size_t)mib << 20;
	double busy = 0;
	long r;

	sleep(3);
	printf("AER churn start\n");
	fflush(stdout);
	for (r = 0; r < rounds; r++) {
		double t0 = now();
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t off;

		if (m == MAP_FAILED)
			return;
		for (off = 0; off < len; off += 4096)
			m[off] = 1;
		munmap(m, len);
		busy += now() - t0;
		usleep(interval_ms * 1000);
	}
	printf("AER churn mib=%ld rounds=%ld interval_ms=%ld busy_s=%.2f\n",
	       mib, rounds, interval_ms, busy);
	print_counters();
}

/* One storm task: random sizes, anonymous or THP or tmpfs, until @end. */
static void storm_task(int id, double end)
{
	unsigned int seed = id * 7919 + 1;
	char path[64];

	snprintf(path, sizeof(path), "/tmp/storm%d", id);
	while (now() < end) {
		size_t len = 4096UL << (rand_r(&seed) % 11);	/* order 0..10 */
		int kind = rand_r(&seed) % 3;
		size_t off;
		char *m;

		if (kind == 2) {		/* page cache: a tmpfs file */
			int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

			if (fd < 0 || ftruncate(fd, len)) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			close(fd);
		} else {
			m = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m != MAP_FAILED && kind == 1)
				madvise(m, len, MADV_HUGEPAGE);
		}
		if (m == MAP_FAILED)
			continue;
		for (off = 0; off < len; off += 4096)
			m[off] = (char)off;
		for (off = 0; off < len; off += 4096)
			if (m[off] != (char)off) {
				printf("AER storm corruption task=%d\n", id);
				_exit(2);
			}
		munmap(m, len);
		unlink(path);
	}
	_exit(0);
}

/* Allocate until the OOM killer ends us. */
static void oom_task(void)
{
	for (;;) {
		char *m = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t off;

		if (m == MAP_FAILED)
			continue;
		for (off = 0; off < 16 << 20; off += 4096)
			m[off] = 1;
	}
}

static void storm(double secs)
{
	long start_free, end_free, free_aerated;
	int i, status, killed = 0, bad = 0;
	char buf[64];
	pid_t pid;

	mount("tmpfs", "/tmp", "tmpfs", 0, "size=512m");
	write_sysfs("min_order", "0");
	write_sysfs("adaptive", "0");
	write_sysfs("delay_ms", "0");
	sleep(2);
	start_free = free_kb();
	printf("AER storm start free_kb=%ld\n", start_free);
	for (i = 0; i < 4; i++)
		if (fork() == 0)
			storm_task(i, now() + secs);
	while ((pid = wait(&status)) > 0)
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
	printf("AER storm tasks done bad=%d\n", bad);
	print_counters();

	/* Pressure: two tasks race for all memory until the OOM killer. */
	for (i = 0; i < 2; i++)
		if (fork() == 0)
			oom_task();
	while ((pid = wait(&status)) > 0)
		killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	printf("AER storm oom killed=%d\n", killed);

	umount("/tmp");
	write_sysfs("min_order", "9");
	sleep(4);
	end_free = free_kb();
	free_aerated = atol(sysfs("free_aerated_bytes", buf, sizeof(buf))) / 1024;
	printf("AER storm end free_kb=%ld start_free_kb=%ld free_aerated_kb=%ld bad=%d killed=%d\n",
	       end_free, start_free, free_aerated, bad, killed);
	print_counters();
}

static const char *cmdline_get(const char *cmd, const char *key, char *out,
			       size_t size)
{
	const char *p = strstr(cmd, key);
	size_t n;

	if (!p)
		return NULL;
	p += strlen(key);
	n = strcspn(p, " \n");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return out;
}

/* The Xen domain the lines are about, and whether we are that domU. */
static char xen_domid[16] = "0";
static bool domu;

/*
 * Run /xenaer (no shell in the initramfs: fork and exec), its stdout and
 * stderr in out.  Its exit status, or -1 if it did not run.
 */
static int xenaer(char *const argv[], char *out, size_t size)
{
	int pfd[2], status = -1;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	out[0] = 0;
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv("/xenaer", argv);
		_exit(127);
	}
	close(pfd[1]);
	while (pid > 0 && used + 1 < size &&
	       (n = read(pfd[0], out + used, size - 1 - used)) > 0)
		used += n;
	out[used] = 0;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Xen's view of the domain, from xenaer --json -d ID:
 * " xen_free_kib=N tot_kib=N".  A domU cannot ask Xen; dom0 fills in " @xen".
 */
static const char *xen_view(bool xen, char *buf, size_t size)
{
	char *const argv[] = { "xenaer", "--json", "-d", xen_domid, NULL };
	char out[512], *f, *t;

	buf[0] = 0;
	if (!xen)
		return buf;
	if (domu)
		return strncpy(buf, " @xen", size);
	xenaer(argv, out, sizeof(out));
	f = strstr(out, "\"free_kib\":");
	t = strstr(out, "\"tot_kib\":");
	out[strcspn(out, "\n")] = 0;
	if (f && t)
		snprintf(buf, size, " xen_free_kib=%lu tot_kib=%lu",
			 strtoul(f + 11, NULL, 10), strtoul(t + 10, NULL, 10));
	else
		snprintf(buf, size, " xenaer_error=\"%.60s\"", out);
	return buf;
}

/* xenaer's own output once, in the log: every domain, and a wrong -d. */
static void xenaer_log(void)
{
	static char *const all[] = { "xenaer", NULL };
	static char *const none[] = { "xenaer", "-d", "32000", NULL };
	char *const *argv[] = { all, none };
	char out[2048], *line, *save;
	size_t i;
	int rc;

	for (i = 0; i < 2; i++) {
		rc = xenaer(argv[i], out, sizeof(out));
		for (line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("AER xenaer| %s\n", line);
		printf("AER xenaer%s rc=%d\n", i ? " -d 32000" : "", rc);
	}
}

/*
 * Write a pattern unique to each word's address, read it back, and print
 * Xen's view while the memory is still in use ("AER sample").
 */
static long pattern_check(size_t len, bool xen)
{
	char xv[96];
	unsigned long *mem, i, n = len / sizeof(*mem), bad = 0;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	for (i = 0; i < n; i++)
		mem[i] = i * 0x9e3779b97f4a7c15UL ^ (unsigned long)&mem[i];
	for (i = 0; i < n; i++)
		bad += mem[i] != (i * 0x9e3779b97f4a7c15UL ^ (unsigned long)&mem[i]);
	if (xen) {
		printf("AER sample%s\n", xen_view(xen, xv, sizeof(xv)));
		/* dom0 asks Xen when it reads the line: keep the memory till then. */
		if (domu)
			sleep(1);
	}
	munmap(mem, len);
	return (long)bad;
}

/* Unbind or bind the virtio_balloon driver: the device's remove/probe. */
static void balloon_driver(const char *op)
{
	static char dev[64];
	const char *drv = "/sys/bus/virtio/drivers/virtio_balloon";
	char path[128], buf[64];
	struct dirent *d;
	DIR *dir;
	int fd;

	if (!dev[0] && (dir = opendir(drv))) {
		while ((d = readdir(dir)))
			if (!strncmp(d->d_name, "virtio", 6))
				snprintf(dev, sizeof(dev), "%.60s", d->d_name);
		closedir(dir);
	}
	snprintf(path, sizeof(path), "%s/%s", drv, op);
	fd = open(path, O_WRONLY);
	if (!dev[0] || fd < 0 || write(fd, dev, strlen(dev)) < 0)
		printf("AER error cannot %s '%s'\n", op, dev);
	if (fd >= 0)
		close(fd);
	printf("AER %s device=%s backend=%s\n", op, dev,
	       sysfs("backend", buf, sizeof(buf)));
}

/*
 * aer.unplug=1: the host sends QMP device_del for the balloon after the free.
 * Stay up until the guest has removed the device (a debug kernel takes its
 * time) so the host sees QEMU finish the eject, then 3 s more.
 */
static void wait_unplug(void)
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
	printf("AER unplug balloon_gone=%d waited_s=%.1f\n", !there, now() - t0);
	fflush(stdout);
	/*
	 * The driver goes before the ACPI eject reaches QEMU; on a KASAN
	 * kernel that took over 3 s.  Stay up while the host asks QEMU.
	 */
	sleep(10);
}

/* aer.settle=: seconds touch-free waits after boot; the bench waits longer. */
static unsigned int settle_s = 3;

static void touch_free(long mib, bool xen, bool unbind, bool reuse)
{
	char xv[96], buf[32], buf2[32];
	double held_s = -1;
	long bad;
	size_t len = (size_t)mib << 20;
	long start_free, touched_free;
	double t0;
	char *mem;
	size_t off;
	int i;

	/* The trace buffers first, so that the baseline includes them. */
	trace_on();
	/* Let boot-time reporting settle so the baseline is quiet. */
	sleep(settle_s);
	start_free = free_kb();
	printf("AER start free_kb=%ld%s\n", start_free,
	       xen_view(xen, xv, sizeof(xv)));
	print_counters();

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		printf("AER error mmap %ld MiB failed\n", mib);
		return;
	}
	t0 = now();
	for (off = 0; off < len; off += 4096)
		mem[off] = (char)(off >> 12) | 1;
	touched_free = meminfo_kb("MemFree");
	printf("AER touched mib=%ld seconds=%.1f memfree_kb=%ld%s\n", mib,
	       now() - t0, touched_free, xen_view(xen, xv, sizeof(xv)));
	fflush(stdout);
	sleep(2);	/* the host samples its RSS with the memory in use */

	trace_clear();		/* the "end" summary counts from the free */
	munmap(mem, len);
	t0 = now();
	printf("AER freed\n");
	fflush(stdout);
	if (unbind) {
		usleep(300000);
		balloon_driver("unbind");
		sleep(1);
		balloon_driver("bind");
	}
	for (i = 1; i <= 40; i++) {
		usleep(500000);
		printf("AER t=%.1f memfree_kb=%ld free_aerated_bytes=%s%s\n",
		       now() - t0, meminfo_kb("MemFree"),
		       sysfs("free_aerated_bytes", buf, sizeof(buf)),
		       xen_view(xen, xv, sizeof(xv)));
		fflush(stdout);
	}
	printf("AER end free_kb=%ld start_free_kb=%ld%s\n",
	       free_kb(), start_free, xen_view(xen, xv, sizeof(xv)));
	print_counters();
	trace_summary("end");
	if (!xen && !reuse)
		return;

	/* Reuse: every frame must come back (Xen) or refault, contents intact. */
	t0 = now();
	bad = pattern_check(len, xen);
	printf("AER reuse mib=%ld bad_words=%ld seconds=%.1f memfree_kb=%ld\n",
	       mib, bad, now() - t0, meminfo_kb("MemFree"));
	print_counters();
	trace_summary("reuse");
	print_klog();
	if (!xen || !strcmp(sysfs("backend", buf, sizeof(buf)), "none"))
		return;

	/*
	 * Once more, with Xen "out of memory" for every 3rd reclaim: those
	 * blocks must be held, never handed out, and come back afterwards.
	 */
	sleep(4);	/* the memory just freed is aerated again */
	trace_fail_only();
	inject("4", "3");
	t0 = now();
	bad = pattern_check(len, xen);
	printf("AER inject mib=%ld bad_words=%ld seconds=%.1f held_blocks=%s injected_failures=%s\n",
	       mib, bad, now() - t0, sysfs("held_blocks", buf, sizeof(buf)),
	       sysfs("injected_failures", buf2, sizeof(buf2)));
	inject("0", "0");
	/*
	 * Held blocks come back within AER_HELD_RETRY_MS or so; MemFree
	 * lags while the per-cpu free lists shrink back (vmstat decay).
	 */
	t0 = now();
	for (i = 0; i < 80; i++) {
		if (held_s < 0 && !strcmp(sysfs("held_pages", buf, sizeof(buf)), "0"))
			held_s = now() - t0;
		if (held_s >= 0 && free_kb() >= start_free - 16384)
			break;
		usleep(250000);
	}
	printf("AER held-return seconds=%.1f held_pages=%s returned_blocks=%s free_kb=%ld start_free_kb=%ld\n",
	       held_s, sysfs("held_pages", buf, sizeof(buf)),
	       sysfs("returned_blocks", buf2, sizeof(buf2)),
	       free_kb(), start_free);
	print_counters();
	trace_summary("inject");
}

/* ---- domu: dom0 runs the Xen test in a PV domU and relays its console ---- */

#define XEN_BIN "/usr/lib/xen-4.17/bin/"
#define DOMU_LOG "/var/log/xen/console/guest-aerdomu.log"

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * Run a Xen tool to the end and put its output in the log; the last line
 * in last.  Not through a pipe: xl create leaves a child that watches the
 * domain and would hold the pipe open until the domain is gone.
 */
static int xen_tool(char *const argv[], char *last, size_t size)
{
	static const char log[] = "/var/log/xen/tool.log";
	char line[512];
	int status = -1, fd;
	pid_t pid = fork();
	FILE *f;

	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	f = fopen(log, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		printf("AER xl| %s\n", line);
		snprintf(last, size, "%s", line);
	}
	if (f)
		fclose(f);
	printf("AER xl %s rc=%d\n", strrchr(argv[0], '/') + 1,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One line of the domU's console: AER lines with Xen's view, others marked. */
static void relay_line(char *l, double *t_freed, double *lag)
{
	char xv[96];
	size_t n = strlen(l);
	double gt;

	if (strncmp(l, "AER ", 4)) {
		printf("domU| %s\n", l);
		return;
	}
	if (n >= 5 && !strcmp(l + n - 5, " @xen")) {
		l[n - 5] = 0;
		printf("%s%s\n", l, xen_view(true, xv, sizeof(xv)));
	} else {
		printf("%s\n", l);
	}
	if (!strcmp(l, "AER freed"))
		*t_freed = now();
	/* How much later than the domU's clock dom0 asked Xen. */
	if (sscanf(l, "AER t=%lf", &gt) == 1 && *t_freed > 0 &&
	    now() - *t_freed - gt > *lag)
		*lag = now() - *t_freed - gt;
}

static void xen_host(const char *cmd, const char *mib)
{
	static char *const xenstored[] = { XEN_BIN "xenstored", "-N", NULL };
	static char *const init_dom0[] = { XEN_BIN "xen-init-dom0", NULL };
	static char *const consoled[] = {
		XEN_BIN "xenconsoled", "-i", "--log=guest",
		"--log-dir=/var/log/xen/console", NULL };
	static char *const create[] = { XEN_BIN "xl", "create", "/etc/xen/aerdomu.cfg", NULL };
	static char *const domid[] = { XEN_BIN "xl", "domid", "aerdomu", NULL };
	static const char *const dirs[] = {
		"/dev/pts", "/var", "/var/run", "/var/run/xenstored", "/var/lib",
		"/var/lib/xenstored", "/var/lib/xen", "/var/log", "/var/log/xen",
		"/var/log/xen/console", "/var/run/xen", "/var/lock", "/run", "/etc",
		"/etc/xen",
	};
	char cfg[1024], aer[16] = "xen", buf[4096], out[512];
	double t0, t_freed = 0, lag = 0;
	size_t used = 0, i;
	bool done = false;
	ssize_t n;
	int fd = -1;
	FILE *f;

	mount("xenfs", "/proc/xen", "xenfs", 0, NULL);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir(dirs[i], 0755);
	/* xenconsoled gives each domU console a pty */
	mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666");
	cmdline_get(cmd, "aer.domu_aeration=", aer, sizeof(aer));
	snprintf(cfg, sizeof(cfg),
		 "name = \"aerdomu\"\ntype = \"pv\"\nkernel = \"/domu/bzImage\"\n"
		 "ramdisk = \"/domu/initramfs.cpio.gz\"\nmemory = %ld\nvcpus = 2\n"
		 "on_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n"
		 "extra = \"console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=%s aer.mode=xen aer.domu=1 aer.mib=%s\"\n",
		 atol(mib) * 2, aer, mib);
	f = fopen("/etc/xen/aerdomu.cfg", "w");
	if (!f || fputs(cfg, f) < 0 || fclose(f)) {
		printf("AER error cannot write /etc/xen/aerdomu.cfg\n");
		return;
	}
	f = fopen("/etc/xen/xl.conf", "w");	/* xl warns without one */
	if (f)
		fclose(f);

	spawn(xenstored);
	for (i = 0; i < 100 && access("/var/run/xenstored/socket", F_OK); i++)
		usleep(100000);
	xen_tool(init_dom0, out, sizeof(out));
	spawn(consoled);
	if (xen_tool(create, out, sizeof(out)))
		return;
	xen_tool(domid, out, sizeof(out));
	snprintf(xen_domid, sizeof(xen_domid), "%ld", atol(out));
	printf("AER domu domid=%s aeration=%s\n", xen_domid, aer);
	xenaer_log();

	/* xenconsoled appends the domU's console to its log: follow it. */
	for (t0 = now(); !done && now() - t0 < 600; usleep(50000)) {
		if (fd < 0)
			fd = open(DOMU_LOG, O_RDONLY);
		if (fd < 0)
			continue;
		while ((n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0) {
			char *p, *nl;

			used += n;
			buf[used] = 0;
			for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
				*nl = 0;
				p[strcspn(p, "\r")] = 0;
				relay_line(p, &t_freed, &lag);
				done |= !strcmp(p, "AER done");
			}
			used -= p - buf;
			memmove(buf, p, used);
			if (used == sizeof(buf) - 1)
				used = 0;	/* a line longer than the buffer */
		}
	}
	printf("AER relay seconds=%.1f max_lag_s=%.2f domu_done=%d\n",
	       now() - t0, lag, done);
}

int main(void)
{
	char cmd[1024] = "", mode[32] = "idle", mib[16] = "1024", arg[16];
	int fd;
	ssize_t n;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, cmd, sizeof(cmd) - 1);
		cmd[n > 0 ? n : 0] = 0;
		close(fd);
	}
	cmdline_get(cmd, "aer.mode=", mode, sizeof(mode));
	cmdline_get(cmd, "aer.mib=", mib, sizeof(mib));
	/* Tunables for benchmarks: aer.adaptive=0 aer.delay=250 */
	if (cmdline_get(cmd, "aer.adaptive=", arg, sizeof(arg)))
		write_sysfs("adaptive", arg);
	if (cmdline_get(cmd, "aer.delay=", arg, sizeof(arg)))
		write_sysfs("delay_ms", arg);
	if (cmdline_get(cmd, "aer.min_order=", arg, sizeof(arg)))
		write_sysfs("min_order", arg);
	if (cmdline_get(cmd, "aer.settle=", arg, sizeof(arg)))
		settle_s = atoi(arg);

	domu = cmdline_get(cmd, "aer.domu=", arg, sizeof(arg)) && !strcmp(arg, "1");

	printf("AER init mode=%s%s\n", mode, domu ? " (a Xen domU)" : "");
	if (!strcmp(mode, "xen") && !domu)
		xenaer_log();
	if (!strcmp(mode, "touch-free") || !strcmp(mode, "xen") ||
	    !strcmp(mode, "unbind") || !strcmp(mode, "hyperv")) {
		touch_free(atol(mib), !strcmp(mode, "xen"), !strcmp(mode, "unbind"),
			   !strcmp(mode, "hyperv"));
		if (cmdline_get(cmd, "aer.unplug=", arg, sizeof(arg)) &&
		    !strcmp(arg, "1"))
			wait_unplug();
	} else if (!strcmp(mode, "inputs"))
		inputs();
	else if (!strcmp(mode, "storm"))
		storm(atof(cmdline_get(cmd, "aer.secs=", arg, sizeof(arg)) ?: "20"));
	else if (!strcmp(mode, "pf1"))
		pf1(atof(cmdline_get(cmd, "aer.secs=", arg, sizeof(arg)) ?: "10"));
	else if (!strcmp(mode, "domu"))
		xen_host(cmd, mib);
	else if (!strcmp(mode, "churn"))
		churn(atol(mib),
		      atol(cmdline_get(cmd, "aer.rounds=", arg, sizeof(arg)) ?: "6"),
		      atol(cmdline_get(cmd, "aer.interval=", arg, sizeof(arg)) ?: "1000"));
	else
		print_counters();
	/* dom0 relayed the domU's own "AER done"; it must not stand in for it. */
	if (strcmp(mode, "domu"))
		printf("AER done\n");
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
