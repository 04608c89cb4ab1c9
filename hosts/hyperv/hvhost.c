// SPDX-License-Identifier: GPL-2.0
/*
 * hvhost: a Hyper-V host's answer to free page hints, for tests.
 *
 *   hvhost --mem FILE --socket SOCK [options]
 *
 * QEMU runs the guest with its RAM in FILE (memory-backend-file, share=on)
 * and a serial port whose chardev is the unix socket SOCK.  hvhost connects
 * to SOCK, answers CPUID leaves and hypercalls framed as in hyperv_wire.h, and
 * for each cold discard heat hint punches a hole in FILE, so the memory
 * really goes back to the host and the guest refaults zeros, as on
 * Hyper-V.  Guest physical address = offset in FILE, which holds for guests
 * of at most 2 GiB (no PCI hole below them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "hvserve.h"
#include "../cli.h"

#define MAX_RAM		(2ULL << 30)

static volatile sig_atomic_t want_summary, want_stop;
static unsigned long discard_errors;

static void usage(FILE *f)
{
	fprintf(f,
"usage: hvhost --mem FILE --socket SOCK [options]\n"
"  A Hyper-V host (from the TLFS) for free page hints: answers CPUID and\n"
"  hypercalls framed as in tests/kernel/hyperv_wire.h on SOCK, and discards\n"
"  the guest RAM named by HvExtCallMemoryHeatHint (cold discard) by\n"
"  punching holes in FILE.\n"
"\n"
"  --mem FILE            guest RAM (QEMU memory-backend-file, share=on),\n"
"                        guest physical address = file offset, <= 2 GiB\n"
"  --socket SOCK         QEMU's unix socket chardev; hvhost connects to it\n"
"  --timeout SEC         wait this long for FILE and SOCK to appear (10)\n"
"  --verbose, -v         one line per CPUID leaf and hypercall\n"
"  --help, -h            this text\n"
"\n"
"  what the partition is offered:\n"
"  --no-ext-hypercalls   clear EnableExtendedHypercalls (CPUID 0x40000003\n"
"                        EBX bit 20); extended calls get ACCESS_DENIED\n"
"  --caps MASK           HvExtCallQueryCapabilities answer (0x102: bit 1\n"
"                        heat hint, bit 8 cold discard)\n"
"  --isolation TYPE      an isolated (confidential) partition: CPUID\n"
"                        0x40000003 EBX bit 22 and 0x4000000C EBX = TYPE\n"
"                        (vbs, snp, tdx or 1..15)\n"
"\n"
"  bad answers, for tests:\n"
"  --reject-small        INVALID_PARAMETER for any 4 KiB-unit range, like\n"
"                        a host that takes only 2 MiB units\n"
"  --fail-all STATUS     every heat hint fails with STATUS (a number or a\n"
"                        name such as INVALID_PARAMETER)\n"
"  --max-reps N          complete at most N ranges a call and return\n"
"                        SUCCESS, as a hypervisor out of time does; the\n"
"                        guest must call again from the rep start index\n"
"\n"
"  prints \"hvhost: ready\" once connected, errors and (-v) calls on\n"
"  stdout, and on EOF, SIGTERM and each SIGUSR1:\n"
"  hvhost: calls=N ranges=N discarded_kib=N bad=N\n"
"  (calls: heat hint calls; ranges, discarded_kib: what was discarded;\n"
"  bad: calls answered with an error status plus malformed frames)\n");
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_summary = 1;
	else
		want_stop = 1;
}

static void nap(void)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int discard(void *ctx, uint64_t off, uint64_t len)
{
	int ret = tlfs_punch_hole(ctx, off, len);

	/* Loud but bounded: the first ten, then every thousandth. */
	if (ret && (++discard_errors <= 10 || discard_errors % 1000 == 0))
		printf("hvhost: error: punching a hole at 0x%llx+0x%llx of "
		       "guest RAM: %s (%lu so far)\n", (unsigned long long)off,
		       (unsigned long long)len, strerror(-ret),
		       discard_errors);
	return ret;
}

/* The RAM file, once QEMU has created and sized it. */
static int open_mem(const char *path, double deadline, uint64_t *size)
{
	struct stat st;
	int fd;

	for (;;) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			if (fstat(fd, &st)) {
				fprintf(stderr, "hvhost: %s: %s\n", path,
					strerror(errno));
				return -1;
			}
			if (!S_ISREG(st.st_mode)) {
				fprintf(stderr, "hvhost: %s: not a regular "
					"file\n", path);
				return -1;
			}
			if (st.st_size > 0)
				break;
			close(fd);
		} else if (errno != ENOENT) {
			fprintf(stderr, "hvhost: %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		if (now() > deadline) {
			fprintf(stderr, "hvhost: %s: %s after waiting; is QEMU "
				"running with -object memory-backend-file,"
				"mem-path=%s,share=on?\n", path,
				fd < 0 ? "does not exist" : "still empty",
				path);
			return -1;
		}
		nap();
	}
	*size = (uint64_t)st.st_size;
	if (*size > MAX_RAM) {
		fprintf(stderr, "hvhost: %s is %llu MiB: above 2 GiB guest "
			"addresses stop matching file offsets (PCI hole), "
			"refusing\n", path, (unsigned long long)(*size >> 20));
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_sock(const char *path, double deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hvhost: socket path longer than %zu bytes: "
			"%s\n", sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			perror("hvhost: socket");
			return -1;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if (errno != ENOENT && errno != ECONNREFUSED) {
			fprintf(stderr, "hvhost: connect %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		if (now() > deadline) {
			fprintf(stderr, "hvhost: connect %s: %s after waiting; "
				"is QEMU running with -chardev socket,path=%s,"
				"server=on,wait=off?\n", path,
				strerror(errno), path);
			return -1;
		}
		nap();
	}
}

static int parse_num(const char *opt, const char *s, unsigned long long max,
		     unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v > max) {
		fprintf(stderr, "hvhost: %s: bad value '%s' (0..%llu)\n", opt,
			s, max);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "reject-small", no_argument, NULL, 'r' },
		{ "fail-all", required_argument, NULL, 'f' },
		{ "max-reps", required_argument, NULL, 'n' },
		{ "caps", required_argument, NULL, 'c' },
		{ "no-ext-hypercalls", no_argument, NULL, 'x' },
		{ "isolation", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *mem = NULL, *sock = NULL;
	unsigned long long timeout = 10, v;
	bool verbose = false;
	struct tlfs_host host;
	struct hvs_server *srv;
	struct sigaction sa;
	uint64_t ram_size;
	int memfd, fd, c, ret;
	double deadline;
	long status;

	tlfs_host_init(&host, 0, discard, NULL);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mem = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 't':
			if (parse_num("--timeout", optarg, 3600, &timeout))
				return 2;
			break;
		case 'r':
			host.reject_small = true;
			break;
		case 'i':
			if (!strcmp(optarg, "vbs"))
				host.isolation = 1;
			else if (!strcmp(optarg, "snp"))
				host.isolation = 2;
			else if (!strcmp(optarg, "tdx"))
				host.isolation = 3;
			else if (parse_num("--isolation", optarg, 15, &v))
				return 2;
			else
				host.isolation = (uint32_t)v;
			break;
		case 'f':
			status = tlfs_status_parse(optarg);
			if (status <= 0) {
				fprintf(stderr, "hvhost: --fail-all: '%s' is "
					"not a failing status (1..0xffff or a "
					"name such as INVALID_PARAMETER)\n",
					optarg);
				return 2;
			}
			host.fail_all = (uint16_t)status;
			break;
		case 'n':
			if (parse_num("--max-reps", optarg, TLFS_HINT_MAX_RANGES,
				      &v))
				return 2;
			if (!v) {
				fprintf(stderr, "hvhost: --max-reps: at least "
					"1, or a call could never finish\n");
				return 2;
			}
			host.max_reps = (unsigned int)v;
			break;
		case 'c':
			if (parse_num("--caps", optarg, ~0ULL, &v))
				return 2;
			host.ext_caps = v;
			break;
		case 'x':
			host.no_ext_hypercalls = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hvhost: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!mem || !sock) {
		fprintf(stderr, "hvhost: --mem and --socket are required\n");
		usage(stderr);
		return 2;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: read() must stop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a gone QEMU is EPIPE, not death */

	/*
	 * Socket first: with wait=on QEMU creates its memory backend only
	 * after a client has connected.
	 */
	deadline = now() + (double)timeout;
	fd = connect_sock(sock, deadline);
	if (fd < 0)
		return 1;
	memfd = open_mem(mem, deadline, &ram_size);
	if (memfd < 0)
		return 1;
	host.ram_size = ram_size;
	host.discard_ctx = &memfd;

	srv = malloc(sizeof(*srv));
	if (!srv) {
		fprintf(stderr, "hvhost: out of memory\n");
		return 1;
	}
	hvs_init(srv, &host, stdout, verbose);
	printf("hvhost: mem=%s ram_mib=%llu socket=%s caps=0x%llx%s%s%s\n",
	       mem, (unsigned long long)(ram_size >> 20), sock,
	       (unsigned long long)host.ext_caps,
	       host.no_ext_hypercalls ? " no_ext_hypercalls" : "",
	       host.reject_small ? " reject_small" : "",
	       host.fail_all ? " fail_all" : "");
	if (host.isolation)
		printf("hvhost: isolated partition, type %u\n", host.isolation);
	if (host.fail_all)
		printf("hvhost: fail_all=0x%x (%s)\n", host.fail_all,
		       tlfs_status_name(host.fail_all));
	if (host.max_reps)
		printf("hvhost: max_reps=%u\n", host.max_reps);
	printf("hvhost: ready\n");
	ret = hvs_serve(srv, fd, &want_summary, &want_stop, stdout);
	if (ret)
		printf("hvhost: error: %s on %s\n", strerror(-ret), sock);
	hvs_summary(srv, stdout);
	close(fd);
	close(memfd);
	free(srv);
	return ret ? 1 : 0;
}
