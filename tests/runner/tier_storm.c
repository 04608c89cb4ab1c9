// SPDX-License-Identifier: GPL-2.0
/*
 * make check-storm: the engine flat out (min_order 0, no delay) while four
 * guest tasks allocate and free blocks of every order, then two allocate
 * until the OOM killer ends them.  The guest must stay up, read back every
 * page, reach the OOM killer, get MemFree + Slab + Cached back, and its counters
 * must add up.
 */
#include <stdio.h>
#include <string.h>

#include "runner.h"

struct storm {
	long start_free, end_free, free_aerated, bad, killed;
	bool ended;
};

static void storm_line(struct guest *g, const char *l)
{
	struct storm *st = g->priv;

	if (aer_is(l, AER_STORM_END))
		st->ended = aer_long(l, "free_kb", &st->end_free) &&
			    aer_long(l, "start_free_kb", &st->start_free) &&
			    aer_long(l, "free_aerated_kb", &st->free_aerated) &&
			    aer_long(l, "bad", &st->bad) &&
			    aer_long(l, "killed", &st->killed);
}

int mode_storm(void)
{
	struct storm st = { 0 };
	struct guest g = {
		.append = "console=ttyS0 loglevel=4 panic=-1 kunit.enable=0 aeration=virtio aer.mode=storm aer.secs=20",
		.balloon = true, .line = storm_line, .priv = &st, .echo = 1,
	};

	print_accel();
	run_guest(&g);
	guest_verdicts("storm", &g);
	verdict(st.ended, "storm: guest stayed up through the storm and the OOM killer");
	verdict(st.ended && !st.bad, "storm: every page read back what was written (%ld tasks bad)",
		st.bad);
	verdict(st.killed >= 1, "storm: memory pressure reached the OOM killer (%ld killed)",
		st.killed);
	verdict(st.ended && st.start_free > 0 &&
		st.end_free >= st.start_free * (1 - MEMFREE_TOLERANCE),
		"storm: MemFree + Slab + Cached back within 2%% after the storm (start %ld kB, end %ld kB)",
		st.start_free, st.end_free);
	verdict(st.ended && st.free_aerated <= st.end_free,
		"storm: aerated counters consistent (free and aerated %ld kB <= MemFree + Slab + Cached %ld kB)",
		st.free_aerated, st.end_free);
	return summary();
}
