// SPDX-License-Identifier: GPL-2.0
/*
 * make check-kunit: the aeration KUnit suite at boot, read as KTAP.  Every
 * case the suite's plan ("1..N") announces must report ok: a case that
 * reports not ok or SKIP (the suite could not own the engine) fails, and
 * so does a guest that stops before the plan is complete.
 */
#include <stdio.h>
#include <string.h>

#include "runner.h"

struct ku {
	int ok, not_ok, skip, plan;	/* cases seen, and announced */
	int indent;	/* of the suite's lines; -1 until "# Subtest: aeration" */
	bool suite_ended;
};

static void ku_line(struct guest *g, const char *l)
{
	struct ku *k = g->priv;
	int n, indent = (int)strspn(l, " ");
	const char *s = l + indent;
	char name[128];

	if (k->indent < 0) {
		if (!strcmp(s, "# Subtest: aeration"))
			k->indent = indent;
		return;
	}
	/* The suite's own result line, one level up, ends it. */
	if (indent < k->indent) {
		if (sscanf(s, "ok %d aeration", &n) == 1 ||
		    sscanf(s, "not ok %d aeration", &n) == 1)
			k->suite_ended = true;
		return;
	}
	if (indent > k->indent || k->suite_ended)	/* a case's own subtests */
		return;
	if (sscanf(s, "1..%d", &n) == 1) {
		k->plan = n;
	} else if (sscanf(s, "ok %d %127s", &n, name) == 2) {
		/* A skipped case means the suite could not own the engine. */
		if (strstr(s, "# SKIP"))
			k->skip++;
		else
			k->ok++;
		verdict(!strstr(s, "# SKIP"), "kunit %s%s", name,
			strstr(s, "# SKIP") ? ": skipped" : "");
	} else if (sscanf(s, "not ok %d %127s", &n, name) == 2) {
		k->not_ok++;
		verdict(false, "kunit %s", name);
	} else if (strstr(s, "Expected") || strstr(s, "ASSERTION") ||
		   strstr(s, "EXPECTATION")) {
		printf("  %s\n", s);
	}
}

int mode_kunit(void)
{
	struct ku k = { .indent = -1 };
	struct guest g = {
		/*
		 * Guard pages where debug_pagealloc is built (the debug
		 * kernel): the minimum order alone enables none.
		 */
		.append = "console=ttyS0 panic=-1 aeration=off kunit.filter_glob=aeration "
			  "kunit_shutdown=reboot debug_pagealloc=on debug_guardpage_minorder=1",
		.line = ku_line, .priv = &k,
	};
	int reported;

	print_accel();
	run_guest(&g);
	reported = k.ok + k.not_ok + k.skip;
	/* KUnit's guest has no init workload: no "AER done" to wait for. */
	verdict(g.end == GUEST_OK, "kunit: QEMU exited cleanly (no timeout)");
	verdict(!g.kernel_trouble, "kunit: no BUG/WARNING/panic in the guest log%s%s",
		g.kernel_trouble ? ": " : "", g.trouble);
	verdict(k.indent >= 0, "kunit: the aeration suite ran (CONFIG_AERATION_KUNIT_TEST)");
	verdict(k.plan > 0 && reported == k.plan && k.suite_ended,
		"kunit: every case the plan announced reported (%d of %d%s)",
		reported, k.plan, k.suite_ended ? "" : ", no suite result line");
	return summary();
}
