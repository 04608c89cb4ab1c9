/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces the host programs share (xenaer, aerstat, the test runner):
 * strict number parsing, the name of the option getopt_long() stopped at,
 * and a monotonic clock.
 */
#ifndef _AER_HOSTS_CLI_H
#define _AER_HOSTS_CLI_H

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#endif /* _AER_HOSTS_CLI_H */
