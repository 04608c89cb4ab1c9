// SPDX-License-Identifier: GPL-2.0
/*
 * xenscan: in the test dom0, count the pages of a domain that carry a
 * marker word (check-xen's scrub round, tests/guest/xen.c).  Every gfn of
 * the domain is mapped read-only through libxenforeignmemory, BATCH at a
 * time, and each page is searched for the 64-bit marker.
 *
 *   xenscan DOMID MARKER          (MARKER in hex)
 *
 * For an auto-translated (PVH/HVM) domain: the gfns up to its highest,
 * holes included (they count as unmapped).  Prints "pages=N marked=M
 * unmapped=U"; exits 0 if any page could be mapped.  Not part of the test guest's PID 1: built on its own,
 * statically, like xenaer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>

#define BATCH	1024
#define WORDS	(XC_PAGE_SIZE / sizeof(uint64_t))

int main(int argc, char **argv)
{
	static xen_pfn_t gfns[BATCH];
	static int err[BATCH];
	unsigned long pages = 0, marked = 0, unmapped = 0, i, j, n;
	xenforeignmemory_handle *fmem;
	xen_pfn_t max_gfn, gfn;
	const uint64_t *p;
	xc_interface *xch;
	uint64_t marker;
	uint32_t domid;

	if (argc != 3) {
		fprintf(stderr, "usage: xenscan DOMID MARKER\n");
		return 2;
	}
	domid = strtoul(argv[1], NULL, 10);
	marker = strtoull(argv[2], NULL, 16);
	xch = xc_interface_open(NULL, NULL, 0);
	fmem = xenforeignmemory_open(NULL, 0);
	if (!xch || !fmem || xc_domain_maximum_gpfn(xch, domid, &max_gfn) < 0) {
		perror("xenscan: cannot reach the domain");
		return 1;
	}
	for (gfn = 0; gfn <= max_gfn; gfn += n) {
		n = max_gfn + 1 - gfn < BATCH ? max_gfn + 1 - gfn : BATCH;
		for (i = 0; i < n; i++)
			gfns[i] = gfn + i;
		p = xenforeignmemory_map(fmem, domid, PROT_READ, n, gfns, err);
		if (!p) {
			unmapped += n;
			continue;
		}
		for (i = 0; i < n; i++) {
			if (err[i]) {
				unmapped++;
				continue;
			}
			pages++;
			for (j = 0; j < WORDS && p[i * WORDS + j] != marker; j++)
				;
			marked += j < WORDS;
		}
		xenforeignmemory_unmap(fmem, (void *)p, n);
	}
	printf("pages=%lu marked=%lu unmapped=%lu\n", pages, marked, unmapped);
	return pages ? 0 : 1;
}
