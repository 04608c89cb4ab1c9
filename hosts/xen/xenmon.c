// SPDX-License-Identifier: GPL-2.0
/*
 * xenmon: what Xen itself says about memory, through libxenctrl.
 *
 *   xenmon [-d DOMID] [-i SECONDS] [-n COUNT]
 *
 * Prints one line per sample: Xen's free memory (xc_physinfo) and the
 * domain's current reservation (tot_pages).  Runs in dom0: our test guest
 * runs it as a child of PID 1, and operators can run it in a real dom0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: xenmon [-d DOMID] [-i SECONDS] [-n COUNT]\n"
		"  prints: xen free_kib=N domid=D tot_kib=N max_kib=N\n"
		"  needs dom0 privileges (/dev/xen/privcmd)\n");
}

int main(int argc, char **argv)
{
	double interval = 0;
	long count = 1, i;
	uint32_t domid = 0;
	xc_interface *xch;
	int c;

	while ((c = getopt(argc, argv, "d:i:n:h")) != -1) {
		switch (c) {
		case 'd':
			domid = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			interval = atof(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (count < 1 || interval < 0) {
		usage();
		return 2;
	}

	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		fprintf(stderr, "xenmon: cannot open libxenctrl (not in dom0, or no /dev/xen/privcmd)\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < count; i++) {
		xc_physinfo_t phys = { 0 };
		xc_domaininfo_t dom = { 0 };
		unsigned long kib_per_page;

		if (xc_physinfo(xch, &phys)) {
			perror("xenmon: xc_physinfo");
			return 1;
		}
		if (xc_domain_getinfolist(xch, domid, 1, &dom) != 1 ||
		    dom.domain != domid) {
			fprintf(stderr, "xenmon: no domain %u\n", domid);
			return 1;
		}
		kib_per_page = 4;
		printf("xen free_kib=%lu domid=%u tot_kib=%lu max_kib=%lu\n",
		       (unsigned long)phys.free_pages * kib_per_page, domid,
		       (unsigned long)dom.tot_pages * kib_per_page,
		       (unsigned long)dom.max_pages * kib_per_page);
		if (i + 1 < count)
			usleep((useconds_t)(interval * 1e6));
	}
	xc_interface_close(xch);
	return 0;
}
