// SPDX-License-Identifier: GPL-2.0
/*
 * Booting a test guest and following it: the QEMU command line (Xen as a
 * multiboot kernel with the dom0 kernel and initramfs as modules), the
 * console pump, the RSS sampler, and the verdicts every guest gets.
 * --replay FILE feeds a recorded console through the same pump instead
 * of a guest, so the judges can be tested against transcripts:
 * "@rss KIB" lines are RSS samples, "@timeout" ends as a timeout would,
 * "@exit N" as QEMU exiting with N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

/* Guests' errors unthrottled: a dom0's triple fault must reach the log. */
#define XEN_CONSOLE		"console=com1 com1=115200,8n1 guest_loglvl=error "
#define XEN_CMDLINE		XEN_CONSOLE "dom0_mem=1024M,max:1024M"
/* xen-domu: a smaller dom0, the rest of the 2 GiB for the domU */
#define XEN_CMDLINE_DOMU	XEN_CONSOLE "dom0_mem=512M,max:512M"
/*
 * xen-pvh: a PVH dom0 needs an IOMMU, and TCG's SVM with nested paging
 * runs it on this CPU model only (DESIGN.md: -cpu max lacks NRIP save).
 */
#define XEN_CMDLINE_PVH		XEN_CMDLINE " dom0=pvh iommu=1"
#define XEN_CPU_PVH		"qemu64,vendor=AuthenticAMD,+svm,+npt"

struct opts opt = {
	.qemu = "qemu-system-x86_64", .hvhost = "out/hvhost",
	.outdir = "out/bench", .part = "fast,reclaim,churn,scale,locks",
	.intervals = "500,1000,2000,3000", .repeat = 2, .mib = 1024,
};

static int passed, failed;

void verdict(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* The tier's one summary line, the format every tier prints. */
int summary(void)
{
	printf("%s: %d passed, %d failed, 0 skipped\n", opt.tier, passed, failed);
	return failed ? 1 : 0;
}

/* VmRSS of @pid in KiB, or -1. */
static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

/* minflt + majflt of the QEMU process, from /proc/PID/stat. */
long qemu_faults(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long minflt = 0, majflt = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %lu",
			 &minflt, &majflt) != 2)
		return -1;
	return (long)(minflt + majflt);
}

/*
 * A counter of the host's /proc/vmstat, or -1.  thp_fault_alloc: QEMU asks
 * for huge pages on guest RAM (and on TCG's code buffer, a few 2 MiB
 * ranges as it grows), so during a run with no other guest these are
 * mostly the faults on guest RAM, 2 MiB each: the refaults a report causes,
 * without TCG's own small faults.  thp_fault_fallback: huge faults that
 * fell back to 4 KiB pages, which the first does not count.
 */
long host_vmstat(const char *name)
{
	char line[128], key[64];
	long v, n = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &v) == 2 && !strcmp(key, name)) {
			n = v;
			break;
		}
	fclose(f);
	return n;
}

const char *accel(void)
{
	const char *env = getenv("AER_ACCEL");

	return env && *env ? env : "tcg";
}

/* Why not KVM here: say what /dev/kvm is. */
void print_accel(void)
{
	bool pvm = !access("/sys/module/kvm_pvm", F_OK);

	printf("accelerator: %s%s\n", accel(),
	       strcmp(accel(), "tcg") ? "" :
	       pvm ? " (/dev/kvm is KVM-PVM here: ordinary guests cannot run on it)" :
	       access("/dev/kvm", R_OK) ? " (no /dev/kvm)" :
	       " (AER_ACCEL=kvm would use /dev/kvm)");
}

static const char *strip_timestamp(const char *l)
{
	if (l[0] == '[') {
		const char *e = strchr(l, ']');

		if (e)
			return e[1] == ' ' ? e + 2 : e + 1;
	}
	return l;
}

static void check_trouble(struct guest *g, const char *l)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Kernel panic", "Oops:", "general protection",
		"KASAN", "UBSAN", "possible circular locking", "bad page",
		"kernel BUG", "Dom0 crashed", "Panic on CPU",
		"memory corruption",	/* page_poison=1 found a page changed */
		/*
		 * Xen ends the machine after a dom0 triple fault (with a vCPU
		 * dump) as after a clean end, and crashes a domain with
		 * "crashed on cpu#"; QEMU's own triple fault: qemu_log().
		 */
		"Triple fault", "*** Dumping Dom", "domain_crash", "crashed on cpu#",
	};
	size_t i;

	/* Xen's own notice at every PVH dom0 boot: no trouble of ours. */
	if (strstr(l, "(XEN) WARNING: PVH is an experimental mode"))
		return;
	/* The report that follows the first trouble line, for whoever debugs it. */
	if (g->kernel_trouble && g->trouble_lines < 80) {
		g->trouble_lines++;
		printf("trouble| %s\n", l);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(l, bad[i]) && !g->kernel_trouble) {
			g->kernel_trouble = true;
			snprintf(g->trouble, sizeof(g->trouble), "%.200s", l);
			printf("trouble| %s\n", l);
		}
}

/* One console line: the generic checks, then the tier's judge. */
static void guest_line(struct guest *g, char *line)
{
	size_t n = strlen(line);
	const char *l;

	/* Xen's console ends lines with "\r\r\n": no field may keep a '\r'. */
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = 0;
	l = strip_timestamp(line);
	if (getenv("AER_VERBOSE"))	/* copy the console */
		printf("guest| %s\n", l);
	check_trouble(g, l);
	if (aer_is(l, AER_ERROR) && !g->errors++)
		snprintf(g->error, sizeof(g->error), "%.190s", l);
	if (!strncmp(l, "AER ", 4) &&
	    (aer_is(l, AER_ERROR) || g->echo > 1 || (g->echo && !aer_is(l, AER_TICK))))
		printf("guest| %s\n", l);
	if (aer_is(l, AER_DONE))
		g->done = true;
	if (g->line)
		g->line(g, l);
}

/* The console pump: lines from @fd until EOF or the timeout. */
static bool pump(struct guest *g, int fd, pid_t pid)
{
	double start = now(), last_sample = 0;
	char buf[4096];
	size_t used = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 20);
		ssize_t n;

		if (pid > 0 && now() - last_sample >= 0.1) {
			long kb = rss_kb(pid);

			last_sample = now();
			if (kb >= 0 && g->sample)
				g->sample(g, kb);
		}
		if (now() - start > GUEST_TIMEOUT_S) {
			printf("host: guest timed out after %d s\n", GUEST_TIMEOUT_S);
			return false;
		}
		if (r <= 0)
			continue;
		n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			return true;
		used += n;
		buf[used] = 0;
		for (;;) {
			char *nl = strchr(buf, '\n');

			if (!nl) {
				if (used == sizeof(buf) - 1)
					used = 0;	/* overlong line: drop */
				break;
			}
			*nl = 0;
			guest_line(g, buf);
			used -= nl + 1 - buf;
			memmove(buf, nl + 1, used + 1);
		}
		fflush(stdout);
	}
}

/* --replay: a transcript instead of a guest (see the top of this file). */
static void replay(struct guest *g)
{
	char line[4096];
	FILE *f = fopen(opt.replay, "r");
	long v;

	g->end = GUEST_OK;
	if (!f) {
		printf("host: cannot read %s: %s\n", opt.replay, strerror(errno));
		g->end = GUEST_FAILED;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "@rss %ld", &v) == 1) {
			if (g->sample)
				g->sample(g, v);
		} else if (!strcmp(line, "@timeout")) {
			printf("host: guest timed out (replayed)\n");
			g->end = GUEST_TIMEOUT;
			break;
		} else if (sscanf(line, "@exit %ld", &v) == 1) {
			g->end = v ? GUEST_FAILED : GUEST_OK;
			break;
		} else {
			guest_line(g, line);
		}
	}
	fclose(f);
}

/* Xen's multiboot modules: "dom0-kernel args,initrd", a "," in args is ",,". */
static void xen_modules(const struct guest *g, char *out, size_t size)
{
	const char *c;
	char *o = out;

	o += snprintf(o, size, "%s ", opt.kernel);
	for (c = g->append; *c && o < out + size - 600; c++) {
		*o++ = *c;
		if (*c == ',')
			*o++ = ',';
	}
	snprintf(o, 512, ",%s", opt.initrd);
}

/*
 * QEMU's -d cpu_reset log: a register dump at every CPU reset, and
 * "Triple fault" before the reset a triple fault causes (x86; an L2
 * guest's goes to Xen instead).  Kept apart from the console, whose lines
 * its dumps would split; judged by the console's list of trouble.
 */
static void qemu_log(struct guest *g, const char *path)
{
	FILE *f = fopen(path, "r");
	char l[256];

	if (!f)
		return;
	while (fgets(l, sizeof(l), f)) {
		l[strcspn(l, "\n")] = 0;
		check_trouble(g, l);
	}
	fclose(f);
	unlink(path);
}

void run_guest(struct guest *g)
{
	const char *xen_cmdline = opt.domu ? XEN_CMDLINE_DOMU :
				  opt.pvh ? XEN_CMDLINE_PVH : XEN_CMDLINE;
	/* Xen's dom0 dies at once under TCG with SMAP (DESIGN.md). */
	const char *cpu = !g->xen ? "max" : opt.pvh ? XEN_CPU_PVH : "max,-smap";
	bool q35 = g->xen && opt.pvh && !opt.domu;	/* a PVH dom0 */
	const char *dev = g->balloon_dev ? g->balloon_dev :
			  g->balloon ? "virtio-balloon-pci,free-page-reporting=on" : NULL;
	static char append[1024], xen_append[512], arm_append[1024];
	char modules[1536], acc[64], mem[24], qlog[64];
	const char *c;
	const char *argv[64];
	int argc = 0, first_extra, i, pfd[2], status;
	pid_t pid;

	if (opt.replay) {
		replay(g);
		return;
	}
	/* AER_APPEND, AER_XEN_APPEND: more parameters, for an experiment by hand. */
	if (getenv("AER_APPEND")) {
		snprintf(append, sizeof(append), "%s %s", g->append, getenv("AER_APPEND"));
		g->append = append;
		printf("host: AER_APPEND=\"%s\" added to the kernel command line\n",
		       getenv("AER_APPEND"));
	}
	if (opt.arm64 && (c = strstr(g->append, "console=ttyS0"))) {
		snprintf(arm_append, sizeof(arm_append), "%.*sconsole=ttyAMA0%s",
			 (int)(c - g->append), g->append, c + strlen("console=ttyS0"));
		g->append = arm_append;
	}
	if (g->xen && getenv("AER_XEN_APPEND")) {
		snprintf(xen_append, sizeof(xen_append), "%s %s", xen_cmdline,
			 getenv("AER_XEN_APPEND"));
		xen_cmdline = xen_append;
	}
	snprintf(acc, sizeof(acc), "%s", accel());
	argv[argc++] = opt.qemu;
	argv[argc++] = "-accel";
	argv[argc++] = acc;
	argv[argc++] = "-cpu";
	argv[argc++] = cpu;
	if (q35) {
		argv[argc++] = "-machine";
		argv[argc++] = "q35";
		argv[argc++] = "-device";
		argv[argc++] = "amd-iommu";
	}
	if (opt.arm64) {	/* the virt machine, its PL011 console */
		argv[argc++] = "-machine";
		argv[argc++] = "virt";
	}
	snprintf(mem, sizeof(mem), "%ldM", g->mem_mib ? g->mem_mib : 2048);
	argv[argc++] = "-m";
	argv[argc++] = mem;
	argv[argc++] = "-smp";
	argv[argc++] = "2";
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-serial";
	argv[argc++] = "stdio";
	argv[argc++] = "-no-reboot";
	/* A triple fault of Xen or a kernel resets the machine: logged here. */
	snprintf(qlog, sizeof(qlog), "/tmp/aer-qemu-%d.log", (int)getpid());
	unlink(qlog);
	argv[argc++] = "-d";
	argv[argc++] = "cpu_reset";
	argv[argc++] = "-D";
	argv[argc++] = qlog;
	argv[argc++] = "-kernel";
	if (g->xen) {
		xen_modules(g, modules, sizeof(modules));
		argv[argc++] = g->xen;
		argv[argc++] = "-append";
		argv[argc++] = xen_cmdline;
		argv[argc++] = "-initrd";
		argv[argc++] = modules;
	} else {
		argv[argc++] = g->kernel ? g->kernel : opt.kernel;
		argv[argc++] = "-initrd";
		argv[argc++] = opt.initrd;
		argv[argc++] = "-append";
		argv[argc++] = g->append;
	}
	if (dev) {
		argv[argc++] = "-device";
		argv[argc++] = dev;
	}
	first_extra = argc;
	for (i = 0; g->extra && g->extra[i] && argc < 62; i++)
		argv[argc++] = g->extra[i];
	argv[argc] = NULL;

	if (g->xen)
		printf("host: %s -accel %s -cpu %s%s -m %s -smp 2 -kernel %s -append \"%s\" -initrd \"%s\"\n",
		       opt.qemu, acc, cpu, q35 ? " -machine q35 -device amd-iommu" : "", mem,
		       g->xen, xen_cmdline, modules);
	else
		printf("host: %s -accel %s -cpu %s%s -m %s -smp 2 -kernel %s -device %s -append \"%s\"\n",
		       opt.qemu, acc, cpu, opt.arm64 ? " -machine virt" : "", mem,
		       g->kernel ? g->kernel : opt.kernel,
		       dev ? dev : "(none)", g->append);
	for (i = first_extra; i < argc; i++)	/* the extra arguments */
		printf("%s %s%s", i == first_extra ? "host: and" : "", argv[i],
		       i == argc - 1 ? "\n" : "");
	fflush(stdout);

	g->end = GUEST_FAILED;
	if (pipe(pfd))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execvp(opt.qemu, (char **)argv);
		fprintf(stderr, "host: cannot run %s: %s\n", opt.qemu, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	g->pid = pid;
	if (!pump(g, pfd[0], pid)) {
		kill(pid, SIGKILL);
		g->end = GUEST_TIMEOUT;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (g->end != GUEST_TIMEOUT)
		g->end = WIFEXITED(status) && !WEXITSTATUS(status) ? GUEST_OK : GUEST_FAILED;
	if (g->end == GUEST_FAILED)
		printf("host: QEMU ended with status %d\n", status);
	qemu_log(g, qlog);
}

bool guest_verdicts(const char *who, const struct guest *g)
{
	static const char *const ends[] = {
		[GUEST_OK] = "QEMU exited cleanly", [GUEST_FAILED] = "QEMU FAILED",
		[GUEST_TIMEOUT] = "TIMED OUT",
	};
	bool ran = g->end == GUEST_OK && g->done;

	verdict(ran, "%s: guest ran to its end (%s, %s)", who, ends[g->end],
		g->done ? "AER done" : "no AER done");
	verdict(!g->errors, "%s: no AER error line from the guest (%d%s%s)", who,
		g->errors, g->errors ? ", first: " : "", g->error);
	verdict(!g->kernel_trouble, "%s: no BUG/WARNING/panic in the guest log%s%s",
		who, g->kernel_trouble ? ": " : "", g->trouble);
	return ran && !g->errors && !g->kernel_trouble;
}
