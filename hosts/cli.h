/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces the host programs share (xenaer, aerstat, the test runner): the
 * command line both tools have, strict number parsing, and a monotonic
 * clock.  Header only; it needs POSIX (-D_DEFAULT_SOURCE or _GNU_SOURCE).
 *
 * The tools' command line: their own options, then -i SECONDS, -n COUNT,
 * --json and -h/--help, all read by cli_getopt().  Bad usage prints
 * "PROG: WHAT: 'VALUE'" and "try 'PROG --help'" and exits with status 2.
 */
#ifndef _AER_HOSTS_CLI_H
#define _AER_HOSTS_CLI_H

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef CLOCK_MONOTONIC
#error "hosts/cli.h wants POSIX clocks: build with -D_DEFAULT_SOURCE or define _GNU_SOURCE first"
#endif

/* A plain decimal number: strtoul alone takes "-1", " 7" and "7x". */
static inline bool parse_ulong(const char *s, unsigned long max,
			       unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/* Seconds, fractions allowed, at most a day. */
static inline bool parse_seconds(const char *s, double *out)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out) && *out <= 86400;
}

/* The option getopt stopped at: "-x" for a short one, else the word. */
static inline const char *opt_name(char **argv)
{
	static char buf[3] = "-";
	const char *w = argv[optind - 1];

	if (!optopt || optopt > 0xff || !strncmp(w, "--", 2))
		return w;
	buf[1] = (char)optopt;
	return buf;
}

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the tools' command line ------------------------------------------- */

/* A tool's own options come after these; it must not use i, n, h or j. */
#define CLI_SHORTOPTS	":i:n:h"
#define CLI_LONGOPTS					\
	{ "help", no_argument, NULL, 'h' },		\
	{ "json", no_argument, NULL, 'j' }

struct cli {
	const char *prog;		/* set by the tool: its name */
	void (*usage)(FILE *f);		/* set by the tool: its --help */
	bool json;			/* --json */
	double interval;		/* -i; 1 s without it */
	long count;			/* -n; 1 without it, 0 (no end) with -i alone */
	bool have_i;			/* -i given */
};

/* Bad usage: what is wrong, and the value at fault unless NULL. */
static inline _Noreturn void cli_bad(const struct cli *c, const char *what,
				     const char *val)
{
	fprintf(stderr, "%s: %s%s%s%s\ntry '%s --help'\n", c->prog, what,
		val ? ": '" : "", val ? val : "", val ? "'" : "", c->prog);
	exit(2);
}

/*
 * getopt_long() that reads the shared options itself and exits on bad
 * usage: returns the next of the tool's own options (optarg its value), or
 * -1 once the command line is all read and c's defaults are filled in.
 */
static inline int cli_getopt(struct cli *c, int argc, char **argv,
			     const char *shortopts,
			     const struct option *longopts)
{
	unsigned long n;
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (o) {
		case 'i':
			if (!parse_seconds(optarg, &c->interval))
				cli_bad(c, "-i wants seconds from 0 to 86400", optarg);
			c->have_i = true;
			break;
		case 'n':
			if (!parse_ulong(optarg, LONG_MAX, &n) || !n)
				cli_bad(c, "-n wants a count of 1 or more", optarg);
			c->count = n;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			c->usage(stdout);
			exit(0);
		case ':':
			cli_bad(c, "option needs a value", opt_name(argv));
		case '?':
			cli_bad(c, "unknown option", opt_name(argv));
		default:
			return o;
		}
	}
	if (optind < argc)
		cli_bad(c, "unexpected argument", argv[optind]);
	if (!c->have_i)
		c->interval = 1;
	if (!c->count)
		c->count = c->have_i ? 0 : 1;
	return -1;
}

/* Whether sample i (from 0) is due; every one after the first waits -i. */
static inline bool cli_sample_due(const struct cli *c, long i)
{
	struct timespec ts;

	if (c->count && i >= c->count)
		return false;
	if (i) {
		ts.tv_sec = (time_t)c->interval;
		ts.tv_nsec = (long)((c->interval - ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	return true;
}

#endif /* _AER_HOSTS_CLI_H */
