// SPDX-License-Identifier: GPL-2.0
/*
 * aerstat: one KVM/QEMU guest's memory as the host sees it, through QMP.
 *
 *   aerstat --qmp PATH [--balloon QOM-PATH] [-i SECONDS] [-n COUNT] [--json]
 *
 * The QEMU process's RSS (its PID from the socket's SO_PEERCRED, then
 * /proc/PID/status), the balloon's actual size (query-balloon) and the
 * guest's own statistics (qom-get guest-stats on the balloon device).  No
 * libraries: a small JSON scanner (qmp.c) reads the few fields it needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"
#include "qmp.h"

#define POLL_S		2		/* guest-stats-polling-interval we set */
#define NO_STAT		UINT64_MAX	/* QEMU's "the guest never sent it" */
#define MAX_STATS	32

/* ---- what we read ----------------------------------------------------- */

struct rss {
	int err;			/* errno reading /proc/PID/status */
	char name[32];
	long vm, anon, file, shmem;	/* KiB, -1 if not there */
};

struct stat_val {
	char name[48];			/* QEMU's name without "stat-" */
	uint64_t val;
};

struct sample {
	pid_t pid;
	struct rss rss;
	uint64_t actual;		/* bytes */
	uint64_t last_update;		/* host seconds; 0: never */
	int nstats;
	struct stat_val stats[MAX_STATS];
};

struct ctx {
	struct qmp q;
	struct cli cli;			/* -i, -n, --json */
	char balloon[256];		/* QOM path */
	int reporting;			/* free-page-reporting: 1, 0, -1 unknown */
	bool polling_started;		/* we set the polling interval */
	uint64_t poll_s;
};

static void read_rss(pid_t pid, struct rss *r)
{
	char path[64], line[256];
	FILE *f;

	*r = (struct rss){ .vm = -1, .anon = -1, .file = -1, .shmem = -1 };
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f) {
		r->err = pid > 0 ? errno : ESRCH;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Name: %31s", r->name);
		sscanf(line, "VmRSS: %ld", &r->vm);
		sscanf(line, "RssAnon: %ld", &r->anon);
		sscanf(line, "RssFile: %ld", &r->file);
		sscanf(line, "RssShmem: %ld", &r->shmem);
	}
	fclose(f);
	if (r->vm < 0)
		r->err = ENODATA;
}

/* 1: QMP refused, with a message saying what; -1: connection gone. */
static int refused(struct ctx *c, int rc, const char *what)
{
	if (rc > 0)
		fprintf(stderr, "aerstat: %s: %s: %s\n", c->q.path, what, c->q.desc);
	return rc ? 1 : 0;
}

static int qom_get(struct ctx *c, const char *path, const char *prop, struct jv *v)
{
	char args[600], esc[512];

	snprintf(args, sizeof(args), "{\"path\":\"%s\",\"property\":\"%s\"}",
		 jesc(path, esc, sizeof(esc)), prop);
	return qmp_cmd(&c->q, "qom-get", args, v);
}

/* The first child<virtio-balloon...> under /machine/peripheral{,-anon}. */
static int find_balloon(struct ctx *c)
{
	static const char *const roots[] = {
		"/machine/peripheral", "/machine/peripheral-anon",
	};
	char args[128], name[128], type[128];
	struct jv list, e, v;
	const char *cur;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(args, sizeof(args), "{\"path\":\"%s\"}", roots[i]);
		rc = qmp_cmd(&c->q, "qom-list", args, &list);
		if (rc < 0)
			return -1;
		for (cur = NULL; !rc && jelem(list, &cur, &e);) {
			if (!jget(e, "name", &v) || !jstr(v, name, sizeof(name)) ||
			    !jget(e, "type", &v) || !jstr(v, type, sizeof(type)))
				continue;
			if (strncmp(type, "child<virtio-balloon", 20))
				continue;
			snprintf(c->balloon, sizeof(c->balloon), "%s/%s", roots[i], name);
			return 0;
		}
	}
	fprintf(stderr, "aerstat: %s: query-balloon answers but no virtio-balloon device is under /machine/peripheral or /machine/peripheral-anon; name it with --balloon QOM-PATH\n",
		c->q.path);
	return 1;
}

/* free-page-reporting lives on the virtio device, behind a PCI proxy. */
static void read_reporting(struct ctx *c)
{
	char path[300];
	struct jv v;

	c->reporting = -1;
	snprintf(path, sizeof(path), "%s/virtio-backend", c->balloon);
	if (qom_get(c, path, "free-page-reporting", &v) &&
	    qom_get(c, c->balloon, "free-page-reporting", &v))
		return;
	c->reporting = jis(v, "true") ? 1 : jis(v, "false") ? 0 : -1;
}

/* Stats come only while QEMU polls the guest for them: start it if off. */
static int start_polling(struct ctx *c)
{
	char args[600], esc[512];
	struct jv v;
	int rc;

	rc = qom_get(c, c->balloon, "guest-stats-polling-interval", &v);
	if (rc)
		return refused(c, rc, "reading guest-stats-polling-interval (is --balloon the balloon device?)");
	if (!ju64(v, &c->poll_s))
		c->poll_s = 0;
	if (c->poll_s)
		return 0;
	snprintf(args, sizeof(args),
		 "{\"path\":\"%s\",\"property\":\"guest-stats-polling-interval\",\"value\":%d}",
		 jesc(c->balloon, esc, sizeof(esc)), POLL_S);
	rc = qmp_cmd(&c->q, "qom-set", args, &v);
	if (rc)
		return refused(c, rc, "setting guest-stats-polling-interval");
	c->poll_s = POLL_S;
	c->polling_started = true;
	return 0;
}

static int setup(struct ctx *c)
{
	struct jv v;
	int rc;

	rc = qmp_cmd(&c->q, "query-balloon", NULL, &v);
	if (rc > 0 && !strcmp(c->q.cls, "DeviceNotActive")) {
		fprintf(stderr, "aerstat: %s: this guest has no balloon device (QEMU: %s); start it with -device virtio-balloon-pci,free-page-reporting=on\n",
			c->q.path, c->q.desc);
		return 1;
	}
	if (rc)
		return refused(c, rc, "query-balloon");
	if (!c->balloon[0]) {
		rc = find_balloon(c);
		if (rc)
			return 1;
	}
	rc = start_polling(c);
	if (!rc)
		read_reporting(c);
	return rc;
}

static void read_stats(struct sample *s, struct jv stats)
{
	const char *cur = NULL;
	struct jv key, val;
	char name[48];
	uint64_t x;
	char *p;

	while (s->nstats < MAX_STATS && jmember(stats, &cur, &key, &val)) {
		if (!jstr(key, name, sizeof(name)) || !ju64(val, &x) || x == NO_STAT)
			continue;
		/* The names go into our JSON unescaped: QEMU's own only. */
		if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-")])
			continue;
		p = strncmp(name, "stat-", 5) ? name : name + 5;
		snprintf(s->stats[s->nstats].name, sizeof(s->stats[0].name), "%s", p);
		s->stats[s->nstats++].val = x;
	}
}

static int take_sample(struct ctx *c, struct sample *s)
{
	struct jv v, m;
	int rc;

	read_rss(s->pid, &s->rss);
	rc = qmp_cmd(&c->q, "query-balloon", NULL, &v);
	if (rc)
		return refused(c, rc, "query-balloon");
	if (!jget(v, "actual", &m) || !ju64(m, &s->actual)) {
		fprintf(stderr, "aerstat: %s: query-balloon has no actual size\n",
			c->q.path);
		return 1;
	}
	rc = qom_get(c, c->balloon, "guest-stats", &v);
	if (rc)
		return refused(c, rc, "reading guest-stats");
	s->nstats = 0;
	if (!jget(v, "last-update", &m) || !ju64(m, &s->last_update))
		s->last_update = 0;
	if (s->last_update && jget(v, "stats", &m))
		read_stats(s, m);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static const struct {
	const char *name, *label;
	bool bytes;
} known[] = {
	{ "total-memory", "total memory", true },
	{ "free-memory", "free memory", true },
	{ "available-memory", "available memory", true },
	{ "disk-caches", "disk caches", true },
	{ "swap-in", "swapped in", true },
	{ "swap-out", "swapped out", true },
	{ "major-faults", "major faults", false },
	{ "minor-faults", "minor faults", false },
	{ "htlb-pgalloc", "hugetlb allocations", false },
	{ "htlb-pgfail", "hugetlb failures", false },
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

static long age_s(const struct sample *s)
{
	long age = (long)time(NULL) - (long)s->last_update;

	return age > 0 ? age : 0;
}

static void print_rss(const struct sample *s)
{
	const struct rss *r = &s->rss;

	if (s->pid <= 0) {
		printf("qemu: pid unknown (QEMU runs in another PID namespace?), rss unknown\n");
		return;
	}
	if (r->err) {
		printf("qemu: pid %d, rss unknown (/proc/%d/status: %s)\n",
		       (int)s->pid, (int)s->pid, strerror(r->err));
		return;
	}
	printf("qemu: pid %d (%s), rss %.1f MiB: anon %.1f, file %.1f, shmem %.1f MiB\n",
	       (int)s->pid, r->name, r->vm / 1024.0, r->anon / 1024.0,
	       r->file / 1024.0, r->shmem / 1024.0);
}

static void print_stats(const struct ctx *c, const struct sample *s)
{
	bool shown[MAX_STATS] = { false };
	size_t k;
	int i;

	if (!s->last_update) {
		printf("no guest stats yet: the guest has not answered (QEMU asks every %llu s%s)\n",
		       (unsigned long long)c->poll_s,
		       c->polling_started ? "; polling was off, aerstat turned it on" : "");
		return;
	}
	printf("guest stats, %ld s old:\n", age_s(s));
	for (k = 0; k < NKNOWN; k++)
		for (i = 0; i < s->nstats; i++) {
			if (strcmp(s->stats[i].name, known[k].name))
				continue;
			shown[i] = true;
			if (known[k].bytes)
				printf("  %-20s %12.1f MiB\n", known[k].label,
				       s->stats[i].val / 1048576.0);
			else
				printf("  %-20s %12llu\n", known[k].label,
				       (unsigned long long)s->stats[i].val);
		}
	for (i = 0; i < s->nstats; i++)	/* newer QEMU, newer names */
		if (!shown[i])
			printf("  %-20s %12llu\n", s->stats[i].name,
			       (unsigned long long)s->stats[i].val);
}

static void print_text(const struct ctx *c, const struct sample *s, bool stamp)
{
	char clock[16];
	time_t t = time(NULL);

	if (stamp) {
		strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
		printf("%s\n", clock);
	}
	print_rss(s);
	printf("balloon: %s, actual %.1f MiB, free page reporting %s\n",
	       c->balloon, s->actual / 1048576.0,
	       c->reporting < 0 ? "unknown" : c->reporting ? "on" : "off");
	print_stats(c, s);
}

static void json_kib(const char *key, bool ok, long v)
{
	if (ok)
		printf(",\"%s\":%ld", key, v);
	else
		printf(",\"%s\":null", key);
}

static void print_json(const struct ctx *c, const struct sample *s)
{
	bool rss = s->pid > 0 && !s->rss.err;
	struct timespec ts;
	char esc[512];
	const char *p;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("{\"time\":%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	json_kib("qemu_pid", s->pid > 0, s->pid);
	json_kib("rss_kib", rss, s->rss.vm);
	json_kib("rss_anon_kib", rss && s->rss.anon >= 0, s->rss.anon);
	json_kib("rss_file_kib", rss && s->rss.file >= 0, s->rss.file);
	json_kib("rss_shmem_kib", rss && s->rss.shmem >= 0, s->rss.shmem);
	printf(",\"balloon\":\"%s\",\"balloon_actual_bytes\":%llu,\"free_page_reporting\":%s,\"stats_polling_s\":%llu,\"guest_stats\":",
	       jesc(c->balloon, esc, sizeof(esc)), (unsigned long long)s->actual,
	       c->reporting < 0 ? "null" : c->reporting ? "true" : "false",
	       (unsigned long long)c->poll_s);
	if (!s->last_update) {
		printf("null}\n");
		return;
	}
	printf("{\"last_update\":%llu,\"age_s\":%ld",
	       (unsigned long long)s->last_update, age_s(s));
	for (i = 0; i < s->nstats; i++) {
		putchar(',');
		putchar('"');
		for (p = s->stats[i].name; *p; p++)
			putchar(*p == '-' ? '_' : *p);
		printf("\":%llu", (unsigned long long)s->stats[i].val);
	}
	printf("}}\n");
}

/* ---- options and main -------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: aerstat --qmp PATH [--balloon QOM-PATH] [-i SECONDS] [-n COUNT] [--json]\n"
"\n"
"One QEMU guest's memory as the host sees it, through its QMP socket\n"
"(QEMU started with -qmp unix:PATH,server=on,wait=off):\n"
"\n"
"  qemu         the QEMU process's resident memory (VmRSS, and its anon,\n"
"               file and shmem parts, from /proc/PID/status; the PID comes\n"
"               from the socket).  Guest RAM is anon memory, or shmem with a\n"
"               memfd or shared memory backend; hugetlbfs pages do not count.\n"
"  balloon      the balloon's actual size (query-balloon): guest RAM minus\n"
"               what the balloon holds.  Free page reporting does not change\n"
"               it: reported pages leave the RSS, not the balloon.\n"
"  guest stats  the guest's own figures (free, available, caches, faults),\n"
"               sent by its balloon driver when QEMU asks.  QEMU asks only\n"
"               with guest-stats-polling-interval set: if it is 0, aerstat\n"
"               sets it to 2 s and leaves it so (set it back with qom-set).\n"
"               Until the guest answers there are no stats, and aerstat says\n"
"               so.\n"
"\n"
"  --qmp PATH            the QMP unix socket (required)\n"
"  --balloon QOM-PATH    the balloon device, if aerstat does not find it\n"
"                        under /machine/peripheral{,-anon}\n"
"  -i SECONDS            a sample every SECONDS (fractions allowed);\n"
"                        without -n, until interrupted\n"
"  -n COUNT              COUNT samples (default 1), 1 s apart unless -i\n"
"  --json                one JSON object per line and sample; RSS in KiB,\n"
"                        balloon and memory stats in bytes, null if unknown\n"
"  -h, --help            this text\n"
"\n"
"QEMU serves one QMP client per socket: aerstat waits 5 s for the greeting.\n"
"Exit status: 0 done, 1 no QEMU, not QMP or no balloon, 2 bad usage.\n");
}

static void parse_opts(int argc, char **argv, struct ctx *c)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "qmp", required_argument, NULL, 'q' },
		{ "balloon", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = cli_getopt(&c->cli, argc, argv, CLI_SHORTOPTS,
			       longopts)) != -1) {
		if (o == 'q')
			c->q.path = optarg;
		else if (!*optarg || strlen(optarg) >= sizeof(c->balloon))
			cli_bad(&c->cli, "--balloon wants a QOM path", optarg);
		else
			strcpy(c->balloon, optarg);
	}
	if (!c->q.path || !*c->q.path)
		cli_bad(&c->cli, "--qmp PATH is required", NULL);
}

static int run(struct ctx *c)
{
	struct sample s = { 0 };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int rc;
	long i;

	if (qmp_connect(&c->q))
		return 1;
	/* The peer is QEMU itself: its PID finds its memory in /proc. */
	if (!getsockopt(c->q.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		s.pid = cred.pid;
	rc = setup(c);
	for (i = 0; !rc && cli_sample_due(&c->cli, i); i++) {
		rc = take_sample(c, &s);
		if (rc)
			break;
		if (c->cli.json)
			print_json(c, &s);
		else
			print_text(c, &s, c->cli.count != 1);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct ctx c = {
		.q = { .who = "aerstat", .fd = -1 },
		.cli = { .prog = "aerstat", .usage = usage },
	};
	int rc;

	parse_opts(argc, argv, &c);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = run(&c);
	if (c.q.fd >= 0)
		close(c.q.fd);
	free(c.q.buf);
	return rc;
}
