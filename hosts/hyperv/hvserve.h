/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvserve.h: hvhost's frame server (hyperv_wire.h framing around tlfs.c), kept
 * apart from main() so the unit tests can drive it through a socketpair.
 */
#ifndef AER_HVSERVE_H
#define AER_HVSERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "../../tests/kernel/hyperv_wire.h"
#include "tlfs.h"

struct hvs_server {
	struct tlfs_host *host;
	FILE *log;		/* errors; with verbose one line a call */
	bool verbose;
	uint64_t frames;	/* well-formed requests answered */
	uint64_t cpuid_frames;
	uint64_t bad_frames;	/* malformed frames and garbage runs */
	bool resyncing;		/* inside a garbage run */
	size_t fill;
	unsigned char buf[HVW_HDR_LEN + HVW_MAX_PAYLOAD];
};

void hvs_init(struct hvs_server *s, struct tlfs_host *h, FILE *log,
	      bool verbose);

/* Take n bytes from the stream, answer on fd_out: 0 or -errno. */
int hvs_feed(struct hvs_server *s, const void *data, size_t n, int fd_out);

/*
 * Serve fd until EOF (0) or a read/write error (-errno).  Whenever a
 * signal interrupts the read and *flag is set, clear it and print the
 * summary to out; when *stop is set, return 0.  flag, stop may be NULL.
 */
int hvs_serve(struct hvs_server *s, int fd, volatile sig_atomic_t *flag,
	      volatile sig_atomic_t *stop, FILE *out);

/* "hvhost: calls=N ranges=N discarded_kib=N bad=N" and a detail line */
void hvs_summary(const struct hvs_server *s, FILE *out);

#endif /* AER_HVSERVE_H */
