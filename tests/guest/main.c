// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the test guests.  Reads aer.mode= (and the mode's aer.*
 * values) from /proc/cmdline, runs that mode, prints "AER done" if it ran
 * to its end, then reboots (QEMU runs -no-reboot, so the guest exits).
 *
 *   touch-free, unbind, xen, hyperv   touch_free.c
 *   domu                              xen.c: a dom0 running xen in a domU
 *   scrub                             xen.c: no freed frame reaches a domU unscrubbed
 *   inputs, pf1, churn, storm         workloads.c
 *   isolate                           isolate.c: isolation, CMA, offlining
 *
 * aer.adaptive=, aer.delay=, aer.min_order= set those tunables first;
 * aer.unplug=1 (the host removes the balloon) waits for the device to go.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "guest.h"

static bool run(const char *mode, long mib)
{
	bool xen = !strcmp(mode, "xen");

	if (xen || !strcmp(mode, "touch-free") || !strcmp(mode, "unbind") ||
	    !strcmp(mode, "hyperv")) {
		if (xen && !domu)
			xenaer_log();
		if (!touch_free(mib, xen, !strcmp(mode, "unbind"),
				!strcmp(mode, "hyperv")))
			return false;
		return cmdline_long("aer.unplug=", 0) ? wait_unplug() : true;
	}
	if (!strcmp(mode, "inputs"))
		return inputs();
	if (!strcmp(mode, "order"))
		return order();
	if (!strcmp(mode, "storm"))
		return storm(cmdline_long("aer.secs=", 20));
	if (!strcmp(mode, "pf1"))
		return pf1(cmdline_long("aer.secs=", 10));
	if (!strcmp(mode, "churn"))
		return churn(mib, cmdline_long("aer.rounds=", 6),
			     cmdline_long("aer.interval=", 1000));
	if (!strcmp(mode, "domu"))
		return xen_host(mib);
	if (!strcmp(mode, "scrub"))
		return xen_scrub(mib);
	if (!strcmp(mode, "isolate"))
		return isolate(mib);
	printf(AER_ERROR " unknown aer.mode=%s\n", mode);
	return false;
}

int main(void)
{
	static const char *const tunables[][2] = {
		{ "aer.adaptive=", "adaptive" }, { "aer.delay=", "delay_ms" },
		{ "aer.min_order=", "min_order" },
	};
	char mode[32] = "(none)", arg[16];
	bool ok = true;
	size_t i;
	ssize_t n;
	int fd;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, cmdline, sizeof(cmdline) - 1);
		cmdline[n > 0 ? n : 0] = 0;
		close(fd);
	}
	cmdline_get("aer.mode=", mode, sizeof(mode));
	domu = cmdline_long("aer.domu=", 0) == 1;
	printf(AER_INIT " mode=%s%s\n", mode, domu ? " domu=1" : "");
	for (i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++)
		if (cmdline_get(tunables[i][0], arg, sizeof(arg)))
			ok &= write_sysfs(tunables[i][1], arg);
	if (ok && run(mode, cmdline_long("aer.mib=", 1024)))
		printf(AER_DONE "\n");
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
