// SPDX-License-Identifier: GPL-2.0
/*
 * make check-input: bad aeration= values, each in its own boot: the guest
 * boots, the kernel logs its message and ends with the documented policy;
 * in the first boot, bad writes to the sysfs tunables each fail with the
 * right errno and leave the value unchanged.  Then upstream's
 * page_reporting.page_reporting_order=, with a balloon.  Mode boot: a packaged kernel
 * booted as it comes (make check-deb): no aeration= means auto.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

#define POLICY_AUTO	"xen,hyperv,hv_balloon,virtio"
#define BAD_WRITES	15	/* tests/guest/workloads.c inputs() */

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
	char result[8];

	if (aer_is(l, AER_INPUTS))
		aer_str(l, "policy", r->policy, sizeof(r->policy));
	if (aer_is(l, AER_KLOG)) {
		printf("guest| %s\n", l + strlen(AER_KLOG) + 1);
		if (r->message && strstr(l, r->message))
			r->message_seen = true;
	}
	if (aer_is(l, AER_WRITE) && r->writes) {
		bool ok = aer_str(l, "result", result, sizeof(result)) &&
			  !strcmp(result, "ok");

		printf("%s input: sysfs %s\n", ok ? "PASS" : "FAIL",
		       l + strlen(AER_WRITE) + 1);
		if (ok)
			r->writes_ok++;
		else
			r->writes_bad++;
	}
}

static void boot(struct in_result *r, struct guest *g, const char *append)
{
	memset(g, 0, sizeof(*g));
	g->append = append;
	g->line = in_line;
	g->priv = r;
	run_guest(g);
}

int mode_boot(void)
{
	struct in_result r = { 0 };
	struct guest g;

	print_accel();
	boot(&r, &g, "console=ttyS0 loglevel=6 panic=-1 aer.mode=inputs");
	guest_verdicts("boot", &g);
	verdict(!strcmp(r.policy, POLICY_AUTO),
		"boot: no aeration= on the command line: policy auto (%s)", r.policy);
	return summary();
}

struct order_result {
	char boot_param[16], boot_order[16], run_param[16], run_order[16];
	long bad_errno;
};

static void order_line(struct guest *g, const char *l)
{
	struct order_result *r = g->priv;
	char at[8];

	if (!aer_is(l, AER_ORDER) || !aer_str(l, "at", at, sizeof(at)))
		return;
	printf("guest| %s\n", l);
	if (!strcmp(at, "boot")) {
		aer_str(l, "param", r->boot_param, sizeof(r->boot_param));
		aer_str(l, "min_order", r->boot_order, sizeof(r->boot_order));
	} else {
		aer_str(l, "param", r->run_param, sizeof(r->run_param));
		aer_str(l, "min_order", r->run_order, sizeof(r->run_order));
		aer_long(l, "bad_errno", &r->bad_errno);
	}
}

/*
 * Upstream's page_reporting.page_reporting_order=, which distributions put
 * on command lines: the same meaning, at boot and written at run time.
 */
static void order_round(void)
{
	struct order_result r = { .bad_errno = -1 };
	struct guest g = {
		.append = "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 aeration=virtio "
			  "page_reporting.page_reporting_order=7 aer.mode=order",
		.balloon = true, .line = order_line, .priv = &r,
	};

	printf("\n== page_reporting.page_reporting_order=7, then 10 written at run time\n");
	run_guest(&g);
	guest_verdicts("order", &g);
	verdict(!strcmp(r.boot_param, "7") && !strcmp(r.boot_order, "7"),
		"order: page_reporting.page_reporting_order=7 at boot: parameter %s, engine min_order %s",
		r.boot_param, r.boot_order);
	verdict(r.bad_errno == EINVAL,
		"order: writing 11 to the parameter fails with EINVAL (errno %ld)", r.bad_errno);
	verdict(!strcmp(r.run_param, "10") && !strcmp(r.run_order, "10"),
		"order: 10 written at run time: parameter %s, engine min_order %s after the next pass",
		r.run_param, r.run_order);
}

int mode_input(void)
{
	static const struct in_case cases[] = {
		{ "aeration=", POLICY_AUTO, "empty aeration=" },
		{ "aeration", POLICY_AUTO, "empty aeration=" },
		{ "aeration=off", "off", NULL },
		{ "aeration=virtio,xen", "virtio,xen", NULL },
		{ "aeration=bogus,virtio,virtio", "virtio", "unknown backend 'bogus'" },
		{ "aeration=bogus,virtio,virtio", "virtio", "'virtio' repeated" },
		{ "aeration=xen,off", "xen", "unknown backend 'off'" },
		{ "aeration=xne", POLICY_AUTO, "no known backend" },
		{ "aeration=virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio,virtio",
		  POLICY_AUTO, "longer than 64" },
	};
	size_t i;

	print_accel();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct in_result r = { .message = cases[i].message, .writes = !i };
		char append[256], who[96];
		struct guest g;

		snprintf(append, sizeof(append),
			 "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 aer.mode=inputs %s",
			 cases[i].param);
		snprintf(who, sizeof(who), "input %.80s", cases[i].param);
		printf("\n== %s\n", cases[i].param);
		boot(&r, &g, append);
		guest_verdicts(who, &g);
		verdict(!strcmp(r.policy, cases[i].policy),
			"input: %s: policy '%s' (want '%s')", cases[i].param,
			r.policy, cases[i].policy);
		if (cases[i].message)
			verdict(r.message_seen, "input: %s logs \"%s\"",
				cases[i].param, cases[i].message);
		if (i == 0)
			verdict(r.writes_ok == BAD_WRITES && !r.writes_bad,
				"input: %d of %d bad sysfs writes refused with the right errno, values unchanged (%d wrong)",
				r.writes_ok, BAD_WRITES, r.writes_bad);
	}
	order_round();
	return summary();
}
