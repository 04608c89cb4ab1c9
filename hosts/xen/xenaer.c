// SPDX-License-Identifier: GPL-2.0
/*
 * xenaer: what each Xen domain holds and has given back, from dom0.
 *
 *   xenaer [-d DOMID] [-i SECONDS] [-n COUNT] [--json]
 *
 * Xen's own accounting through libxenctrl: its free memory (xc_physinfo)
 * and every domain's reservation and cap (xc_domain_getinfolist).  When
 * xenstored's socket is there, the balloon target and the domain's name
 * come from xenstore.  Operators run it in a real dom0; the Xen test tier
 * runs it inside its dom0 (tests/guest/xen.c, --json -d 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "../cli.h"

#define KIB_PER_PAGE	(XC_PAGE_SIZE / 1024)
#define BATCH		256	/* domains per xc_domain_getinfolist call */
#define UNKNOWN		(-1LL)

struct dom {
	unsigned int domid;
	long long tot_kib, max_kib;	/* max_kib UNKNOWN: no limit */
	long long target_kib;		/* UNKNOWN: no xenstore */
	char name[64];			/* "" without xenstore */
};

struct opts {
	struct cli cli;			/* -i, -n, --json */
	bool one;			/* -d */
	unsigned int domid;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: xenaer [-d DOMID] [-i SECONDS] [-n COUNT] [--json]\n"
"\n"
"Xen's free memory, and for every domain (or one, with -d) what it holds\n"
"and what it has given back, as Xen accounts it.  Runs in dom0 as root: it\n"
"talks to Xen through /dev/xen/privcmd (libxenctrl).\n"
"\n"
"  tot         the domain's current reservation (tot_pages): memory it holds\n"
"  max         the most Xen lets it hold (max_pages), or \"no limit\"\n"
"  max-tot     memory given back: what it may hold but does not.  This is\n"
"              everything the guest handed back, so for a guest that also\n"
"              balloons it includes the ballooned memory, not only what\n"
"              aeration returned.  xl sets max 1 MiB above the domain's\n"
"              memory, so a domain that holds everything shows about 1 MiB.\n"
"  target      the balloon target (xenstore memory/target); shown only when\n"
"              xenstored's socket is there, \"-\" otherwise\n"
"  target-tot  memory given back below the balloon target: what aeration\n"
"              returned, with ballooning taken out.  Off while a balloon\n"
"              driver is still moving toward a new target, and lower by the\n"
"              video RAM on HVM guests (tot counts it, the target does not).\n"
"\n"
"  -d DOMID     one domain only\n"
"  -i SECONDS   a sample every SECONDS (fractions allowed); without -n,\n"
"               until interrupted\n"
"  -n COUNT     COUNT samples (default 1), 1 s apart unless -i says otherwise\n"
"  --json       one JSON object per line and sample, sizes in KiB, null for\n"
"               what is not known\n"
"  -h, --help   this text\n"
"\n"
"Exit status: 0 done, 1 Xen refused or no such domain, 2 bad usage.\n");
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;

	while (cli_getopt(&o->cli, argc, argv, CLI_SHORTOPTS "d:",
			  longopts) != -1) {
		if (!parse_ulong(optarg, DOMID_FIRST_RESERVED - 1, &v))
			cli_bad(&o->cli, "-d wants a domain id from 0 to 32751", optarg);
		o->one = true;
		o->domid = v;
	}
}

/*
 * xenstore only through xenstored's socket: in a dom0 without xenstored
 * (our test dom0) libxenstore falls back to the kernel's xenbus device,
 * and a read there waits for a xenstored that never comes.  Pinning
 * XENSTORED_PATH to the socket makes both of xs_open()'s tries use it.
 */
static struct xs_handle *xs_open_socket(void)
{
	const char *path = xs_daemon_socket();
	struct stat st;

	if (!path || stat(path, &st) || !S_ISSOCK(st.st_mode))
		return NULL;
	if (setenv("XENSTORED_PATH", path, 1))
		return NULL;
	return xs_open(0);
}

static bool xs_get(struct xs_handle *xs, unsigned int domid, const char *key,
		   char *buf, size_t size)
{
	char path[64];
	unsigned int len;
	char *val;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, key);
	val = xs_read(xs, XBT_NULL, path, &len);
	if (!val)
		return false;
	snprintf(buf, size, "%s", val);
	free(val);
	return true;
}

static void dom_fill(struct dom *d, const xc_domaininfo_t *info,
		     struct xs_handle *xs)
{
	char buf[32];
	unsigned long kib;

	d->domid = info->domain;
	d->tot_kib = (long long)info->tot_pages * KIB_PER_PAGE;
	/* Xen clamps max_pages to UINT_MAX: there, it is no cap at all. */
	if (info->max_pages >= UINT_MAX)
		d->max_kib = UNKNOWN;
	else
		d->max_kib = (long long)info->max_pages * KIB_PER_PAGE;
	d->target_kib = UNKNOWN;
	d->name[0] = 0;
	if (!xs)
		return;
	if (xs_get(xs, d->domid, "memory/target", buf, sizeof(buf)) &&
	    parse_ulong(buf, LLONG_MAX / 1024, &kib))
		d->target_kib = kib;
	xs_get(xs, d->domid, "name", d->name, sizeof(d->name));
}

static const char *xc_hint(int err)
{
	return err == EPERM || err == EACCES ? " (run in dom0 as root)" : "";
}

/* Every domain, or just o->domid; *n set.  NULL after saying why. */
static struct dom *list_domains(xc_interface *xch, struct xs_handle *xs,
				const struct opts *o, size_t *n)
{
	static xc_domaininfo_t info[BATCH];
	struct dom *doms = NULL, *grown;
	unsigned int first = o->one ? o->domid : 0;
	int got, i;

	*n = 0;
	do {
		got = xc_domain_getinfolist(xch, first, o->one ? 1 : BATCH, info);
		if (got < 0) {
			fprintf(stderr, "xenaer: xc_domain_getinfolist: %s%s\n",
				strerror(errno), xc_hint(errno));
			free(doms);
			return NULL;
		}
		/* The list starts at the first domain >= first. */
		if (o->one && (got < 1 || info[0].domain != o->domid)) {
			fprintf(stderr, "xenaer: no domain %u\n", o->domid);
			free(doms);
			return NULL;
		}
		grown = realloc(doms, (*n + got + 1) * sizeof(*doms));
		if (!grown) {
			fprintf(stderr, "xenaer: out of memory\n");
			free(doms);
			return NULL;
		}
		doms = grown;
		for (i = 0; i < got; i++)
			dom_fill(&doms[(*n)++], &info[i], xs);
		if (got)
			first = info[got - 1].domain + 1;
	} while (!o->one && got == BATCH);
	return doms;
}

/* MiB with one decimal, or "-" for UNKNOWN. */
static const char *mib(char *buf, size_t size, bool known, long long kib)
{
	if (!known)
		return "-";
	snprintf(buf, size, "%.1f", kib / 1024.0);
	return buf;
}

static void print_table(const xc_physinfo_t *phys, const struct dom *doms,
			size_t n, bool stamp)
{
	char clock[16] = "", a[24], b[24], c[24], d[24], e[24];
	time_t t = time(NULL);
	size_t i;

	if (stamp)
		strftime(clock, sizeof(clock), "%H:%M:%S ", localtime(&t));
	printf("%sXen: %.1f MiB free of %.1f MiB\n", clock,
	       phys->free_pages * KIB_PER_PAGE / 1024.0,
	       phys->total_pages * KIB_PER_PAGE / 1024.0);
	printf("%5s %-16s %10s %10s %10s %10s %10s  (MiB)\n", "domid", "name",
	       "tot", "max", "max-tot", "target", "target-tot");
	for (i = 0; i < n; i++) {
		const struct dom *m = &doms[i];
		bool max = m->max_kib != UNKNOWN, tgt = m->target_kib != UNKNOWN;

		printf("%5u %-16.16s %10s %10s %10s %10s %10s\n", m->domid,
		       m->name[0] ? m->name : "-",
		       mib(a, sizeof(a), true, m->tot_kib),
		       max ? mib(b, sizeof(b), true, m->max_kib) : "no limit",
		       mib(c, sizeof(c), max, m->max_kib - m->tot_kib),
		       mib(d, sizeof(d), tgt, m->target_kib),
		       mib(e, sizeof(e), tgt, m->target_kib - m->tot_kib));
	}
}

static void json_num(const char *key, bool known, long long v)
{
	if (known)
		printf(",\"%s\":%lld", key, v);
	else
		printf(",\"%s\":null", key);
}

/* Domain names come from the toolstack: escape them. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_json(const xc_physinfo_t *phys, const struct dom *doms,
		       size_t n)
{
	struct timespec ts;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("{\"time\":%lld.%03ld,\"xen\":{\"total_kib\":%llu,\"free_kib\":%llu},\"domains\":[",
	       (long long)ts.tv_sec, ts.tv_nsec / 1000000,
	       (unsigned long long)phys->total_pages * KIB_PER_PAGE,
	       (unsigned long long)phys->free_pages * KIB_PER_PAGE);
	for (i = 0; i < n; i++) {
		const struct dom *m = &doms[i];
		bool max = m->max_kib != UNKNOWN, tgt = m->target_kib != UNKNOWN;

		printf("%s{\"domid\":%u,\"name\":", i ? "," : "", m->domid);
		if (m->name[0])
			json_str(m->name);
		else
			printf("null");
		json_num("tot_kib", true, m->tot_kib);
		json_num("max_kib", max, m->max_kib);
		json_num("max_minus_tot_kib", max, m->max_kib - m->tot_kib);
		json_num("target_kib", tgt, m->target_kib);
		json_num("target_minus_tot_kib", tgt, m->target_kib - m->tot_kib);
		putchar('}');
	}
	printf("]}\n");
}

static int sample(xc_interface *xch, struct xs_handle *xs, const struct opts *o)
{
	xc_physinfo_t phys = { 0 };
	struct dom *doms;
	size_t n;

	if (xc_physinfo(xch, &phys)) {
		fprintf(stderr, "xenaer: xc_physinfo: %s%s\n", strerror(errno),
			xc_hint(errno));
		return 1;
	}
	doms = list_domains(xch, xs, o, &n);
	if (!doms)
		return 1;
	if (o->cli.json)
		print_json(&phys, doms, n);
	else
		print_table(&phys, doms, n, o->cli.count != 1);
	free(doms);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .cli = { .prog = "xenaer", .usage = usage } };
	xentoollog_logger *log;
	struct xs_handle *xs;
	xc_interface *xch;
	int rc = 0, err;
	long i;

	parse_opts(argc, argv, &o);

	/* libxenctrl's own messages are noise next to ours: criticals only. */
	log = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
								XTL_CRITICAL, 0);
	errno = 0;
	xch = xc_interface_open(log, log, 0);
	if (!xch) {
		err = errno;
		fprintf(stderr, "xenaer: cannot open the Xen control interface: %s (run in dom0 as root)\n",
			err ? strerror(err) : "no /dev/xen/privcmd");
		xtl_logger_destroy(log);
		return 1;
	}
	xs = xs_open_socket();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; !rc && cli_sample_due(&o.cli, i); i++) {
		if (i && !o.cli.json)
			putchar('\n');
		rc = sample(xch, xs, &o);
	}
	xs_close(xs);
	xc_interface_close(xch);
	xtl_logger_destroy(log);
	return rc;
}
