/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space tests' harness: CHECK() fails the running test and
 * returns from it, RUN() runs one, prints PASS or FAIL and counts it.
 * One test binary includes it once; it ends by printing
 * "<tier>: N passed, M failed", which make check sums.
 */
#ifndef _AER_TEST_CHECK_H
#define _AER_TEST_CHECK_H

#include <stdio.h>

static int passed, failed;
static const char *cur;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("FAIL %s: %s:%d: %s\n", cur, __FILE__, __LINE__, #cond); \
		failed++;						\
		return;							\
	}								\
} while (0)

#define RUN(fn) do {							\
	int f0_ = failed;						\
	cur = #fn;							\
	fn();								\
	if (failed == f0_)						\
		passed++;						\
	printf("%s %s\n", failed == f0_ ? "PASS" : "FAIL", cur);	\
} while (0)

#endif /* _AER_TEST_CHECK_H */
