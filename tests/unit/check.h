/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space tests' harness, one per test binary (include it once).
 *
 * RUN(fn) runs one test and ends it with one verdict: "PASS <name>",
 * "FAIL <name>: <why>" or "SKIP <name>: <why>".  Inside a test:
 *   CHECK(cond)        fails the test and returns from it;
 *   FAIL_MSG(fmt, ...) fails it with a message (the caller returns);
 *   SKIP(fmt, ...)     the test cannot run on this machine, and the tier
 *                      expects that: counted as skipped (the caller returns);
 *   NEED(cond, fmt, ...) a prerequisite that make deps installs: if it is
 *                      missing the skip is unexpected and fails the test,
 *                      unless AER_ALLOW_SKIP is set in the environment
 *                      (a machine without the package, on purpose).
 * check_after, if set, is run after every test that was not skipped: a
 * state every test must leave behind (NULL, or why not).
 *
 * main() ends with "return summary("<tier>");", which prints
 * "<tier>: N passed, M failed, S skipped", the line make check sums, and
 * returns non-zero if anything failed.  tests/tools/test_tools.sh keeps
 * the same rules in shell.
 */
#ifndef _AER_TEST_CHECK_H
#define _AER_TEST_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int passed, failed, skipped;
static const char *cur;			/* the running test */
static bool cur_failed, cur_skipped;
static const char *(*check_after)(void);

/* The FAIL line's head; the caller prints the rest and the newline. */
static inline void fail_head_(void)
{
	printf("FAIL %s: ", cur);
	cur_failed = true;
}

#define FAIL_MSG(...) do {						\
	fail_head_();							\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		FAIL_MSG("%s:%d: %s", __FILE__, __LINE__, #cond);	\
		return;							\
	}								\
} while (0)

/* A skip nobody asked for is a failure: it hides what did not run. */
static inline void skip_head_(bool expected)
{
	const char *allow = getenv("AER_ALLOW_SKIP");

	if (expected || (allow && *allow)) {
		printf("SKIP %s: ", cur);
		cur_skipped = true;
	} else {
		printf("FAIL %s: skipped unexpectedly (AER_ALLOW_SKIP=1 allows it): ",
		       cur);
		cur_failed = true;
	}
}

#define SKIP(...) do {							\
	skip_head_(true);						\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define NEED(cond, ...) do {						\
	if (!(cond)) {							\
		skip_head_(false);					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		return;							\
	}								\
} while (0)

static inline void run_test_(void (*fn)(void), const char *name)
{
	const char *why;

	cur = name;
	cur_failed = cur_skipped = false;
	fn();
	if (cur_skipped && !cur_failed) {
		skipped++;
		return;
	}
	/* Whatever the test did, it must leave a sane state behind. */
	if (check_after && (why = check_after()))
		FAIL_MSG("after the test: %s", why);
	if (cur_failed) {
		failed++;
	} else {
		passed++;
		printf("PASS %s\n", cur);
	}
}

#define RUN(fn) run_test_(fn, #fn)

static inline int summary(const char *tier)
{
	printf("%s: %d passed, %d failed, %d skipped\n", tier, passed, failed,
	       skipped);
	return failed ? 1 : 0;
}

#endif /* _AER_TEST_CHECK_H */
