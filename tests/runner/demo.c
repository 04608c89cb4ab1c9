// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: one guest with aeration=virtio touches opt.mib MiB and frees
 * it; every half second the guest's MemFree, what it has aerated and the
 * QEMU process's RSS side by side, then how long 90% and 98% took.
 */
#include <stdio.h>

#include "runner.h"

int mode_demo(void)
{
	struct guest g = { 0 };
	char t98[32] = "not within 20 s";
	struct tf t;

	print_accel();
	printf("The guest touches %ld MiB, frees it, and aeration gives it back.\n", opt.mib);
	tf_run_on(&t, &g, NULL, "aeration=virtio", true, NULL, NULL);
	if (t.t_98 >= 0)
		snprintf(t98, sizeof(t98), "%.1f s", t.t_98);
	if (t.t_90 >= 0)
		printf("\n%.0f%% of the freed memory was back with the host %.1f s after the free; 98%%: %s.\n",
		       RECLAIM_FRACTION * 100, t.t_90, t98);
	else
		printf("\nThe host did not get 90%% back (RSS %ld -> %ld MiB).\n",
		       t.rss_touched / 1024, t.rss_min_after / 1024);
	return t.t_90 >= 0 ? 0 : 1;
}
