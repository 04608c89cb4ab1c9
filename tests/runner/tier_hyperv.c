// SPDX-License-Identifier: GPL-2.0
/*
 * make check-hyperv, end to end: hosts/hyperv/hvhost, a host written from
 * the TLFS, answers the backend's CPUID leaves and hypercalls over COM2
 * (the test transport) and punches holes in the file that backs guest
 * RAM.  What the host gets back is that file's allocated size.  Three
 * guests: a normal host; a host that refuses 4 KiB ranges (the guest must
 * fall back to 2 MiB blocks); a host that fails every hint (the backend
 * must stop, nothing lost); a host that says the partition is isolated
 * (confidential: the backend must refuse).  Then two guests with a virtio
 * balloon as well:
 * aeration= picks the backend.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

struct hv_host {
	char mem[64], sock[64], log[64];
	long calls, ranges, discarded_kib, bad;
	bool summary;	/* hvhost printed its counters */
};

static void hv_sample(struct guest *g, long kb)
{
	struct stat st;

	(void)kb;
	if (!stat(((struct tf *)g->priv)->file, &st))
		tf_sample(g, (long)(st.st_blocks / 2));
}

/* hvhost's log: its counters, and what it said besides the call trace. */
static void hv_read_log(struct hv_host *h)
{
	char line[512];
	FILE *f = fopen(h->log, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "hvhost: calls=%ld ranges=%ld discarded_kib=%ld bad=%ld",
			   &h->calls, &h->ranges, &h->discarded_kib, &h->bad) == 4) {
			h->summary = true;
			printf("host: %s", line);
		} else if (strncmp(line, "hvhost: hc ", 11) &&
			   strncmp(line, "hvhost: cpuid", 13)) {
			printf("host| %s", line);
		}
	}
	if (f)
		fclose(f);
}

/* One guest with hvhost @opts, a virtio balloon if @balloon; parameters @params. */
static void hv_run(struct tf *t, struct guest *g, struct hv_host *h,
		   const char *opts, bool balloon, const char *params)
{
	char append[320], obj[160], chr[128], cmd[512];
	const char *extra[] = {
		"-object", obj, "-machine", "pc,memory-backend=ram",
		"-chardev", chr,
		"-device", "isa-serial,chardev=hv,iobase=0x2f8,irq=3", NULL,
	};
	pid_t host = -1;
	int i;

	tf_init(t);
	memset(g, 0, sizeof(*g));
	memset(h, 0, sizeof(*h));
	g->append = append;
	g->balloon = balloon;
	g->line = tf_line;
	g->sample = hv_sample;
	g->priv = t;
	g->echo = 1;
	g->extra = extra;
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
		 params, opt.mib);
	snprintf(cmd, sizeof(cmd), "exec %s --mem %s --socket %s --timeout 60 %s > %s 2>&1",
		 opt.hvhost, h->mem, h->sock, opts, h->log);
	if (!opt.replay) {
		printf("host: %s\n", cmd);
		host = fork();
		if (host == 0) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
	}
	run_guest(g);
	/* hvhost ends when QEMU closes the socket; do not wait forever. */
	for (i = 0; host > 0 && i < 50 && waitpid(host, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	if (host > 0 && i == 50) {
		kill(host, SIGKILL);
		waitpid(host, NULL, 0);
	}
	hv_read_log(h);
	unlink(h->mem);
	unlink(h->sock);
	unlink(h->log);
}

static void reuse_verdict(const char *who, const struct tf *t)
{
	verdict(memfree_back(t) && t->reused && t->reuse_bad == 0,
		"%s: MemFree + Slab + Cached back within 2%% (start %ld kB, end %ld kB), %ld MiB reallocated with the pattern intact (%ld bad words)",
		who, t->start_free_kb, t->end_free_kb, opt.mib, t->reuse_bad);
}

/*
 * Two backends at once, the TLFS host and a virtio balloon: aeration='s
 * order decides which one is used, whichever probes first.  Either way
 * the guest RAM file (QEMU punches holes in it for the balloon too) falls.
 */
static void two_backends(void)
{
	static const char *const orders[] = { "virtio,hyperv", "hyperv,virtio" };
	long want = (long)(RECLAIM_FRACTION * opt.mib);
	char params[64], who[32], first[16];
	struct hv_host h;
	struct guest g;
	struct tf t;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(params, sizeof(params), "aeration=%s", orders[i]);
		snprintf(who, sizeof(who), "two backends %s", orders[i]);
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(orders[i], ","), orders[i]);
		printf("\n== the TLFS host and a virtio balloon, %s\n", params);
		hv_run(&t, &g, &h, "", true, params);
		guest_verdicts(who, &g);
		verdict(!strcmp(t.backend, first), "%s: backend=%s (got '%s')",
			who, first, t.backend);
		verdict(touched_measured(&t) && t.t_90 >= 0 && t.t_90 <= RECLAIM_DEADLINE_S &&
			(t.rss_touched - t.rss_at_deadline) / 1024 >= want,
			"%s: guest RAM file fell by >= %ld MiB within %.0f s (90%% at %.1f s; host took %ld heat hints)",
			who, want, RECLAIM_DEADLINE_S, t.t_90, h.calls);
	}
}

int mode_hyperv(void)
{
	long mib = opt.mib, want = (long)(RECLAIM_FRACTION * mib);
	struct hv_host h;
	struct guest g;
	struct tf t;

	print_accel();
	printf("\n== aeration=hyperv, TLFS test host over COM2, guest RAM in a shared file\n");
	hv_run(&t, &g, &h, "", false, "");
	guest_verdicts("hyperv", &g);
	verdict(!strcmp(t.backend, "hyperv"), "hyperv: backend=hyperv (got '%s')", t.backend);
	verdict(touched_measured(&t) && t.t_90 >= 0 && t.t_90 <= RECLAIM_DEADLINE_S &&
		(t.rss_touched - t.rss_at_deadline) / 1024 >= want,
		"hyperv: guest RAM file fell by >= %ld MiB within %.0f s of the free (%ld -> %ld MiB, 90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, t.rss_touched / 1024,
		t.rss_at_deadline / 1024, t.t_90);
	reuse_verdict("hyperv", &t);
	verdict(h.summary && h.calls > 0 && h.bad == 0,
		"hyperv: host took %ld heat hints, %ld ranges, %ld MiB, %ld bad frames",
		h.calls, h.ranges, h.discarded_kib / 1024, h.bad);
	if (h.discarded_kib > 0)
		printf("hyperv: %.1f hint calls and %.1f ranges per GiB discarded\n",
		       h.calls * 1048576.0 / h.discarded_kib,
		       h.ranges * 1048576.0 / h.discarded_kib);

	printf("\n== hyperv, host refuses 4 KiB ranges (INVALID_PARAMETER); guest min_order 0\n");
	hv_run(&t, &g, &h, "--reject-small", false, "aer.min_order=0");
	guest_verdicts("reject-small", &g);
	verdict(t.refused && t.min_order >= 9,
		"reject-small: guest fell back to 2 MiB blocks (min_order %ld)", t.min_order);
	verdict(touched_measured(&t) && t.t_90 >= 0 && t.t_90 <= RECLAIM_DEADLINE_S,
		"reject-small: guest RAM file still fell by >= %ld MiB within %.0f s (90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, t.t_90);
	reuse_verdict("reject-small", &t);

	printf("\n== hyperv, host fails every heat hint (ACCESS_DENIED)\n");
	hv_run(&t, &g, &h, "--fail-all 6", false, "");
	guest_verdicts("fail-all", &g);
	verdict(t.stopped && !strcmp(t.backend, "none"),
		"fail-all: backend stopped after repeated failures (backend '%s')", t.backend);
	verdict(touched_measured(&t) && (t.rss_touched - t.rss_at_deadline) / 1024 < mib / 10,
		"fail-all: nothing discarded (guest RAM file %ld MiB after the touch, fell %ld MiB)",
		t.rss_touched / 1024, (t.rss_touched - t.rss_at_deadline) / 1024);
	reuse_verdict("fail-all", &t);

	printf("\n== hyperv, the host says the partition is isolated (SNP)\n");
	hv_run(&t, &g, &h, "--isolation snp", false, "");
	guest_verdicts("isolated", &g);
	verdict(!strcmp(t.backend, "none") && t.isolated,
		"isolated: backend refused in a confidential partition (backend '%s', message %s)",
		t.backend, t.isolated ? "logged" : "missing");
	verdict(h.summary && h.calls == 0 && touched_measured(&t) &&
		(t.rss_touched - t.rss_at_deadline) / 1024 < mib / 10,
		"isolated: no heat hint sent, nothing discarded (%ld calls, RAM file fell %ld MiB)",
		h.calls, (t.rss_touched - t.rss_at_deadline) / 1024);
	reuse_verdict("isolated", &t);
	two_backends();
	return summary();
}
