// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's own cost, for valgrind --tool=callgrind: aerate 256 MiB of
 * free 2 MiB blocks in the model allocator.  `make bench` runs it with
 * --toggle-collect=aer_pass, so the count covers the passes (engine and
 * model glue), not the setup, and divides by the GiB aerated.
 */
#include <stdio.h>

#include "../unit/buddy.h"

int main(void)
{
	unsigned long bytes;
	int passes = 1;

	mb_backend_init(false);
	mb_init(1, MB_MAX_PAGES);
	mb_zones[0].low_wmark = 0;
	aer_engine_init(&mb_engine);
	aer_set_tunable(&mb_engine, AER_MIN_ORDER, 9);
	if (aer_engine_activate(&mb_engine, &mb_tb.b))
		return 1;
	while (aer_pass(&mb_engine) && passes < 10000)
		passes++;
	bytes = aer_stat_sum(mb_engine.stats.aerated, true) * 4096;
	printf("bench_core: aerated %lu MiB in %d passes, %lu reports\n",
	       bytes >> 20, passes, mb_tb.calls);
	return mb_check() ? 1 : 0;
}
