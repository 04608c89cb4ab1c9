/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line pieces the host tools share (xenaer, aerstat): strict
 * number parsing and the name of the option getopt_long() stopped at.
 */
#ifndef _AER_HOSTS_CLI_H
#define _AER_HOSTS_CLI_H

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

#endif /* _AER_HOSTS_CLI_H */
