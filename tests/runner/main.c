// SPDX-License-Identifier: GPL-2.0
/*
 * hostrun: the host side of the test tiers and of make demo and make bench.
 *
 *   hostrun virtio|kunit|input|storm|boot|demo --kernel BZIMAGE --initrd CPIO
 *   hostrun xen|xen-domu|xen-pvh|xen-domu-pvh|xen-scrub --xen XEN --kernel BZIMAGE --initrd CPIO
 *   hostrun hyperv --hvhost HVHOST --kernel BZIMAGE --initrd CPIO
 *   hostrun isolate [--xen XEN] --kernel BZIMAGE --initrd CPIO (check-debug)
 *   hostrun bench --kernel BZIMAGE --stock STOCK_BZIMAGE --initrd CPIO
 *
 * --qemu qemu-system-aarch64 boots an arm64 Image on QEMU's virt machine
 * (make check-arm64).
 *
 * Each tier ends with "<tier>: N passed, M failed, 0 skipped" and exits 1 if
 * anything failed; --tier NAME names that line (make check-debug runs the
 * same tiers on the debug kernels).  --replay FILE judges a recorded
 * console instead of booting (guest.c), for the runner's own tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: hostrun virtio|kunit|input|storm|boot|demo --kernel BZIMAGE --initrd CPIO [--mib N] [--qemu PATH]\n"
		"       hostrun xen|xen-domu|xen-pvh|xen-domu-pvh|xen-scrub --xen XEN --kernel BZIMAGE --initrd CPIO [--mib N]\n"
		"       hostrun isolate [--xen XEN] --kernel BZIMAGE --initrd CPIO [--mib N]\n"
		"       hostrun hyperv --hvhost HVHOST --kernel BZIMAGE --initrd CPIO [--mib N]\n"
		"       hostrun bench --kernel BZIMAGE --stock STOCK_BZIMAGE --initrd CPIO [--repeat N] [--out DIR]\n"
		"             [--part fast,reclaim,churn,scale,locks] [--intervals MS,MS,...]\n"
		"             [--trace-kernel BZIMAGE --trace-stock BZIMAGE] (locks: config/trace.config)\n"
		"any tier: [--tier NAME] names its summary line; [--replay FILE] judges a recorded console\n"
		"AER_ACCEL=tcg|kvm picks the QEMU accelerator (default tcg).\n");
	return 2;
}

static const struct {
	const char *name;
	int (*run)(void);
	bool xen, stock;	/* what it needs besides kernel and initrd */
} modes[] = {
	{ "virtio", mode_virtio, false, false },
	{ "kunit", mode_kunit, false, false },
	{ "input", mode_input, false, false },
	{ "storm", mode_storm, false, false },
	{ "boot", mode_boot, false, false },
	{ "demo", mode_demo, false, false },
	{ "hyperv", mode_hyperv, false, false },
	{ "xen", mode_xen, true, false },
	{ "xen-domu", mode_xen, true, false },
	{ "xen-pvh", mode_xen, true, false },
	{ "xen-domu-pvh", mode_xen, true, false },
	{ "xen-scrub", mode_xen_scrub, true, false },
	{ "isolate", mode_isolate, false, false },
	{ "bench", mode_bench, false, true },
};

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		const char **str;
	} strs[] = {
		{ "--kernel", &opt.kernel }, { "--initrd", &opt.initrd },
		{ "--qemu", &opt.qemu }, { "--xen", &opt.xen },
		{ "--hvhost", &opt.hvhost }, { "--stock", &opt.stock },
		{ "--out", &opt.outdir }, { "--part", &opt.part },
		{ "--intervals", &opt.intervals }, { "--tier", &opt.tier },
		{ "--replay", &opt.replay }, { "--trace-kernel", &opt.trace_kernel },
		{ "--trace-stock", &opt.trace_stock },
	};
	size_t m, s;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	for (i = 2; i < argc; i++) {
		for (s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
			if (!strcmp(argv[i], strs[s].name) && i + 1 < argc)
				break;
		if (s < sizeof(strs) / sizeof(strs[0]))
			*strs[s].str = argv[++i];
		else if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			opt.mib = atol(argv[++i]);
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			opt.repeat = atoi(argv[++i]);
		else
			return usage();
	}
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		if (!strcmp(argv[1], modes[m].name))
			break;
	if (m == sizeof(modes) / sizeof(modes[0]) ||
	    ((!opt.kernel || !opt.initrd) && !opt.replay) ||
	    opt.mib <= 0 || opt.mib > 1536 ||
	    (modes[m].xen && !opt.xen && !opt.replay) ||
	    (modes[m].stock && !opt.stock))
		return usage();
	/* xen-scrub builds a PVH domU from a PV dom0: xen-domu-pvh's machine */
	opt.domu = !strncmp(argv[1], "xen-domu", 8) || !strcmp(argv[1], "xen-scrub");
	opt.pvh = strstr(argv[1], "pvh") || !strcmp(argv[1], "xen-scrub");
	opt.arm64 = strstr(opt.qemu, "aarch64") != NULL;
	if (!opt.tier)
		opt.tier = modes[m].name;
	return modes[m].run();
}
