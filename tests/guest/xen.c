// SPDX-License-Identifier: GPL-2.0
/*
 * Xen in the test guest: Xen's view of a domain from /xenaer (libxenctrl,
 * static), and the domu mode, in which this kernel is a Xen dom0 that
 * starts xenstored and xenconsoled, creates a PV or PVH domU with xl (this
 * kernel, this initramfs, aer.mode=xen aer.domu=1) and relays the domU's
 * console, filling in Xen's view of the domU where a line says " @xen".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define XEN_BIN "/usr/lib/xen-4.17/bin/"
#define DOMU_LOG "/var/log/xen/console/guest-aerdomu.log"

/* The Xen domain the lines are about, and whether we are that domU. */
static char xen_domid[16] = "0";
bool domu;

/*
 * Run /xenaer, or another program of the initramfs (no shell there: fork
 * and exec), its stdout and stderr in out.  Its exit status, or -1 if it
 * did not run.
 */
static int run_prog(const char *path, char *const argv[], char *out, size_t size)
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
		execv(path, argv);
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

static int xenaer(char *const argv[], char *out, size_t size)
{
	return run_prog("/xenaer", argv, out, size);
}

/*
 * Xen's view of the domain, from xenaer --json -d ID:
 * " xen_free_kib=N tot_kib=N".  A domU cannot ask Xen; dom0 fills in " @xen".
 */
const char *xen_view(bool xen, char *buf, size_t size)
{
	char *const argv[] = { "xenaer", "--json", "-d", xen_domid, NULL };
	char out[512], *f, *t;

	buf[0] = 0;
	if (!xen)
		return buf;
	if (domu)
		return strncpy(buf, AER_AT_XEN, size);
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
void xenaer_log(void)
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
			printf(AER_XENAER_OUT " %s\n", line);
		printf(AER_XENAER " rc=%d%s\n", rc, i ? " d=32000" : "");
	}
}

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
		printf(AER_XL_OUT " %s\n", line);
		snprintf(last, size, "%s", line);
	}
	if (f)
		fclose(f);
	printf(AER_XL " tool=%s rc=%d\n", strrchr(argv[0], '/') + 1,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One line of the domU's console: AER lines with Xen's view, others marked. */
static void relay_line(char *l, double *t_freed, double *lag)
{
	size_t n = strlen(l), at = strlen(AER_AT_XEN);
	char xv[96];
	double gt;

	if (strncmp(l, "AER ", 4)) {
		printf("domU| %s\n", l);
		return;
	}
	if (n >= at && !strcmp(l + n - at, AER_AT_XEN)) {
		l[n - at] = 0;
		printf("%s%s\n", l, xen_view(true, xv, sizeof(xv)));
	} else {
		printf("%s\n", l);
	}
	if (aer_is(l, AER_FREED))
		*t_freed = now();
	/* How much later than the domU's clock dom0 asked Xen. */
	if (aer_is(l, AER_TICK) && aer_double(l, "t", &gt) && *t_freed > 0 &&
	    now() - *t_freed - gt > *lag)
		*lag = now() - *t_freed - gt;
}

/* Xen's toolstack in this dom0: xenstored, xen-init-dom0, xenconsoled. */
static void xen_toolstack(void)
{
	static char *const xenstored[] = { XEN_BIN "xenstored", "-N", NULL };
	static char *const init_dom0[] = { XEN_BIN "xen-init-dom0", NULL };
	static char *const consoled[] = {
		XEN_BIN "xenconsoled", "-i", "--log=guest",
		"--log-dir=/var/log/xen/console", NULL };
	static const char *const dirs[] = {
		"/dev/pts", "/var", "/var/run", "/var/run/xenstored", "/var/lib",
		"/var/lib/xenstored", "/var/lib/xen", "/var/log", "/var/log/xen",
		"/var/log/xen/console", "/var/run/xen", "/var/lock", "/run", "/etc",
		"/etc/xen",
	};
	char out[512];
	size_t i;
	FILE *f;

	mount("xenfs", "/proc/xen", "xenfs", 0, NULL);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir(dirs[i], 0755);
	/* xenconsoled gives each domU console a pty */
	mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666");
	f = fopen("/etc/xen/xl.conf", "w");	/* xl warns without one */
	if (f)
		fclose(f);
	spawn(xenstored);
	for (i = 0; i < 100 && access("/var/run/xenstored/socket", F_OK); i++)
		usleep(100000);
	xen_tool(init_dom0, out, sizeof(out));
	spawn(consoled);
}

bool xen_host(long mib)
{
	static char *const create[] = { XEN_BIN "xl", "create", "/etc/xen/aerdomu.cfg", NULL };
	static char *const domid[] = { XEN_BIN "xl", "domid", "aerdomu", NULL };
	char cfg[1024], aer[16] = "xen", type[8] = "pv", mem[8] = "", buf[4096], out[512];
	double t0, t_freed = 0, lag = 0;
	size_t used = 0;
	bool done = false;
	ssize_t n;
	int fd = -1;
	FILE *f;

	xen_toolstack();	/* the daemons, and /etc/xen for the cfg */
	cmdline_get("aer.domu_aeration=", aer, sizeof(aer));
	cmdline_get("aer.domu_type=", type, sizeof(type));
	/*
	 * What Xen's frames must carry once back: the poison (page_poison=1),
	 * or zeros (init_on_free=1; unscrubbed, so they come back with data).
	 */
	cmdline_get("aer.domu_mem=", mem, sizeof(mem));
	/*
	 * 1 GiB at least: the initramfs (Xen's tools, this kernel) lives in
	 * RAM.  tsc_mode native: TCG's TSC is not invariant, so Xen would
	 * trap every RDTSC, which real hosts with an invariant TSC do not.
	 */
	snprintf(cfg, sizeof(cfg),
		 "name = \"aerdomu\"\ntype = \"%s\"\nkernel = \"/domu/bzImage\"\n"
		 "ramdisk = \"/domu/initramfs.cpio.gz\"\nmemory = %ld\nvcpus = 2\n"
		 "tsc_mode = \"native\"\n"
		 "on_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n"
		 "extra = \"console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=%s aer.mode=xen aer.domu=1 aer.mib=%ld%s\"\n",
		 type, mib < 512 ? 1024 : mib * 2, aer, mib,
		 !strcmp(mem, "poison") ? " page_poison=1" :
		 !strcmp(mem, "zero") ? " init_on_free=1 xen_scrub_pages=0" : "");
	f = fopen("/etc/xen/aerdomu.cfg", "w");
	if (!f || fputs(cfg, f) < 0 || fclose(f)) {
		printf(AER_ERROR " cannot write /etc/xen/aerdomu.cfg\n");
		return false;
	}
	if (xen_tool(create, out, sizeof(out))) {
		printf(AER_ERROR " xl create failed: %s\n", out);
		return false;
	}
	xen_tool(domid, out, sizeof(out));
	snprintf(xen_domid, sizeof(xen_domid), "%ld", atol(out));
	printf(AER_DOMU " domid=%s aeration=%s\n", xen_domid, aer);
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
				/* The domU's own "AER done" ends the relay, not the run. */
				if (aer_is(p, AER_DONE)) {
					done = true;
					printf("domU| %s\n", p);
					continue;
				}
				relay_line(p, &t_freed, &lag);
			}
			used -= p - buf;
			memmove(buf, p, used);
			if (used == sizeof(buf) - 1)
				used = 0;	/* a line longer than the buffer */
		}
	}
	printf(AER_RELAY " seconds=%.1f max_lag_s=%.2f domu_done=%d\n",
	       now() - t0, lag, done);
	if (!done)
		printf(AER_ERROR " the domU did not finish within 600 s\n");
	return done;
}

/* Xen's free memory, from xenaer, or -1. */
static long xen_free_kib(void)
{
	char xv[96];
	long kib = -1;

	aer_long(xen_view(true, xv, sizeof(xv)), "xen_free_kib", &kib);
	return kib;
}

/* Written over the freed memory; no page of another domain may show it. */
#define SCRUB_MARKER	0x6165726174696f6eULL	/* "aeration" */

/*
 * scrub mode (dom0, aeration=xen): fill @mib MiB with a marker, free it
 * and let aeration give it to Xen; then build a paused PVH domU on all but
 * 64 MiB of Xen's free memory, which so holds most of those frames, and
 * count the domU's pages that carry the marker (/xenscan maps each gfn;
 * PVH, so that gfns are what dom0 maps: a PV domU's would be machine
 * frames).
 * Xen hands a frame a live domain gave back to the next domain unscrubbed:
 * with xen_scrub_pages=1 the count must be 0.
 */
bool xen_scrub(long mib)
{
	static char *const create[] = { XEN_BIN "xl", "create", "-p", "/etc/xen/aerscan.cfg", NULL };
	static char *const domid[] = { XEN_BIN "xl", "domid", "aerscan", NULL };
	static char *const destroy[] = { XEN_BIN "xl", "destroy", "aerscan", NULL };
	size_t len = (size_t)mib << 20, i;
	char cfg[512], out[512], id[16], marker[24];
	char *const scan[] = { "xenscan", id, marker, NULL };
	long before_kib, after_kib, domu_mib;
	uint64_t *mem;
	FILE *f;
	int rc;

	settle();
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		printf(AER_ERROR " mmap %ld MiB for the marker failed\n", mib);
		return false;
	}
	for (i = 0; i < len / sizeof(*mem); i++)
		mem[i] = SCRUB_MARKER;
	before_kib = xen_free_kib();	/* the marked memory in use */
	munmap(mem, len);
	sleep(3);	/* the freed memory's first pass is 2 s away */
	settle();
	after_kib = xen_free_kib();
	printf(AER_SCRUB_FREED " mib=%ld xen_free_before_kib=%ld xen_free_kib=%ld\n",
	       mib, before_kib, after_kib);

	xen_toolstack();
	domu_mib = after_kib / 1024 - 64;
	snprintf(cfg, sizeof(cfg),
		 "name = \"aerscan\"\ntype = \"pvh\"\nkernel = \"/domu/bzImage\"\n"
		 "memory = %ld\nvcpus = 1\n", domu_mib);
	f = fopen("/etc/xen/aerscan.cfg", "w");
	if (domu_mib < mib || !f || fputs(cfg, f) < 0 || fclose(f)) {
		printf(AER_ERROR " no paused domU to scan (%ld MiB)\n", domu_mib);
		return false;
	}
	if (xen_tool(create, out, sizeof(out))) {
		printf(AER_ERROR " xl create -p failed: %s\n", out);
		return false;
	}
	xen_tool(domid, id, sizeof(id));
	snprintf(marker, sizeof(marker), "%llx", (unsigned long long)SCRUB_MARKER);
	rc = run_prog("/xenscan", scan, out, sizeof(out));
	out[strcspn(out, "\n")] = 0;
	printf(AER_SCRUB " domid=%s domu_mib=%ld rc=%d %s\n", id, domu_mib, rc, out);
	xen_tool(destroy, out, sizeof(out));
	return rc == 0;
}
