// SPDX-License-Identifier: GPL-2.0
/*
 * The other modes of the test guest:
 *   inputs  print the parsed policy and the kernel's aeration messages,
 *           then write bad values to the sysfs tunables
 *   order   page_reporting.page_reporting_order= at boot and at run time
 *   pf1     will-it-scale page_fault1: one task per CPU maps 128 MiB,
 *           touches every page, unmaps, for aer.secs seconds; pages/s
 *   churn   aer.rounds times: touch aer.mib MiB, free it, sleep
 *           aer.interval ms; prints the time spent touching
 *   storm   the engine flat out (min_order 0, no delay) while tasks
 *           allocate and free at every order (anonymous, THP, tmpfs),
 *           then memory pressure up to the OOM killer; afterwards MemFree
 *           and the counters must add up
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

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
	printf(AER_WRITE " file=%s errno=%d want=%d before=%s after=%s result=%s value='%.20s%s'\n",
	       file, err, want, before, after,
	       err == want && !strcmp(before, after) ? "ok" : "BAD",
	       shown, strlen(val) > 20 ? "..." : "");
}

bool inputs(void)
{
	static char huge[5000];
	char buf[64];

	printf(AER_INPUTS " policy=%s backend=%s\n", sysfs("policy", buf, sizeof(buf)),
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
	return true;
}

#define ORDER_PARAM "/sys/module/page_reporting/parameters/page_reporting_order"

/* The parameter's value, or "-" if it is not there. */
static const char *order_param(char *buf, size_t size)
{
	FILE *f = fopen(ORDER_PARAM, "r");

	if (!f || !fgets(buf, size, f))
		snprintf(buf, size, "-");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/*
 * page_reporting.page_reporting_order=, upstream's parameter: the engine's
 * min_order at boot; then 11 written (must fail), 10 written, memory freed
 * so that a pass runs, and the min_order that pass took.
 */
bool order(void)
{
	size_t len = 64UL << 20;
	char a[16], b[16];
	int fd, bad_errno = 0, i;
	char *p;

	for (i = 0; i < 100 && strcmp(sysfs("backend", a, sizeof(a)), "virtio"); i++)
		usleep(100000);
	printf(AER_ORDER " at=boot param=%s min_order=%s\n",
	       order_param(a, sizeof(a)), sysfs("min_order", b, sizeof(b)));
	fd = open(ORDER_PARAM, O_WRONLY);
	if (fd >= 0 && write(fd, "11", 2) < 0)
		bad_errno = errno;
	if (fd >= 0)
		close(fd);
	if (!write_file(ORDER_PARAM, "10"))
		return false;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf(AER_ERROR " mmap: %s\n", strerror(errno));
		return false;
	}
	memset(p, 1, len);
	munmap(p, len);
	sleep(5);	/* the first pass after a free waits 2 s */
	printf(AER_ORDER " at=run param=%s min_order=%s bad_errno=%d\n",
	       order_param(a, sizeof(a)), sysfs("min_order", b, sizeof(b)), bad_errno);
	return true;
}

/* page_fault1: each task faults 128 MiB in and out until time is up. */
bool pf1(double secs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, thp_kb, got = 0;
	size_t len = 128UL << 20;
	double total = 0;
	int pfd[2];

	sleep(2);
	if (pipe(pfd))
		return false;
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

		if (read(pfd[0], &rate, sizeof(rate)) == sizeof(rate)) {
			total += rate;
			got++;
		}
		wait(NULL);
	}
	printf(AER_PF1 " tasks=%ld seconds=%.0f pages_per_s=%.0f anon_huge_kb_midway=%ld\n",
	       ncpu, secs, total, thp_kb);
	if (got < ncpu)
		printf(AER_ERROR " pf1: %ld of %ld tasks reported\n", got, ncpu);
	return got == ncpu;
}

/* Free and reallocate at an interval: the cost of reporting too early. */
bool churn(long mib, long rounds, long interval_ms)
{
	size_t len = (size_t)mib << 20;
	double busy = 0;
	long r;

	sleep(3);
	printf(AER_CHURN_START "\n");
	fflush(stdout);
	for (r = 0; r < rounds; r++) {
		double t0 = now();
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t off;

		if (m == MAP_FAILED) {
			printf(AER_ERROR " churn: mmap %ld MiB failed\n", mib);
			return false;
		}
		for (off = 0; off < len; off += 4096)
			m[off] = 1;
		munmap(m, len);
		busy += now() - t0;
		usleep(interval_ms * 1000);
	}
	printf(AER_CHURN " mib=%ld rounds=%ld interval_ms=%ld busy_s=%.2f\n",
	       mib, rounds, interval_ms, busy);
	print_counters();
	return true;
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
				/* Not silently: the page cache part must run. */
				printf(AER_ERROR " storm: task %d cannot make %s: %s\n",
				       id, path, strerror(errno));
				_exit(3);
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
				printf(AER_ERROR " storm: corruption in task %d\n", id);
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

bool storm(double secs)
{
	long start_free, end_free, free_aerated;
	int i, status, killed = 0, bad = 0;
	char buf[64];
	pid_t pid;

	/* The initramfs has no /tmp; without it the page cache part never ran. */
	mkdir("/tmp", 0755);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=512m")) {
		printf(AER_ERROR " storm: cannot mount tmpfs on /tmp\n");
		return false;
	}
	if (!write_sysfs("min_order", "0") || !write_sysfs("adaptive", "0") ||
	    !write_sysfs("delay_ms", "0"))
		return false;
	sleep(2);
	start_free = free_kb();
	printf(AER_STORM_START " free_kb=%ld\n", start_free);
	for (i = 0; i < 4; i++)
		if (fork() == 0)
			storm_task(i, now() + secs);
	while ((pid = wait(&status)) > 0)
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
	print_counters();

	/* Pressure: two tasks race for all memory until the OOM killer. */
	for (i = 0; i < 2; i++)
		if (fork() == 0)
			oom_task();
	while ((pid = wait(&status)) > 0)
		killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;

	umount("/tmp");
	if (!write_sysfs("min_order", "9"))
		return false;
	sleep(4);
	end_free = free_kb();
	free_aerated = atol(sysfs("free_aerated_bytes", buf, sizeof(buf))) / 1024;
	printf(AER_STORM_END " free_kb=%ld start_free_kb=%ld free_aerated_kb=%ld bad=%d killed=%d\n",
	       end_free, start_free, free_aerated, bad, killed);
	print_counters();
	return true;
}
