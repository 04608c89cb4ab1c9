// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM/QEMU host side: boots a test guest under QEMU, follows its
 * console, samples the QEMU process's VmRSS, and judges.
 *
 *   hostrun virtio --kernel bzImage --initrd initramfs.cpio.gz [--mib N]
 *       end to end: aeration=virtio must return >= 90% of N MiB to the
 *       host within 15 s of the free; aeration=off must not.
 *   hostrun kunit  --kernel ... --initrd ...   the KUnit suite at boot
 *   hostrun demo   --kernel ... --initrd ...   guest and host side by side
 *   hostrun rss PID [SECONDS]                   print a process's VmRSS
 *
 * Guests run under TCG: /dev/kvm on our machines is KVM-PVM, which cannot
 * run an ordinary guest (see ../shared/DESIGN.md).  AER_ACCEL overrides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"

#define RECLAIM_DEADLINE_S	15.0
#define RECLAIM_FRACTION	0.90
#define MEMFREE_TOLERANCE	0.02
#define GUEST_TIMEOUT_S		300
#define XEN_CMDLINE		"console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M"
/* xen-domu: a smaller dom0, the rest of the 2 GiB for the domU */
#define XEN_CMDLINE_DOMU	"console=com1 com1=115200,8n1 dom0_mem=512M,max:512M"

static const char *kernel, *initrd, *xen, *stock, *outdir = "out/bench";
static int repeat = 2;
static const char *part = "fast,reclaim,churn";	/* bench --part */
static const char *bench_intervals = "500,1000,2000,3000";	/* ms, at most 4 */
static const char *qemu = "qemu-system-x86_64";
static const char *hvhost = "out/hvhost";
static long mib = 1024;
static bool domu;	/* xen-domu: the test runs in a PV domU, dom0 relays */
static int passed, failed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void verdict(bool ok, const char *fmt, ...)
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

static const char *accel(void)
{
	const char *env = getenv("AER_ACCEL");

	return env && *env ? env : "tcg";
}

/* Why not KVM here: say what /dev/kvm is. */
static void print_accel(void)
{
	bool pvm = !access("/sys/module/kvm_pvm", F_OK);

	printf("accelerator: %s%s\n", accel(),
	       strcmp(accel(), "tcg") ? "" :
	       pvm ? " (/dev/kvm is KVM-PVM here: ordinary guests cannot run on it)" :
	       access("/dev/kvm", R_OK) ? " (no /dev/kvm)" :
	       " (AER_ACCEL=kvm would use /dev/kvm)");
}

struct guest {
	const char *append;
	bool balloon;
	const char *balloon_dev;	/* override the balloon device string */
	const char *kernel;		/* override --kernel */
	pid_t pid;			/* QEMU, while it runs */
	const char *xen;	/* boot this Xen, the kernel as PV dom0 */
	const char *const *extra;	/* more QEMU arguments, NULL-terminated */
	/* called for each console line (timestamp prefix removed) */
	void (*line)(struct guest *g, const char *l);
	/* called every 100 ms with the QEMU process's RSS */
	void (*sample)(struct guest *g, long kb);
	/* results */
	bool kernel_trouble;	/* BUG/WARNING/panic seen */
	int trouble_lines;	/* console lines copied after it */
	char trouble[256];
	void *priv;
};

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
	};
	size_t i;

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

/* Boot the guest and run it to the end.  Returns 0 if it exited cleanly. */
static int run_guest(struct guest *g)
{
	char mem[16], *argv[56], modules[1536];
	int argc = 0, first_extra, i, pfd[2], status;
	char buf[4096], acc[64];
	size_t used = 0;
	double start = now(), last_sample = 0;
	pid_t pid;

	snprintf(mem, sizeof(mem), "%ldM", 2048L);
	snprintf(acc, sizeof(acc), "%s", accel());
	argv[argc++] = (char *)qemu;
	argv[argc++] = "-accel";
	argv[argc++] = acc;
	argv[argc++] = "-cpu";
	/* Xen's dom0 dies at once under TCG with SMAP (DESIGN.md). */
	argv[argc++] = g->xen ? "max,-smap" : "max";
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
	argv[argc++] = "-kernel";
	if (g->xen) {
		const char *c;
		char *o = modules;

		/* Multiboot modules: "dom0 kernel args,initrd"; "," is ",,". */
		o += sprintf(o, "%s ", kernel);
		for (c = g->append; *c && o < modules + sizeof(modules) - 600; c++) {
			*o++ = *c;
			if (*c == ',')
				*o++ = ',';
		}
		snprintf(o, 512, ",%s", initrd);
		argv[argc++] = (char *)g->xen;
		argv[argc++] = "-append";
		argv[argc++] = domu ? XEN_CMDLINE_DOMU : XEN_CMDLINE;
		argv[argc++] = "-initrd";
		argv[argc++] = modules;
	} else {
		argv[argc++] = (char *)(g->kernel ? g->kernel : kernel);
		argv[argc++] = "-initrd";
		argv[argc++] = (char *)initrd;
		argv[argc++] = "-append";
		argv[argc++] = (char *)g->append;
	}
	if (g->balloon || g->balloon_dev) {
		argv[argc++] = "-device";
		argv[argc++] = (char *)(g->balloon_dev ? g->balloon_dev :
					"virtio-balloon-pci,free-page-reporting=on");
	}
	first_extra = argc;
	for (i = 0; g->extra && g->extra[i] && argc < 54; i++)
		argv[argc++] = (char *)g->extra[i];
	argv[argc] = NULL;

	if (g->xen)
		printf("host: %s -accel %s -cpu max,-smap -m %s -smp 2 -kernel %s -append \"%s\" -initrd \"%s\"\n",
		       qemu, acc, mem, g->xen, domu ? XEN_CMDLINE_DOMU : XEN_CMDLINE,
		       modules);
	else
		printf("host: %s -accel %s -m %s -smp 2 -kernel %s -device %s -append \"%s\"\n",
		       qemu, acc, mem, g->kernel ? g->kernel : kernel,
		       g->balloon_dev ? g->balloon_dev :
		       g->balloon ? "virtio-balloon-pci,free-page-reporting=on" : "(none)",
		       g->append);
	for (i = first_extra; i < argc; i++)	/* the extra arguments */
		printf("%s %s%s", i == first_extra ? "host: and" : "", argv[i],
		       i == argc - 1 ? "\n" : "");
	fflush(stdout);

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execvp(qemu, argv);
		fprintf(stderr, "host: cannot run %s: %s\n", qemu, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	g->pid = pid;

	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int r = poll(&p, 1, 20);
		ssize_t n;

		if (now() - last_sample >= 0.1) {
			long kb = rss_kb(pid);

			last_sample = now();
			if (kb >= 0 && g->sample)
				g->sample(g, kb);
		}
		if (now() - start > GUEST_TIMEOUT_S) {
			printf("host: guest timed out after %d s\n", GUEST_TIMEOUT_S);
			kill(pid, SIGKILL);
			break;
		}
		if (r <= 0)
			continue;
		n = read(pfd[0], buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += n;
		buf[used] = 0;
		for (;;) {
			char *nl = strchr(buf, '\n');
			const char *l;

			if (!nl) {
				if (used == sizeof(buf) - 1)
					used = 0;	/* overlong line: drop */
				break;
			}
			*nl = 0;
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = 0;
			l = strip_timestamp(buf);
			if (getenv("AER_VERBOSE"))	/* copy the console */
				printf("guest| %s\n", l);
			check_trouble(g, l);
			if (g->line)
				g->line(g, l);
			used -= nl + 1 - buf;
			memmove(buf, nl + 1, used + 1);
		}
		fflush(stdout);
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- touch and free: shared by the virtio tier and the demo ---- */

/* What the guest saw of the trace events aeration:report, :reclaim, :fail. */
struct trace_seen {
	long report, report_mib, report_failed;
	long reclaim, reclaim_mib, reclaim_failed;
	long fail, lost;
	bool seen;
};

/* "AER trace at=@at ...": true if @l was that line. */
static bool trace_line(const char *l, const char *at, struct trace_seen *t)
{
	char fmt[160];

	snprintf(fmt, sizeof(fmt),
		 "AER trace at=%s report=%%ld report_mib=%%ld report_failed=%%ld reclaim=%%ld reclaim_mib=%%ld reclaim_failed=%%ld fail=%%ld lost=%%ld",
		 at);
	if (sscanf(l, fmt, &t->report, &t->report_mib, &t->report_failed,
		   &t->reclaim, &t->reclaim_mib, &t->reclaim_failed, &t->fail,
		   &t->lost) != 8)
		return false;
	t->seen = true;
	return true;
}

struct tf {
	bool demo;
	long rss_now, rss_touched, rss_at_deadline, rss_min_after;
	double t_freed, t_90, t_98;	/* seconds from free to 90%, 98% back */
	FILE *trace;			/* "seconds RSS-MiB" after the free */
	long start_free_kb, end_free_kb;
	char backend[32];
	char unbound[32], rebound[32];	/* backend after unbind, after bind */
	const char *measure;		/* what sample() measures */
	const char *file;		/* hv_sample(): the guest RAM file */
	long reuse_bad;			/* pattern check after the free */
	struct trace_seen tr_end;	/* trace events, touch to end */
	unsigned int min_order;		/* from the last AER sysfs line */
	bool done, freed, reused, refused, stopped;
	/* QMP device_del of the balloon in the middle of reporting (tf_unplug) */
	const char *qmp;
	bool unplug_sent, unplug_checked, gone;
	int unplug_rc;
	long unplug_fell;		/* KiB back on the host at device_del */
	double unplug_next;		/* when to ask QEMU again if it is gone */
};

static void tf_sample(struct guest *g, long kb)
{
	struct tf *t = g->priv;
	double dt;

	t->rss_now = kb;
	if (!t->freed)
		return;
	dt = now() - t->t_freed;
	if (kb < t->rss_min_after)
		t->rss_min_after = kb;
	if (dt <= RECLAIM_DEADLINE_S)
		t->rss_at_deadline = kb;
	if (t->t_90 < 0 &&
	    t->rss_touched - kb >= RECLAIM_FRACTION * mib * 1024)
		t->t_90 = dt;
	if (t->t_98 < 0 && t->rss_touched - kb >= 0.98 * mib * 1024)
		t->t_98 = dt;
	if (t->trace)
		fprintf(t->trace, "%.2f %.1f\n", dt, kb / 1024.0);
}

static void tf_line(struct guest *g, const char *l)
{
	struct tf *t = g->priv;
	const char *p;

	if (strncmp(l, "AER ", 4))
		return;
	if (!t->demo)
		printf("guest| %s\n", l);
	if (sscanf(l, "AER start free_kb=%ld", &t->start_free_kb) == 1)
		return;
	if (sscanf(l, "AER end free_kb=%ld", &t->end_free_kb) == 1)
		return;
	/* Trace samples name the backend too: not the state to judge. */
	if (trace_line(l, "end", &t->tr_end) || !strncmp(l, "AER trace|", 10))
		return;
	if (!strncmp(l, "AER freed", 9)) {
		t->rss_touched = t->rss_now;
		t->rss_min_after = t->rss_now;
		t->rss_at_deadline = t->rss_now;
		t->t_freed = now();
		t->freed = true;
		printf("host: %s %ld MiB when the guest freed %ld MiB\n",
		       t->measure ? t->measure : "QEMU RSS",
		       t->rss_touched / 1024, mib);
		if (t->demo)
			printf("\n%8s %18s %18s %18s\n", "seconds", "guest MemFree MiB",
			       "guest aerated MiB", "host QEMU RSS MiB");
		return;
	}
	if (!strncmp(l, "AER t=", 6)) {
		double gt;
		long memfree;
		unsigned long long aerated = 0;

		if (sscanf(l, "AER t=%lf memfree_kb=%ld free_aerated_bytes=%llu",
			   &gt, &memfree, &aerated) >= 2) {
			if (t->demo || (int)(gt * 2) % 4 == 0)
				printf("%s%8.1f %18ld %18llu %18ld\n",
				       t->demo ? "" : "host: t=",
				       now() - t->t_freed, memfree / 1024,
				       aerated >> 20, t->rss_now / 1024);
		}
		return;
	}
	if (sscanf(l, "AER reuse mib=%*d bad_words=%ld", &t->reuse_bad) == 1)
		t->reused = true;
	/* Hyper-V: the backend's answers to a host's bad replies. */
	if (!strncmp(l, "AER klog", 8) && strstr(l, "2 MiB blocks only"))
		t->refused = true;
	if (!strncmp(l, "AER klog", 8) && strstr(l, "in a row, stopping"))
		t->stopped = true;
	p = strstr(l, " min_order=");
	if (p && !strncmp(l, "AER sysfs", 9))
		sscanf(p, " min_order=%u", &t->min_order);
	p = strstr(l, " backend=");
	if (p && !strncmp(l, "AER unbind ", 11))
		sscanf(p + 9, "%31s", t->unbound);
	else if (p && !strncmp(l, "AER bind ", 9))
		sscanf(p + 9, "%31s", t->rebound);
	else if (p)
		sscanf(p + 9, "%31s", t->backend);
	if (!strncmp(l, "AER done", 8))
		t->done = true;
}

/* ---- device removal: QMP device_del while the guest is reporting ---- */

#define BALLOON_ID	"aerballoon"

/* One command on a fresh QMP connection: 0, 1 (QMP said no: @cls) or -1. */
static int qmp_once(const char *path, const char *cmd, const char *args,
		    char *cls, size_t size)
{
	struct qmp q = { .who = "hostrun", .path = path, .fd = -1 };
	struct jv ret;
	int rc = qmp_connect(&q);

	if (!rc)
		rc = qmp_cmd(&q, cmd, args, &ret);
	snprintf(cls, size, "%s", rc == 1 ? q.cls : "");
	qmp_close(&q);
	return rc;
}

/* tf_sample(), and the balloon removed while the freed memory is reported. */
static void tf_unplug(struct guest *g, long kb)
{
	struct tf *t = g->priv;
	char cls[64];
	double dt;

	tf_sample(g, kb);
	if (!t->freed)
		return;
	dt = now() - t->t_freed;
	/* In the middle of reporting: a tenth of the freed memory is back. */
	if (!t->unplug_sent && (t->rss_touched - kb >= mib * 1024 / 10 || dt >= 8)) {
		t->unplug_sent = true;
		t->unplug_fell = t->rss_touched - kb;
		t->unplug_rc = qmp_once(t->qmp, "device_del", "{\"id\":\"" BALLOON_ID "\"}",
					cls, sizeof(cls));
		printf("host: QMP device_del %s %.1f s after the free, %ld of %ld MiB back: %s\n",
		       BALLOON_ID, dt, t->unplug_fell / 1024, mib,
		       t->unplug_rc ? (cls[0] ? cls : "failed") : "accepted");
	}
	/* Once the guest has ejected it, QEMU no longer knows the id. */
	if (t->unplug_sent && !t->unplug_checked && dt >= t->unplug_next) {
		t->unplug_next = dt + 1;
		t->gone = qmp_once(t->qmp, "qom-get",
				   "{\"path\":\"/machine/peripheral/" BALLOON_ID "\",\"property\":\"type\"}",
				   cls, sizeof(cls)) == 1 && !strcmp(cls, "DeviceNotFound");
		/* The guest waits up to 45 s for the eject after its 20 s (init.c). */
		t->unplug_checked = t->gone || dt >= 64;
		if (t->unplug_checked)
			printf("host: %.1f s after the free the balloon is %s\n", dt,
			       t->gone ? "gone from QEMU (DeviceNotFound)" : "still there");
	}
}

/*
 * @params: extra kernel parameters; @kern: NULL for --kernel; @qmp: a QMP
 * socket path to remove the balloon through after the free, or NULL.
 */
static int tf_run_on(struct tf *t, const char *kern, const char *params,
		     bool demo, FILE *trace, const char *qmp)
{
	char append[256], qarg[128];
	const char *const extra[] = { "-qmp", qarg, NULL };
	struct guest g = {
		.append = append, .balloon = true, .line = tf_line,
		.sample = tf_sample, .priv = t, .kernel = kern,
	};

	memset(t, 0, sizeof(*t));
	t->demo = demo;
	t->t_90 = -1;
	t->t_98 = -1;
	t->trace = trace;
	if (qmp) {
		t->qmp = qmp;
		snprintf(qarg, sizeof(qarg), "unix:%s,server=on,wait=off", qmp);
		g.extra = extra;
		g.balloon_dev = "virtio-balloon-pci,free-page-reporting=on,id=" BALLOON_ID;
		g.sample = tf_unplug;
	}
	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 %s aer.mode=touch-free aer.mib=%ld%s",
		 params, mib, qmp ? " aer.unplug=1" : "");
	run_guest(&g);
	if (qmp)
		unlink(qmp);
	if (g.kernel_trouble)
		printf("host: kernel trouble in guest log: %s\n", g.trouble);
	return g.kernel_trouble ? -1 : 0;
}

static int tf_run(struct tf *t, const char *aeration, bool demo)
{
	char params[64];

	snprintf(params, sizeof(params), "aeration=%s", aeration);
	return tf_run_on(t, NULL, params, demo, NULL, NULL);
}

static bool memfree_back(const struct tf *t)
{
	return t->start_free_kb > 0 && t->end_free_kb > 0 &&
	       t->end_free_kb >= t->start_free_kb * (1 - MEMFREE_TOLERANCE);
}

static void tf_row(const char *name, const struct tf *t)
{
	char t90[16] = "never";

	if (t->t_90 >= 0)
		snprintf(t90, sizeof(t90), "%.1f s", t->t_90);
	printf("%-10s %10ld MiB %10ld MiB %10ld MiB %12s %10s\n", name,
	       t->rss_touched / 1024, t->rss_at_deadline / 1024,
	       (t->rss_touched - t->rss_at_deadline) / 1024, t90,
	       memfree_back(t) ? "back" : "NOT back");
}

static int mode_virtio(void)
{
	char sock[64];
	struct tf on, off;
	long want = (long)(RECLAIM_FRACTION * mib);
	int trouble_on, trouble_off;

	print_accel();
	printf("\n== aeration=virtio\n");
	trouble_on = tf_run(&on, "virtio", false);
	printf("\n== aeration=off (same kernel, same QEMU flags)\n");
	trouble_off = tf_run(&off, "off", false);

	printf("\n%-10s %14s %14s %14s %12s %10s\n", "aeration=", "RSS in use",
	       "RSS at +15 s", "returned", "90% after", "MemFree");
	tf_row("virtio", &on);
	tf_row("off", &off);
	printf("\n");

	verdict(on.done && !strcmp(on.backend, "virtio"),
		"virtio: guest ran to the end with backend=virtio (got '%s')", on.backend);
	verdict(on.freed && on.t_90 >= 0 && on.t_90 <= RECLAIM_DEADLINE_S &&
		(on.rss_touched - on.rss_at_deadline) / 1024 >= want,
		"virtio: host RSS fell by >= %ld MiB within %.0f s of the free (fell %ld MiB, 90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, (on.rss_touched - on.rss_at_deadline) / 1024,
		on.t_90);
	verdict(memfree_back(&on),
		"virtio: guest MemFree + Slab back within 2%% (start %ld kB, end %ld kB)",
		on.start_free_kb, on.end_free_kb);
	verdict(trouble_on == 0, "virtio: no BUG/WARNING/panic in the guest log");
	verdict(on.tr_end.seen && on.tr_end.report_mib >= want &&
		on.tr_end.report_failed == 0,
		"virtio: trace aeration:report saw >= %ld MiB given (%ld MiB in %ld events, %ld failed)",
		want, on.tr_end.report_mib, on.tr_end.report, on.tr_end.report_failed);
	verdict(off.tr_end.seen && off.tr_end.report == 0,
		"off: no aeration:report events (%ld)", off.tr_end.report);
	verdict(off.done && !strcmp(off.backend, "none"),
		"off: guest ran to the end with backend=none (got '%s')", off.backend);
	verdict(off.freed && (off.rss_touched - off.rss_at_deadline) / 1024 < mib / 10,
		"off: host RSS stayed up (fell %ld MiB, less than %ld)",
		(off.rss_touched - off.rss_at_deadline) / 1024, mib / 10);
	verdict(memfree_back(&off),
		"off: guest MemFree + Slab back within 2%% (start %ld kB, end %ld kB)",
		off.start_free_kb, off.end_free_kb);
	verdict(trouble_off == 0, "off: no BUG/WARNING/panic in the guest log");

	/* The device goes away while reporting, and comes back. */
	printf("\n== aeration=virtio, virtio_balloon unbound 300 ms after the free, bound again 1 s later\n");
	/* aer.mode=unbind comes first on the command line, so it wins. */
	trouble_on = tf_run_on(&on, NULL, "aeration=virtio aer.mode=unbind", false, NULL, NULL);
	verdict(!strcmp(on.unbound, "none") && !strcmp(on.rebound, "virtio"),
		"unbind: backend none after unbind, virtio after bind (got '%s', '%s')",
		on.unbound, on.rebound);
	verdict(on.freed && on.t_90 >= 0 && on.t_90 <= RECLAIM_DEADLINE_S,
		"unbind: host RSS still fell by >= %ld MiB within %.0f s (90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, on.t_90);
	verdict(memfree_back(&on), "unbind: guest MemFree + Slab back within 2%% (start %ld kB, end %ld kB)",
		on.start_free_kb, on.end_free_kb);
	verdict(on.done && trouble_on == 0, "unbind: guest ran to the end, no BUG/WARNING/panic");

	/* The host takes the device away: ACPI hotplug eject in the guest. */
	printf("\n== aeration=virtio, QMP device_del of the balloon in the middle of reporting\n");
	snprintf(sock, sizeof(sock), "/tmp/aer-qmp-%d.sock", (int)getpid());
	trouble_on = tf_run_on(&on, NULL, "aeration=virtio", false, NULL, sock);
	verdict(on.unplug_sent && on.unplug_rc == 0 && on.unplug_fell < mib * 1024 * 9 / 10,
		"device_del: QEMU took device_del in the middle of reporting (%ld of %ld MiB back)",
		on.unplug_fell / 1024, mib);
	verdict(on.gone, "device_del: the guest ejected the balloon; QEMU no longer has it");
	verdict(!strcmp(on.backend, "none"),
		"device_del: the backend stopped cleanly (backend '%s')", on.backend);
	verdict(memfree_back(&on), "device_del: guest MemFree + Slab back within 2%% (start %ld kB, end %ld kB)",
		on.start_free_kb, on.end_free_kb);
	verdict(on.done && trouble_on == 0, "device_del: guest ran to the end, no BUG/WARNING/panic");
	printf("virtio: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/*
 * ---- Hyper-V: hosts/hyperv/hvhost, a host written from the TLFS, answers
 * the backend's CPUID leaves and hypercalls over COM2 (the test transport)
 * and punches holes in the file that backs guest RAM.  What the host gets
 * back is that file's allocated size.
 */

struct hv_host {
	char mem[64], sock[64], log[64];
	long calls, ranges, discarded_kib, bad;
};

static void hv_sample(struct guest *g, long kb)
{
	struct stat st;

	(void)kb;
	if (!stat(((struct tf *)g->priv)->file, &st))
		tf_sample(g, (long)(st.st_blocks / 2));
}

/* One guest with hvhost @opts; guest parameters @params. */
static int hv_run(struct tf *t, struct hv_host *h, const char *opts,
		  const char *params)
{
	char append[320], obj[160], chr[128], cmd[512];
	const char *extra[] = {
		"-object", obj, "-machine", "pc,memory-backend=ram",
		"-chardev", chr,
		"-device", "isa-serial,chardev=hv,iobase=0x2f8,irq=3", NULL,
	};
	struct guest g = {
		.append = append, .line = tf_line, .sample = hv_sample,
		.priv = t, .extra = extra,
	};
	pid_t host;
	FILE *f;
	int i;

	memset(t, 0, sizeof(*t));
	memset(h, 0, sizeof(*h));
	t->t_90 = -1;
	t->t_98 = -1;
	t->reuse_bad = -1;
	t->measure = "guest RAM file";
	t->file = h->mem;
	snprintf(h->mem, sizeof(h->mem), "/dev/shm/aer-hv-%d", (int)getpid());
	snprintf(h->sock, sizeof(h->sock), "/tmp/aer-hv-%d.sock", (int)getpid());
	snprintf(h->log, sizeof(h->log), "/tmp/aer-hv-%d.log", (int)getpid());
	unlink(h->mem);
	unlink(h->sock);
	snprintf(obj, sizeof(obj),
		 "memory-backend-file,id=ram,size=2048M,mem-path=%s,share=on", h->mem);
	snprintf(chr, sizeof(chr), "socket,id=hv,path=%s,server=on,wait=off", h->sock);
	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 aeration=hyperv aeration.hyperv_test_host %s aer.mode=hyperv aer.mib=%ld",
		 params, mib);
	snprintf(cmd, sizeof(cmd), "exec %s --mem %s --socket %s --timeout 60 %s > %s 2>&1",
		 hvhost, h->mem, h->sock, opts, h->log);
	printf("host: %s\n", cmd);
	host = fork();
	if (host == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	run_guest(&g);
	/* hvhost ends when QEMU closes the socket; do not wait forever. */
	for (i = 0; i < 50 && waitpid(host, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	if (i == 50) {
		kill(host, SIGKILL);
		waitpid(host, NULL, 0);
	}
	f = fopen(h->log, "r");
	while (f && fgets(cmd, sizeof(cmd), f)) {
		if (sscanf(cmd, "hvhost: calls=%ld ranges=%ld discarded_kib=%ld bad=%ld",
			   &h->calls, &h->ranges, &h->discarded_kib, &h->bad) == 4)
			printf("host: %s", cmd);
		else if (strncmp(cmd, "hvhost: hc ", 11) && strncmp(cmd, "hvhost: cpuid", 13))
			printf("host| %s", cmd);
	}
	if (f)
		fclose(f);
	unlink(h->mem);
	unlink(h->sock);
	unlink(h->log);
	if (g.kernel_trouble)
		printf("host: kernel trouble in guest log: %s\n", g.trouble);
	return g.kernel_trouble ? -1 : 0;
}

static int mode_hyperv(void)
{
	long want = (long)(RECLAIM_FRACTION * mib);
	struct hv_host h;
	struct tf t;
	int trouble;

	print_accel();
	printf("\n== aeration=hyperv, TLFS test host over COM2, guest RAM in a shared file\n");
	trouble = hv_run(&t, &h, "", "");
	verdict(t.done && !strcmp(t.backend, "hyperv"),
		"hyperv: guest ran to the end with backend=hyperv (got '%s')", t.backend);
	verdict(t.freed && t.t_90 >= 0 && t.t_90 <= RECLAIM_DEADLINE_S &&
		(t.rss_touched - t.rss_at_deadline) / 1024 >= want,
		"hyperv: guest RAM file fell by >= %ld MiB within %.0f s of the free (%ld -> %ld MiB, 90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, t.rss_touched / 1024,
		t.rss_at_deadline / 1024, t.t_90);
	verdict(memfree_back(&t), "hyperv: guest MemFree + Slab back within 2%% (start %ld kB, end %ld kB)",
		t.start_free_kb, t.end_free_kb);
	verdict(t.reused && t.reuse_bad == 0,
		"hyperv: %ld MiB reallocated after the discard, pattern intact (%ld bad)",
		mib, t.reuse_bad);
	verdict(h.calls > 0 && h.bad == 0,
		"hyperv: host took %ld heat hints, %ld ranges, %ld MiB, %ld bad frames",
		h.calls, h.ranges, h.discarded_kib / 1024, h.bad);
	verdict(trouble == 0, "hyperv: no BUG/WARNING/panic in the guest log");
	if (h.discarded_kib > 0)
		printf("hyperv: %.1f hint calls and %.1f ranges per GiB discarded\n",
		       h.calls * 1048576.0 / h.discarded_kib,
		       h.ranges * 1048576.0 / h.discarded_kib);

	printf("\n== hyperv, host refuses 4 KiB ranges (INVALID_PARAMETER); guest min_order 0\n");
	trouble = hv_run(&t, &h, "--reject-small", "aer.min_order=0");
	verdict(t.refused && t.min_order >= 9,
		"reject-small: guest fell back to 2 MiB blocks (min_order %u)", t.min_order);
	verdict(t.freed && t.t_90 >= 0 && t.t_90 <= RECLAIM_DEADLINE_S,
		"reject-small: guest RAM file still fell by >= %ld MiB within %.0f s (90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, t.t_90);
	verdict(memfree_back(&t) && t.reused && t.reuse_bad == 0 && trouble == 0,
		"reject-small: MemFree back, pattern intact (%ld bad), no BUG/WARNING/panic",
		t.reuse_bad);

	printf("\n== hyperv, host fails every heat hint (ACCESS_DENIED)\n");
	trouble = hv_run(&t, &h, "--fail-all 6", "");
	verdict(t.stopped && !strcmp(t.backend, "none"),
		"fail-all: backend stopped after repeated failures (backend '%s')", t.backend);
	verdict(t.freed && (t.rss_touched - t.rss_at_deadline) / 1024 < mib / 10,
		"fail-all: nothing discarded (guest RAM file fell %ld MiB)",
		(t.rss_touched - t.rss_at_deadline) / 1024);
	verdict(memfree_back(&t) && t.reused && t.reuse_bad == 0 && trouble == 0,
		"fail-all: MemFree back, pattern intact (%ld bad), no BUG/WARNING/panic",
		t.reuse_bad);
	printf("hyperv: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int mode_demo(void)
{
	struct tf t;

	print_accel();
	printf("The guest touches %ld MiB, frees it, and aeration gives it back.\n", mib);
	tf_run(&t, "virtio", true);
	if (t.t_90 >= 0)
		printf("\n%.0f%% of the freed memory was back with the host %.1f s after the free.\n",
		       RECLAIM_FRACTION * 100, t.t_90);
	else
		printf("\nThe host did not get 90%% back (RSS %ld -> %ld MiB).\n",
		       t.rss_touched / 1024, t.rss_min_after / 1024);
	return t.t_90 >= 0 ? 0 : 1;
}

/* ---- Xen: the guest is dom0 and reads Xen's numbers itself ---- */

struct xr {
	long touched_free, touched_tot;		/* KiB, with the memory in use */
	long end_free, end_tot;
	long sample_tot, reuse_tot, reuse_bad;
	double t_90;				/* guest seconds to 90% with Xen */
	double reuse_s;
	long reclaim_pages, reclaim_ns;		/* from the guest's sysfs */
	long start_free_kb, end_free_kb;
	/* The injected round: bad words, blocks held, held pages left after. */
	long inj_bad, inj_held, inj_failures, held_left, returned, ret_free_kb;
	long report_failures, reclaim_failures;	/* the last sysfs line's */
	double ret_s;
	double relay_lag;	/* xen-domu: dom0 asked Xen this much later */
	/* Trace events: touch to end, the reuse, the injected round. */
	struct trace_seen tr_end, tr_reuse, tr_inject;
	char backend[32];
	bool done, freed, reused, injected, held_back;
};

static void xr_line(struct guest *g, const char *l)
{
	struct xr *x = g->priv;
	long want = (long)(RECLAIM_FRACTION * mib * 1024);
	const char *p;
	long f, t, m;
	double gt;

	if (!strncmp(l, "domU| ", 6))	/* the domU's kernel, relayed by dom0 */
		printf("%s\n", l);
	if (strncmp(l, "AER ", 4))
		return;
	printf("guest| %s\n", l);
	sscanf(l, "AER relay seconds=%*f max_lag_s=%lf", &x->relay_lag);
	p = strstr(l, " xen_free_kib=");
	if (p && sscanf(p, " xen_free_kib=%ld tot_kib=%ld", &f, &t) != 2)
		p = NULL;
	if (sscanf(l, "AER start free_kb=%ld", &m) == 1)
		x->start_free_kb = m;
	if (!strncmp(l, "AER touched", 11) && p) {
		x->touched_free = f;
		x->touched_tot = t;
	}
	if (!strncmp(l, "AER freed", 9))
		x->freed = true;
	if (sscanf(l, "AER t=%lf", &gt) == 1 && p && x->t_90 < 0 &&
	    gt <= RECLAIM_DEADLINE_S && f - x->touched_free >= want &&
	    x->touched_tot - t >= want)
		x->t_90 = gt;
	if (sscanf(l, "AER end free_kb=%ld", &m) == 1 && p) {
		x->end_free_kb = m;
		x->end_free = f;
		x->end_tot = t;
	}
	if (!strncmp(l, "AER sample", 10) && p)
		x->sample_tot = t;	/* tot_pages with the memory in use */
	if (sscanf(l, "AER reuse mib=%*d bad_words=%ld seconds=%lf", &x->reuse_bad,
		   &x->reuse_s) == 2) {
		x->reuse_tot = x->sample_tot;
		x->reused = true;
	}
	if (trace_line(l, "end", &x->tr_end) || trace_line(l, "reuse", &x->tr_reuse) ||
	    trace_line(l, "inject", &x->tr_inject) || !strncmp(l, "AER trace|", 10))
		return;
	if (sscanf(l, "AER inject mib=%*d bad_words=%ld seconds=%*f held_blocks=%ld injected_failures=%ld",
		   &x->inj_bad, &x->inj_held, &x->inj_failures) == 3)
		x->injected = true;
	if (sscanf(l, "AER held-return seconds=%lf held_pages=%ld returned_blocks=%ld free_kb=%ld",
		   &x->ret_s, &x->held_left, &x->returned, &x->ret_free_kb) == 4)
		x->held_back = true;
	p = strstr(l, " report_failures=");
	if (p && !strncmp(l, "AER sysfs", 9))
		sscanf(p, " report_failures=%ld", &x->report_failures);
	p = strstr(l, " reclaim_failures=");
	if (p && !strncmp(l, "AER sysfs", 9))
		sscanf(p, " reclaim_failures=%ld", &x->reclaim_failures);
	p = strstr(l, " reclaim_pages=");
	if (p && !x->injected)
		sscanf(p, " reclaim_pages=%ld reclaim_ns=%ld", &x->reclaim_pages,
		       &x->reclaim_ns);
	p = strstr(l, " backend=");
	if (p)
		sscanf(p + 9, "%31s", x->backend);
	if (!strncmp(l, "AER done", 8))
		x->done = true;
}

static int xr_run(struct xr *x, const char *aeration)
{
	char append[256];
	struct guest g = {
		.append = append, .xen = xen, .line = xr_line, .priv = x,
	};

	memset(x, 0, sizeof(*x));
	x->t_90 = -1;
	x->reuse_bad = -1;
	if (domu)	/* dom0 without aeration; the domU gets @aeration */
		snprintf(append, sizeof(append),
			 "console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=off aer.mode=domu aer.domu_aeration=%s aer.mib=%ld",
			 aeration, mib);
	else
		snprintf(append, sizeof(append),
			 "console=hvc0 loglevel=4 panic=-1 kunit.enable=0 aeration=%s aer.mode=xen aer.mib=%ld",
			 aeration, mib);
	run_guest(&g);
	if (g.kernel_trouble)
		printf("host: kernel trouble in the log: %s\n", g.trouble);
	return g.kernel_trouble ? -1 : 0;
}

static void xr_row(const char *name, const struct xr *x)
{
	char t90[16] = "never";

	if (x->t_90 >= 0)
		snprintf(t90, sizeof(t90), "%.1f s", x->t_90);
	printf("%-10s %10ld MiB %10ld MiB %10ld MiB %10ld MiB %10s %8.1f s\n", name,
	       x->touched_free / 1024, x->end_free / 1024,
	       x->touched_tot / 1024, x->end_tot / 1024, t90, x->reuse_s);
}

static int mode_xen(void)
{
	long want = (long)(RECLAIM_FRACTION * mib * 1024);
	const char *who = domu ? "domU" : "dom0";
	struct xr on, off;
	int trouble_on, trouble_off;

	print_accel();
	printf("\n== Xen 4.17, %s with aeration=xen\n", domu ? "PV domU" : "dom0");
	trouble_on = xr_run(&on, "xen");
	printf("\n== Xen 4.17, %s with aeration=off\n", domu ? "PV domU" : "dom0");
	trouble_off = xr_run(&off, "off");

	printf("\n%-10s %14s %14s %10s tot %5s tot +20s %10s %10s\n", "aeration=",
	       "Xen free", "Xen free +20s", who, who, "90% after", "reuse");
	xr_row("xen", &on);
	xr_row("off", &off);
	printf("\n");

	verdict(on.done && !strcmp(on.backend, "xen"),
		"xen: %s ran to the end with backend=xen (got '%s')", who, on.backend);
	verdict(on.t_90 >= 0,
		"xen: Xen free memory rose and %s tot_pages fell by >= %ld MiB within %.0f s (%.1f s)",
		who, want / 1024, RECLAIM_DEADLINE_S, on.t_90);
	verdict(on.reused && on.reuse_bad == 0,
		"xen: %ld MiB reallocated, pattern intact in every word (%ld bad)",
		mib, on.reuse_bad);
	verdict(on.reused && on.reuse_tot - on.end_tot >= want,
		"xen: %s tot_pages rose again on reuse (%ld -> %ld MiB)",
		who, on.end_tot / 1024, on.reuse_tot / 1024);
	verdict(on.injected && on.inj_bad == 0 && on.inj_held > 0 &&
		on.inj_failures > 0,
		"xen, injected failures: pattern intact (%ld bad), %ld blocks held, %ld failures injected",
		on.inj_bad, on.inj_held, on.inj_failures);
	verdict(on.held_back && on.held_left == 0 && on.returned == on.inj_held,
		"xen, injected failures: all %ld held blocks given back within %.1f s (%ld pages left)",
		on.returned, on.ret_s, on.held_left);
	verdict(on.held_back && on.ret_free_kb >= on.start_free_kb - 16 * 1024,
		"xen, injected failures: MemFree + Slab back to %ld MiB (start %ld MiB)",
		on.ret_free_kb / 1024, on.start_free_kb / 1024);
	verdict(on.tr_end.seen && on.tr_end.report_mib >= want / 1024 &&
		on.tr_reuse.reclaim_mib >= want / 1024 &&
		on.tr_reuse.reclaim_failed == 0,
		"xen: trace saw >= %ld MiB in aeration:report (%ld MiB) and in aeration:reclaim on reuse (%ld MiB, %ld failed)",
		want / 1024, on.tr_end.report_mib, on.tr_reuse.reclaim_mib,
		on.tr_reuse.reclaim_failed);
	/*
	 * Only aeration:fail is on in that round (init.c, trace_fail_only).
	 * A failed reclaim is one block; a failed report is a batch of them.
	 */
	verdict(on.tr_inject.seen && on.tr_inject.lost == 0 &&
		on.tr_inject.reclaim_failed > 0 &&
		on.tr_inject.reclaim_failed == on.reclaim_failures &&
		on.tr_inject.report_failed >= on.report_failures &&
		(on.tr_inject.report_failed > 0) == (on.report_failures > 0),
		"xen, injected failures: aeration:fail has every failure (%ld events: %ld report blocks in %ld failed batches, %ld reclaim of %ld; %ld lost)",
		on.tr_inject.fail, on.tr_inject.report_failed, on.report_failures,
		on.tr_inject.reclaim_failed, on.reclaim_failures, on.tr_inject.lost);
	verdict(trouble_on == 0, "xen: no BUG/WARNING/panic in the log");
	verdict(off.done && !strcmp(off.backend, "none"),
		"off: %s ran to the end with backend=none (got '%s')", who, off.backend);
	verdict(off.freed && labs(off.end_free - off.touched_free) < mib * 1024 / 10 &&
		labs(off.touched_tot - off.end_tot) < mib * 1024 / 10,
		"off: Xen free memory and tot_pages unchanged (%+ld MiB, %+ld MiB)",
		(off.end_free - off.touched_free) / 1024,
		(off.end_tot - off.touched_tot) / 1024);
	verdict(off.reused && off.reuse_bad == 0, "off: pattern intact (%ld bad)",
		off.reuse_bad);
	verdict(trouble_off == 0, "off: no BUG/WARNING/panic in the log");
	if (on.reclaim_pages >= 512)
		printf("repopulate before reuse: %ld pages in %.1f ms, %.2f ms per 2 MiB (measured in the guest)\n",
		       on.reclaim_pages, on.reclaim_ns / 1e6,
		       on.reclaim_ns / 1e6 / (on.reclaim_pages / 512.0));
	if (domu)
		printf("dom0 relayed the domU's lines and asked Xen at most %.2f s after the domU wrote them\n",
		       on.relay_lag);
	printf("%s: %d passed, %d failed\n", domu ? "xen-domu" : "xen", passed, failed);
	return failed ? 1 : 0;
}

/* ---- benchmarks: ours against stock 6.12 page reporting, one run ---- */

struct bench_line {
	double pf1;			/* pages/s */
	double busy_s;			/* churn: time spent touching */
	long faults_start, faults;	/* churn: QEMU's page faults */
	/*
	 * churn: KiB the QEMU process's RSS grew by, summed over the 100 ms
	 * samples: memory faulted in, mostly guest RAM refaulted after a
	 * report.  TCG's own small allocations add many faults but few KiB.
	 */
	long in_kb, last_kb;
	bool counting;
};

/* minflt + majflt of the QEMU process, from /proc/PID/stat. */
static long qemu_faults(pid_t pid)
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

static long last_faults;

static void bench_sample(struct guest *g, long kb)
{
	struct bench_line *b = g->priv;

	last_faults = qemu_faults(g->pid);
	if (b->counting && kb > b->last_kb)
		b->in_kb += kb - b->last_kb;
	b->last_kb = kb;
}

static void bench_line_cb(struct guest *g, const char *l)
{
	struct bench_line *b = g->priv;

	if (!strncmp(l, "AER churn start", 15)) {
		b->faults_start = last_faults;
		b->counting = true;
	}
	if (sscanf(l, "AER pf1 tasks=%*d seconds=%*f pages_per_s=%lf", &b->pf1) == 1)
		printf("guest| %s\n", l);
	if (sscanf(l, "AER churn mib=%*d rounds=%*d interval_ms=%*d busy_s=%lf",
		   &b->busy_s) == 1) {
		b->faults = last_faults - b->faults_start;
		b->counting = false;
		printf("guest| %s (QEMU page faults %ld, RSS grew by %ld MiB)\n", l,
		       b->faults, b->in_kb >> 10);
	}
}

static struct bench_line bench_boot(const char *kern, const char *dev,
				    const char *params, const char *const *extra)
{
	struct bench_line b = { 0 };
	char append[320];
	struct guest g = {
		.append = append, .balloon_dev = dev, .kernel = kern,
		.line = bench_line_cb, .sample = bench_sample, .priv = &b,
		.extra = extra,
	};

	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 %s", params);
	run_guest(&g);
	if (g.kernel_trouble)
		printf("host: kernel trouble: %s\n", g.trouble);
	return b;
}

#define DEV_FPR_ON	"virtio-balloon-pci,free-page-reporting=on"
#define DEV_FPR_OFF	"virtio-balloon-pci,free-page-reporting=off"

static int mode_bench(void)
{
	static const struct {
		const char *name;
		bool stock;
		const char *dev, *params;
	} fast[] = {
		{ "stock, reporting off", true, DEV_FPR_OFF, "" },
		{ "stock, reporting on", true, DEV_FPR_ON, "" },
		{ "aeration=off", false, DEV_FPR_ON, "aeration=off" },
		{ "aeration=virtio", false, DEV_FPR_ON, "aeration=virtio" },
	}, churners[] = {
		{ "stock (fixed 2 s)", true, DEV_FPR_ON, "" },
		{ "aeration adaptive", false, DEV_FPR_ON, "aeration=virtio" },
		{ "aeration fixed 250 ms", false, DEV_FPR_ON,
		  "aeration=virtio aer.adaptive=0 aer.delay=250" },
		/* The floor: faults that no reporting causes. */
		{ "no reporting (off)", false, DEV_FPR_ON, "aeration=off" },
	};
	long intervals[4];
	size_t nint = 0;
	const char *iv = bench_intervals;
	char *end;
	/*
	 * The fast path under -icount: the guest's clock counts instructions
	 * (1 ns each), so pages per guest second is pages per 10^9 guest
	 * instructions, whatever else the host is doing.  Wall-clock runs
	 * under TCG spread 10-20%, too much to see 0.5%.  One vCPU: with two,
	 * icount runs them round-robin on one host thread, and runs
	 * came out bimodal (one mode 30% faster, cause not found).
	 */
	static const char *const icount[] = { "-icount", "shift=0,sleep=off",
					      "-smp", "1", NULL };
	bool tcg = !strcmp(accel(), "tcg");
	double pf[4][8] = { { 0 } }, base = 0;
	struct bench_line ch[4][4] = { { { 0 } } };
	struct tf rec[2] = { { 0 } };
	char path[256], params[256];
	size_t i, j;
	int r;

	print_accel();
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	if (repeat < 1 || repeat > 8)
		repeat = 2;

	printf("\n== fast path: page_fault1, %d runs each%s\n", repeat,
	       tcg ? ", 1 vCPU, -icount shift=0 (guest time counts instructions)" : "");
	for (r = 0; r < repeat && strstr(part, "fast"); r++) {
		for (i = 0; i < 4; i++) {
			snprintf(params, sizeof(params), "%s aer.mode=pf1 aer.secs=10",
				 fast[i].params);
			pf[i][r] = bench_boot(fast[i].stock ? stock : NULL,
					      fast[i].dev, params,
					      tcg ? icount : NULL).pf1;
		}
	}

	printf("\n== reclaim: 1 GiB touched and freed, host RSS\n");
	for (i = 0; i < 2 && strstr(part, "reclaim"); i++) {
		FILE *trace;

		snprintf(path, sizeof(path), "%s/reclaim-%s.dat", outdir,
			 i ? "aeration" : "stock");
		trace = fopen(path, "w");
		/*
		 * An idle guest: boot-time reporting long done before the touch,
		 * so the touch reusing it is not taken for churn.
		 */
		tf_run_on(&rec[i], i ? NULL : stock,
			  i ? "aeration=virtio aer.settle=8" : "aer.settle=8",
			  false, trace, NULL);
		if (trace)
			fclose(trace);
	}

	while (nint < 4 && *iv) {
		intervals[nint++] = strtol(iv, &end, 10);
		if (*end != ',')
			break;
		iv = end + 1;
	}
	printf("\n== churn: 512 MiB freed and reallocated, 6 rounds\n");
	for (i = 0; i < 4 && strstr(part, "churn"); i++)
		for (j = 0; j < nint; j++) {
			snprintf(params, sizeof(params),
				 "%s aer.mode=churn aer.mib=512 aer.rounds=6 aer.interval=%ld",
				 churners[i].params, intervals[j]);
			ch[i][j] = bench_boot(churners[i].stock ? stock : NULL,
					      churners[i].dev, params, NULL);
		}

	/* The tables. */
	printf("\n=== fast path (page_fault1, %s, pages per %s second; min..max of %d runs)\n",
	       tcg ? "1 vCPU, 1 task" : "2 tasks", tcg ? "guest (-icount)" : "wall-clock",
	       repeat);
	for (i = 0; i < 4 && strstr(part, "fast"); i++) {
		double lo = pf[i][0], hi = pf[i][0], sum = 0;

		for (r = 0; r < repeat; r++) {
			lo = pf[i][r] < lo ? pf[i][r] : lo;
			hi = pf[i][r] > hi ? pf[i][r] : hi;
			sum += pf[i][r];
		}
		if (!i)
			base = sum / repeat;
		printf("%-24s %10.0f  (%.0f..%.0f)  %+.2f%% vs stock, reporting off\n",
		       fast[i].name, sum / repeat, lo, hi,
		       base ? (sum / repeat / base - 1) * 100 : 0);
	}
	if (!strstr(part, "reclaim"))
		goto churn_table;
	printf("\n=== reclaim (1 GiB freed, QEMU RSS)\n");
	printf("%-24s %10s %10s %14s\n", "", "90% after", "98% after", "returned +20 s");
	for (i = 0; i < 2; i++)
		printf("%-24s %8.1f s %8.1f s %13.1f%%\n",
		       i ? "aeration=virtio" : "stock 6.12", rec[i].t_90, rec[i].t_98,
		       (rec[i].rss_touched - rec[i].rss_min_after) * 100.0 / (mib * 1024));
	if (rec[0].t_90 > 0 && rec[1].t_90 > 0)
		printf("%-24s %8.1fx %9.1fx\n", "stock / aeration", rec[0].t_90 / rec[1].t_90,
		       rec[1].t_98 > 0 ? rec[0].t_98 / rec[1].t_98 : 0);
churn_table:
	if (!strstr(part, "churn"))
		return 0;
	printf("\n=== churn (512 MiB freed and touched again, 6 rounds)\n");
	printf("%-24s", "interval");
	for (j = 0; j < nint; j++)
		printf(" %27ld ms", intervals[j]);
	printf("\n");
	for (i = 0; i < 4; i++) {
		printf("%-24s", churners[i].name);
		for (j = 0; j < nint; j++)
			printf(" %6ld flt %5ld MiB %6.2f s", ch[i][j].faults,
			       ch[i][j].in_kb >> 10, ch[i][j].busy_s);
		printf("\n");
	}
	printf("%-24s", "adaptive / stock");
	for (j = 0; j < nint; j++)
		printf(" %8.2fx %8.2fx %6.2fx",
		       ch[0][j].faults ? (double)ch[1][j].faults / ch[0][j].faults : 0,
		       ch[0][j].in_kb ? (double)ch[1][j].in_kb / ch[0][j].in_kb : 0,
		       ch[0][j].busy_s ? ch[1][j].busy_s / ch[0][j].busy_s : 0);
	/* What reporting itself cost: above the no-reporting floor. */
	for (i = 0; i < 2; i++) {
		printf("\n%-24s", i ? "  adaptive" : "over the floor: stock");
		for (j = 0; j < nint; j++)
			printf(" %+6ld flt %+5ld MiB %8s",
			       ch[i][j].faults - ch[3][j].faults,
			       (ch[i][j].in_kb - ch[3][j].in_kb) / 1024, "");
	}
	printf("\n(flt: QEMU host page faults during the rounds; MiB: how much QEMU's RSS grew,\n"
	       " summed over 100 ms samples; s: guest time spent touching.  The floor, with\n"
	       " nothing reported, is QEMU's own faults, TCG's included, and first touches)\n");
	return 0;
}

/* ---- storm: the engine flat out under allocation storms and OOM ---- */

struct storm {
	long start_free, end_free, free_aerated;
	int bad, killed;
	bool ended;
};

static void storm_line(struct guest *g, const char *l)
{
	struct storm *st = g->priv;

	if (strncmp(l, "AER ", 4))
		return;
	printf("guest| %s\n", l);
	if (sscanf(l, "AER storm end free_kb=%ld start_free_kb=%ld free_aerated_kb=%ld bad=%d killed=%d",
		   &st->end_free, &st->start_free, &st->free_aerated, &st->bad,
		   &st->killed) == 5)
		st->ended = true;
}

static int mode_storm(void)
{
	struct storm st = { 0 };
	struct guest g = {
		.append = "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 aeration=virtio aer.mode=storm aer.secs=20",
		.balloon = true, .line = storm_line, .priv = &st,
	};

	print_accel();
	run_guest(&g);
	if (g.kernel_trouble)
		printf("host: kernel trouble in guest log: %s\n", g.trouble);
	verdict(st.ended, "storm: guest stayed up through the storm and the OOM killer");
	verdict(st.ended && !st.bad, "storm: every page read back what was written (%d tasks bad)",
		st.bad);
	verdict(st.killed >= 1, "storm: memory pressure reached the OOM killer (%d killed)",
		st.killed);
	verdict(st.ended && st.end_free >= st.start_free * (1 - MEMFREE_TOLERANCE),
		"storm: MemFree + Slab back within 2%% after the storm (start %ld kB, end %ld kB)",
		st.start_free, st.end_free);
	verdict(st.ended && st.free_aerated <= st.end_free,
		"storm: aerated counters consistent (free and aerated %ld kB <= MemFree + Slab %ld kB)",
		st.free_aerated, st.end_free);
	verdict(!g.kernel_trouble, "storm: no BUG/WARNING/KASAN/lockdep line in the guest log");
	printf("storm: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* ---- bad input: aeration= values and sysfs writes ---- */

struct in_case {
	const char *param;	/* appended to the command line */
	const char *policy;	/* what /sys/kernel/mm/aeration/policy must say */
	const char *message;	/* a kernel message that must appear, or NULL */
};

struct in_result {
	char policy[64];
	bool message_seen;
	const char *message;
	bool writes;		/* judge the sysfs writes in this boot */
	int writes_ok, writes_bad;
};

static void in_line(struct guest *g, const char *l)
{
	struct in_result *r = g->priv;
	const char *p;

	if (strncmp(l, "AER ", 4))
		return;
	p = strstr(l, "AER policy=");
	if (p)
		sscanf(p + 11, "%63s", r->policy);
	if (!strncmp(l, "AER klog ", 9)) {
		printf("guest| %s\n", l + 9);
		if (r->message && strstr(l, r->message))
			r->message_seen = true;
	}
	if (!strncmp(l, "AER write ", 10) && r->writes) {
		bool ok = strlen(l) > 3 && !strcmp(l + strlen(l) - 3, " ok");

		printf("%s input: sysfs %s\n", ok ? "PASS" : "FAIL", l + 10);
		if (ok)
			r->writes_ok++;
		else
			r->writes_bad++;
	}
}

/* A packaged kernel, booted as it comes: no aeration= means auto. */
static int mode_boot(void)
{
	struct in_result r = { 0 };
	struct guest g = {
		.append = "console=ttyS0 loglevel=6 panic=-1 aer.mode=inputs",
		.line = in_line, .priv = &r,
	};

	print_accel();
	run_guest(&g);
	verdict(!strcmp(r.policy, "xen,hyperv,virtio") && !g.kernel_trouble,
		"boot: no aeration= on the command line: policy auto (%s), no BUG/WARNING/panic",
		r.policy);
	printf("boot: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int mode_input(void)
{
	static const struct in_case cases[] = {
		{ "aeration=", "xen,hyperv,virtio", "empty aeration=" },
		{ "aeration", "xen,hyperv,virtio", "empty aeration=" },
		{ "aeration=off", "off", NULL },
		{ "aeration=virtio,xen", "virtio,xen", NULL },
		{ "aeration=bogus,virtio,virtio", "virtio", "unknown backend 'bogus'" },
		{ "aeration=bogus,virtio,virtio", "virtio", "'virtio' repeated" },
		{ "aeration=xen,off", "xen", "unknown backend 'off'" },
		{ "aeration=xne", "xen,hyperv,virtio", "no known backend" },
		{ "aeration=virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio",
		  "xen,hyperv,virtio", "longer than 64" },
	};
	size_t i;

	print_accel();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct in_result r = { .message = cases[i].message, .writes = !i };
		char append[256];
		struct guest g = { .append = append, .line = in_line, .priv = &r };

		snprintf(append, sizeof(append),
			 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 aer.mode=inputs %s",
			 cases[i].param);
		printf("\n== %s\n", cases[i].param);
		run_guest(&g);
		verdict(!strcmp(r.policy, cases[i].policy) && !g.kernel_trouble,
			"input: %s boots, policy '%s' (want '%s')", cases[i].param,
			r.policy, cases[i].policy);
		if (cases[i].message)
			verdict(r.message_seen, "input: %s logs \"%s\"",
				cases[i].param, cases[i].message);
		if (i == 0)
			verdict(r.writes_ok >= 15 && !r.writes_bad,
				"input: %d bad sysfs writes refused with the right errno, values unchanged (%d wrong)",
				r.writes_ok, r.writes_bad);
	}
	printf("input: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* ---- KUnit ---- */

struct ku {
	int ok, not_ok, skip;
	bool suite_seen;
};

static void ku_line(struct guest *g, const char *l)
{
	struct ku *k = g->priv;
	const char *s = l;
	int n;
	char name[128];

	while (*s == ' ')
		s++;
	if (strstr(l, "# Subtest: aeration"))
		k->suite_seen = true;
	if (!k->suite_seen || s == l)	/* test cases are indented */
		return;
	if (sscanf(s, "ok %d %127s", &n, name) == 2) {
		if (strstr(s, "# SKIP")) {
			k->skip++;
			printf("SKIP kunit %s: %s\n", name, strstr(s, "# SKIP"));
		} else {
			k->ok++;
			printf("PASS kunit %s\n", name);
		}
	} else if (sscanf(s, "not ok %d %127s", &n, name) == 2) {
		k->not_ok++;
		printf("FAIL kunit %s\n", name);
	} else if (strstr(s, "Expected") || strstr(s, "ASSERTION") ||
		   strstr(s, "EXPECTATION")) {
		printf("  %s\n", s);
	}
}

static int mode_kunit(void)
{
	struct ku k = { 0 };
	struct guest g = {
		.append = "console=ttyS0 panic=-1 aeration=off kunit.filter_glob=aeration kunit_shutdown=reboot",
		.line = ku_line, .priv = &k,
	};

	print_accel();
	run_guest(&g);
	if (g.kernel_trouble)
		printf("host: kernel trouble in guest log: %s\n", g.trouble);
	if (!k.suite_seen)
		printf("FAIL kunit: the aeration suite did not run (CONFIG_AERATION_KUNIT_TEST?)\n");
	/* A skipped case means the suite could not own the engine: a failure. */
	passed = k.ok;
	failed = k.not_ok + k.skip + !k.suite_seen + g.kernel_trouble;
	printf("kunit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int mode_rss(int argc, char **argv)
{
	pid_t pid = argc > 2 ? atoi(argv[2]) : 0;
	double secs = argc > 3 ? atof(argv[3]) : 10, start = now();

	if (pid <= 0) {
		fprintf(stderr, "usage: hostrun rss PID [SECONDS]\n");
		return 2;
	}
	while (now() - start <= secs) {
		long kb = rss_kb(pid);

		if (kb < 0) {
			fprintf(stderr, "hostrun: no process %d\n", (int)pid);
			return 1;
		}
		printf("%.1f %ld\n", now() - start, kb);
		fflush(stdout);
		usleep(500000);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hostrun virtio|kunit|input|storm|boot|demo --kernel BZIMAGE --initrd CPIO [--mib N] [--qemu PATH]\n"
		"       hostrun xen|xen-domu --xen XEN --kernel BZIMAGE --initrd CPIO [--mib N]\n"
		"       hostrun hyperv --hvhost HVHOST --kernel BZIMAGE --initrd CPIO [--mib N]\n"
		"       hostrun bench --kernel BZIMAGE --stock STOCK_BZIMAGE --initrd CPIO [--repeat N] [--out DIR]\n"
		"             [--part fast,reclaim,churn] [--intervals MS,MS,...]\n"
		"       hostrun rss PID [SECONDS]\n"
		"AER_ACCEL=tcg|kvm picks the QEMU accelerator (default tcg).\n");
}

int main(int argc, char **argv)
{
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "rss"))
		return mode_rss(argc, argv);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--initrd") && i + 1 < argc)
			initrd = argv[++i];
		else if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			mib = atol(argv[++i]);
		else if (!strcmp(argv[i], "--qemu") && i + 1 < argc)
			qemu = argv[++i];
		else if (!strcmp(argv[i], "--xen") && i + 1 < argc)
			xen = argv[++i];
		else if (!strcmp(argv[i], "--hvhost") && i + 1 < argc)
			hvhost = argv[++i];
		else if (!strcmp(argv[i], "--stock") && i + 1 < argc)
			stock = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			outdir = argv[++i];
		else if (!strcmp(argv[i], "--part") && i + 1 < argc)
			part = argv[++i];
		else if (!strcmp(argv[i], "--intervals") && i + 1 < argc)
			bench_intervals = argv[++i];
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else {
			usage();
			return 2;
		}
	}
	if (!kernel || !initrd || mib <= 0 || mib > 1536) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "virtio"))
		return mode_virtio();
	if (!strcmp(argv[1], "kunit"))
		return mode_kunit();
	if (!strcmp(argv[1], "boot"))
		return mode_boot();
	if (!strcmp(argv[1], "input"))
		return mode_input();
	if (!strcmp(argv[1], "storm"))
		return mode_storm();
	if (!strcmp(argv[1], "bench")) {
		if (!stock) {
			usage();
			return 2;
		}
		return mode_bench();
	}
	if (!strcmp(argv[1], "demo"))
		return mode_demo();
	if (!strcmp(argv[1], "hyperv"))
		return mode_hyperv();
	domu = !strcmp(argv[1], "xen-domu");
	if (!strcmp(argv[1], "xen") || domu) {
		if (!xen) {
			usage();
			return 2;
		}
		return mode_xen();
	}
	usage();
	return 2;
}
