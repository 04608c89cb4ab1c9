// SPDX-License-Identifier: GPL-2.0
/*
 * make check-virtio: the real path, stock virtio_balloon and QEMU's
 * free-page-reporting=on.  The guest touches opt.mib MiB and frees it:
 *   aeration=virtio  QEMU's RSS falls by 90% of it within 15 s, the trace
 *                    events saw it given;
 *   aeration=off     the RSS stays up (and was measured);
 *   unbind           virtio_balloon unbound 300 ms after the free and bound
 *                    again: backend none, then virtio, memory still back;
 *   device_del       the host takes the balloon away (QMP) once a tenth of
 *                    the memory is back: the guest ejects it, the backend
 *                    stops, nothing stays marked, MemFree comes back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "../../hosts/kvm/qmp.h"

#define BALLOON_ID	"aerballoon"

/* One command on a fresh QMP connection: 0, 1 (QMP said no: @cls) or -1. */
static int qmp_once(const char *path, const char *cmd, const char *args,
		    char *cls, size_t size)
{
	struct qmp q = { .who = "hostrun", .path = path, .fd = -1 };
	struct jv ret;
	int rc = qmp_connect(&q);

	if (!rc)
		rc = qmp_cmd(&q, cmd, args, &ret);
	snprintf(cls, size, "%s", rc == 1 ? q.cls : "");
	qmp_close(&q);
	return rc;
}

/* tf_sample(), and the balloon removed while the freed memory is reported. */
static void tf_unplug(struct guest *g, long kb)
{
	struct tf *t = g->priv;
	long mib = opt.mib;
	char cls[64];
	double dt;

	tf_sample(g, kb);
	if (!t->freed)
		return;
	dt = now() - t->t_freed;
	/* In the middle of reporting: a tenth of the freed memory is back. */
	if (!t->unplug_sent && t->rss_touched - kb >= mib * 1024 / 10) {
		t->unplug_sent = true;
		t->unplug_fell = t->rss_touched - kb;
		t->unplug_rc = qmp_once(t->qmp, "device_del", "{\"id\":\"" BALLOON_ID "\"}",
					cls, sizeof(cls));
		printf("host: QMP device_del %s %.1f s after the free, %ld of %ld MiB back: %s\n",
		       BALLOON_ID, dt, t->unplug_fell / 1024, mib,
		       t->unplug_rc ? (cls[0] ? cls : "failed") : "accepted");
	}
	/* Once the guest has ejected it, QEMU no longer knows the id. */
	if (t->unplug_sent && !t->unplug_checked && dt >= t->unplug_next) {
		t->unplug_next = dt + 1;
		t->gone = qmp_once(t->qmp, "qom-get",
				   "{\"path\":\"/machine/peripheral/" BALLOON_ID "\",\"property\":\"type\"}",
				   cls, sizeof(cls)) == 1 && !strcmp(cls, "DeviceNotFound");
		/* The guest waits up to 45 s for the eject after its 20 s. */
		t->unplug_checked = t->gone || dt >= 64;
		if (t->unplug_checked)
			printf("host: %.1f s after the free the balloon is %s\n", dt,
			       t->gone ? "gone from QEMU (DeviceNotFound)" : "still there");
	}
}

static void virtio_run(struct tf *t, struct guest *g, const char *params)
{
	memset(g, 0, sizeof(*g));
	tf_run_on(t, g, NULL, params, false, NULL, NULL);
}

static void row(const char *name, const struct tf *t)
{
	char t90[16] = "never", t98[16] = "never";

	if (t->t_90 >= 0)
		snprintf(t90, sizeof(t90), "%.1f s", t->t_90);
	if (t->t_98 >= 0)
		snprintf(t98, sizeof(t98), "%.1f s", t->t_98);
	printf("%-10s %10ld MiB %10ld MiB %10ld MiB %10s %10s %10s\n", name,
	       t->rss_touched / 1024, t->rss_at_deadline / 1024,
	       (t->rss_touched - t->rss_at_deadline) / 1024, t90, t98,
	       memfree_back(t) ? "back" : "NOT back");
}

static void memfree_verdict(const char *who, const struct tf *t)
{
	verdict(memfree_back(t),
		"%s: guest MemFree + Slab + Cached back within 2%% (start %ld kB, end %ld kB)",
		who, t->start_free_kb, t->end_free_kb);
}

static void unbind_round(void)
{
	long want = (long)(RECLAIM_FRACTION * opt.mib);
	struct guest g;
	struct tf t;

	printf("\n== aeration=virtio, virtio_balloon unbound 300 ms after the free, bound again 1 s later\n");
	/* aer.mode=unbind comes first on the command line, so it wins. */
	virtio_run(&t, &g, "aeration=virtio aer.mode=unbind");
	guest_verdicts("unbind", &g);
	verdict(!strcmp(t.unbound, "none") && !strcmp(t.rebound, "virtio"),
		"unbind: backend none after unbind, virtio after bind (got '%s', '%s')",
		t.unbound, t.rebound);
	verdict(t.freed && t.t_90 >= 0 && t.t_90 <= RECLAIM_DEADLINE_S,
		"unbind: host RSS still fell by >= %ld MiB within %.0f s (90%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, t.t_90);
	memfree_verdict("unbind", &t);
}

static void device_del_round(void)
{
	long mib = opt.mib;
	const char *const extra[] = { "-qmp", NULL, NULL };
	char sock[64], qarg[128];
	struct guest g = {
		.balloon_dev = "virtio-balloon-pci,free-page-reporting=on,id=" BALLOON_ID,
		.sample = tf_unplug, .extra = extra,
	};
	struct tf t;

	printf("\n== aeration=virtio, QMP device_del of the balloon in the middle of reporting\n");
	snprintf(sock, sizeof(sock), "/tmp/aer-qmp-%d.sock", (int)getpid());
	snprintf(qarg, sizeof(qarg), "unix:%s,server=on,wait=off", sock);
	((const char **)extra)[1] = qarg;
	tf_run_on(&t, &g, NULL, "aeration=virtio", false, NULL, sock);
	unlink(sock);
	guest_verdicts("device_del", &g);
	verdict(t.unplug_sent && t.unplug_rc == 0 &&
		t.unplug_fell >= mib * 1024 / 10 && t.unplug_fell < mib * 1024 * 9 / 10,
		"device_del: QEMU took device_del in the middle of reporting (%ld of %ld MiB back, between 10%% and 90%%)",
		t.unplug_fell / 1024, mib);
	verdict(t.gone && t.balloon_gone,
		"device_del: the guest ejected the balloon (guest: %s); QEMU no longer has it (%s)",
		t.balloon_gone ? "gone" : "still there", t.gone ? "gone" : "still there");
	verdict(!strcmp(t.backend, "none"),
		"device_del: the backend stopped cleanly (backend '%s')", t.backend);
	verdict(t.marked == 0,
		"device_del: no free page left marked aerated after the backend went (%ld pages)",
		t.marked);
	memfree_verdict("device_del", &t);
}

int mode_virtio(void)
{
	long mib = opt.mib, want = (long)(RECLAIM_FRACTION * mib);
	struct guest g_on, g_off;
	struct tf on, off;

	print_accel();
	printf("\n== aeration=virtio\n");
	virtio_run(&on, &g_on, "aeration=virtio");
	printf("\n== aeration=off (same kernel, same QEMU flags)\n");
	virtio_run(&off, &g_off, "aeration=off");

	printf("\n%-10s %14s %14s %14s %10s %10s %10s\n", "aeration=", "RSS in use",
	       "RSS at +15 s", "returned", "90% after", "98% after", "MemFree");
	row("virtio", &on);
	row("off", &off);
	printf("\n");

	guest_verdicts("virtio", &g_on);
	verdict(!strcmp(on.backend, "virtio"),
		"virtio: backend=virtio (got '%s')", on.backend);
	verdict(touched_measured(&on) && on.t_90 >= 0 && on.t_90 <= RECLAIM_DEADLINE_S &&
		(on.rss_touched - on.rss_at_deadline) / 1024 >= want,
		"virtio: host RSS fell by >= %ld MiB within %.0f s of the free (fell %ld MiB, 90%% at %.1f s, 98%% at %.1f s)",
		want, RECLAIM_DEADLINE_S, (on.rss_touched - on.rss_at_deadline) / 1024,
		on.t_90, on.t_98);
	memfree_verdict("virtio", &on);
	verdict(on.tr_end.seen && on.tr_end.report_mib >= want &&
		on.tr_end.report_failed == 0,
		"virtio: trace aeration:report saw >= %ld MiB given (%ld MiB in %ld events, %ld failed)",
		want, on.tr_end.report_mib, on.tr_end.report, on.tr_end.report_failed);
	guest_verdicts("off", &g_off);
	verdict(off.tr_end.seen && off.tr_end.report == 0,
		"off: no aeration:report events (%ld)", off.tr_end.report);
	verdict(!strcmp(off.backend, "none"), "off: backend=none (got '%s')", off.backend);
	verdict(touched_measured(&off) &&
		(off.rss_touched - off.rss_at_deadline) / 1024 < mib / 10,
		"off: host RSS stayed up (%ld MiB in use after the touch, fell %ld MiB, less than %ld)",
		off.rss_touched / 1024, (off.rss_touched - off.rss_at_deadline) / 1024,
		mib / 10);
	memfree_verdict("off", &off);

	unbind_round();
	if (opt.arm64)	/* said every run: this tier does not prove it */
		printf("\nNOT RUN on arm64: the device_del round. The virt machine unplugs only through PCIe native hotplug, whose 5 s attention-button wait removes the balloon after reporting is done: the round would prove nothing.\n");
	else
		device_del_round();
	return summary();
}
