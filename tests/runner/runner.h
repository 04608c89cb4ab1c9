/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostrun, the host side of the test tiers: boots a guest (QEMU, or Xen
 * under QEMU), pumps its console through a tier's judge, samples the QEMU
 * process, and counts verdicts.  guest.c has the machinery, touch_free.c
 * the observer of the touch-and-free workload, one tier_*.c per tier,
 * demo.c and bench.c.  What the guest's lines say: ../proto.h.
 *
 * Guests run under TCG: /dev/kvm on our machines is KVM-PVM, which cannot
 * run an ordinary guest (see ../shared/DESIGN.md).  AER_ACCEL overrides.
 */
#ifndef _AER_RUNNER_H
#define _AER_RUNNER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "../proto.h"
#include "../../hosts/cli.h"

#define RECLAIM_DEADLINE_S	15.0
#define RECLAIM_FRACTION	0.90
#define MEMFREE_TOLERANCE	0.02
#define GUEST_TIMEOUT_S		300

/* The command line: what to boot, how much to touch, where QEMU is. */
struct opts {
	const char *kernel, *initrd, *xen, *stock, *hvhost, *qemu;
	const char *tier;	/* the summary line's name: --tier, or the mode */
	const char *replay;	/* a console transcript instead of a guest */
	const char *outdir, *part, *intervals;	/* bench */
	const char *trace_kernel, *trace_stock;	/* bench: config/trace.config */
	int repeat;		/* bench */
	long mib;
	bool domu;		/* xen-domu: the test runs in a PV domU */
	bool pvh;		/* xen-pvh, xen-domu-pvh: PVH dom0 or domU */
	bool arm64;		/* --qemu qemu-system-aarch64 */
};
extern struct opts opt;

/* PASS/FAIL lines, counted; the tier ends with summary(). */
void verdict(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int summary(void);

enum guest_end {
	GUEST_OK,	/* QEMU exited with status 0 */
	GUEST_FAILED,	/* QEMU could not start, or exited with an error */
	GUEST_TIMEOUT,	/* killed after GUEST_TIMEOUT_S */
};

struct guest {
	const char *append;
	bool balloon;
	const char *balloon_dev;	/* override the balloon device string */
	const char *kernel;		/* override --kernel */
	const char *xen;		/* boot this Xen, the kernel as PV dom0 */
	const char *const *extra;	/* more QEMU arguments, NULL-terminated */
	long mem_mib;			/* guest RAM; 0: 2048 */
	/* called for each console line (timestamp prefix removed) */
	void (*line)(struct guest *g, const char *l);
	/* called every 100 ms with the QEMU process's RSS in KiB */
	void (*sample)(struct guest *g, long kb);
	void *priv;
	/* copy the guest's AER lines to the log: 1 but the 0.5 s ticks, 2 all */
	int echo;
	/* results */
	pid_t pid;			/* QEMU, while it runs */
	enum guest_end end;
	bool done;			/* "AER done": the guest's mode finished */
	int errors;			/* "AER error" lines */
	char error[200];		/* the first of them */
	bool kernel_trouble;		/* BUG/WARNING/panic seen */
	int trouble_lines;		/* console lines copied after it */
	char trouble[256];
};

/* Boot @g and follow it to the end; g->end says how it ended. */
void run_guest(struct guest *g);
/*
 * The verdicts every guest gets, named "@who: ...": it ran to its end
 * (QEMU exited cleanly, no timeout, "AER done"), no "AER error" line, no
 * BUG/WARNING/panic.  True if all held.
 */
bool guest_verdicts(const char *who, const struct guest *g);

void print_accel(void);
const char *accel(void);
long qemu_faults(pid_t pid);
long host_vmstat(const char *name);

/* touch_free.c: the guest touches opt.mib MiB, frees it; the host watches. */
struct trace_seen {
	long report, report_mib, report_failed;
	long reclaim, reclaim_mib, reclaim_failed;
	long fail, lost;
	bool seen;
};
bool trace_line(const char *l, const char *at, struct trace_seen *t);

struct tf {
	bool demo;
	long rss_now, rss_touched, rss_at_deadline, rss_min_after;
	double t_freed, t_90, t_98;	/* seconds from free to 90%, 98% back */
	/*
	 * A free in parts (aer.steps=): when each was freed, the MiB freed
	 * up to it, and how long until 90% and 98% of that was back.  t_90
	 * and t_98 are then the slowest part's, once every part is back.
	 */
	int steps, steps_of;
	double step_t[8], step_90[8], step_98[8];
	long step_cum_mib[8];
	long kworker_ms;		/* guest kworker CPU, free to end */
	long delay_ms;			/* ours: current_delay_ms at the start */
	FILE *trace;			/* "seconds RSS-MiB" after the free */
	long start_free_kb, end_free_kb;
	char backend[32];
	char unbound[32], rebound[32];	/* backend after unbind, after bind */
	const char *measure;		/* what sample() measures */
	const char *file;		/* hyperv: the guest RAM file */
	long reuse_bad;			/* pattern check after the free */
	struct trace_seen tr_end;	/* trace events, touch to end */
	long min_order;			/* from the last AER sysfs line */
	long marked;			/* AER marked pages= after unplug */
	bool freed, reused, refused, stopped, isolated, balloon_gone;
	/* QMP device_del of the balloon in the middle of reporting */
	const char *qmp;
	bool unplug_sent, unplug_checked, gone;
	int unplug_rc;
	long unplug_fell;		/* KiB back on the host at device_del */
	double unplug_next;		/* when to ask QEMU again if it is gone */
};
void tf_init(struct tf *t);
void tf_sample(struct guest *g, long kb);
void tf_line(struct guest *g, const char *l);
/* @params: kernel parameters; @kern: NULL for --kernel; @qmp: see tier_virtio.c */
void tf_run_on(struct tf *t, struct guest *g, const char *kern,
	       const char *params, bool demo, FILE *trace, const char *qmp);
bool memfree_back(const struct tf *t);
bool touched_measured(const struct tf *t);

/* The modes. */
int mode_virtio(void);
int mode_hyperv(void);
int mode_xen(void);
int mode_xen_scrub(void);
int mode_isolate(void);
int mode_storm(void);
int mode_input(void);
int mode_boot(void);
int mode_kunit(void);
int mode_demo(void);
int mode_bench(void);

#endif /* _AER_RUNNER_H */
