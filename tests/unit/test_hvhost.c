// SPDX-License-Identifier: GPL-2.0
/*
 * User-space tests of the Hyper-V test host (hosts/hyperv): the TLFS
 * decoder from hand-written input values and input pages, real hole
 * punching in a memfd, and the hyperv_wire.h frame server over a socketpair.
 * Expected values are written out from the TLFS, not made by an encoder,
 * so a misreading in tlfs.c cannot check itself.
 *
 * Build and run, from the repository root (nothing is built in the tree):
 *
 *   mkdir -p /tmp/hv
 *   gcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2 \
 *       hosts/hyperv/tlfs.c hosts/hyperv/hvserve.c hosts/hyperv/hvhost.c \
 *       -o /tmp/hv/hvhost
 *   gcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       hosts/hyperv/tlfs.c hosts/hyperv/hvserve.c tests/unit/test_hvhost.c \
 *       -o /tmp/hv/test_hvhost
 *   /tmp/hv/test_hvhost
 *
 * The last line is "hvhost: N passed, M failed, S skipped"; the exit
 * status is 1 on failure.
 */
#define _GNU_SOURCE		/* memfd_create() */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../../hosts/hyperv/hvserve.h"
#include "check.h"

#define CHECK_EQ(a, b) do {						\
	unsigned long long a_ = (a), b_ = (b);				\
	if (a_ != b_) {							\
		FAIL_MSG("%s:%d: %s == 0x%llx, want 0x%llx",		\
			 __FILE__, __LINE__, #a, a_, b_);		\
		return;							\
	}								\
} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* A discard callback that only records. */
struct rec {
	unsigned int n;
	int fail;
	uint64_t off[1024], len[1024];
};

static int rec_discard(void *ctx, uint64_t off, uint64_t len)
{
	struct rec *r = ctx;

	if (r->n < 1024) {
		r->off[r->n] = off;
		r->len[r->n] = len;
	}
	r->n++;
	return r->fail ? -EIO : 0;
}

static struct tlfs_host host;
static struct rec rec;
static unsigned char page[4096], outp[4096];
static size_t olen;
static struct tlfs_trace tr;

static void setup(uint64_t ram)
{
	memset(&rec, 0, sizeof(rec));
	memset(page, 0, sizeof(page));
	memset(outp, 0xee, sizeof(outp));
	tlfs_host_init(&host, ram, rec_discard, &rec);
}

/* Little-endian bytes of a u64: serialisation only, no field packing. */
static void le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Input page: header, then ranges[0..n). */
static void hint_page(uint64_t header, const uint64_t *ranges, unsigned int n)
{
	unsigned int i;

	memset(page, 0, sizeof(page));
	le64(page, header);
	for (i = 0; i < n; i++)
		le64(page + 8 + 8 * i, ranges[i]);
}

static uint64_t call(uint64_t input, size_t in_len)
{
	return tlfs_hypercall(&host, input, page, in_len, outp, sizeof(outp),
			      &olen, &tr);
}

/*
 * Input values used below, from the TLFS layout: call code bits 0-15,
 * fast bit 16, variable header size 17-26, rep count 32-43, rep start
 * index 48-59.
 */
#define IN_QUERY	0x0000000000008001ULL	/* simple, no reps */
#define IN_HINT_1	0x0000000100008003ULL	/* rep count 1 */
#define IN_HINT_2	0x0000000200008003ULL
#define IN_HINT_3	0x0000000300008003ULL
#define IN_HINT_4	0x0000000400008003ULL
#define IN_HINT_5	0x0000000500008003ULL
#define IN_HINT_511	0x000001ff00008003ULL
#define IN_HINT_512	0x0000020000008003ULL
#define HDR_DISCARD	0x0000000000000002ULL	/* type COLD_DISCARD */

/*
 * Result values: status bits 0-15, reps completed bits 32-43.
 * E.g. 0x0000000200000005 = INVALID_PARAMETER after 2 reps.
 */

static void t_result_value(void)
{
	CHECK_EQ(tlfs_result(0x0005, 7), 0x0000000700000005ULL);
	CHECK_EQ(tlfs_result(0x0000, 511), 0x000001ff00000000ULL);
	CHECK_EQ(tlfs_result(0xffff, 4095), 0x00000fff0000ffffULL);
}

static void t_query_caps(void)
{
	static const unsigned char want[8] = { 0x02, 0x01, 0, 0, 0, 0, 0, 0 };

	setup(64 * MiB);
	/* Linux passes no input page: nothing to read. */
	CHECK_EQ(call(IN_QUERY, 0), 0x0000000000000000ULL);
	CHECK_EQ(olen, 8);
	/* bit 1 (TLFS: HvExtCallMemoryHeatHint), bit 8 (cold discard) */
	CHECK(!memcmp(outp, want, 8));
	CHECK_EQ(host.st.query_calls, 1);

	host.ext_caps = 0x2;		/* heat hint without cold discard */
	CHECK_EQ(call(IN_QUERY, 0), 0);
	CHECK_EQ(outp[1], 0);
	CHECK_EQ(outp[0], 2);
}

static void t_query_bad(void)
{
	setup(64 * MiB);
	/* rep count 1 on a simple call */
	CHECK_EQ(call(0x0000000100008001ULL, 0), 0x3);
	/* rep start index 1 on a simple call */
	CHECK_EQ(call(0x0001000000008001ULL, 0), 0x3);
	/* fast */
	CHECK_EQ(call(0x0000000000018001ULL, 0), 0x3);
	CHECK_EQ(olen, 0);
	/* partition without EnableExtendedHypercalls */
	host.no_ext_hypercalls = true;
	CHECK_EQ(call(IN_QUERY, 0), 0x6);
	CHECK_EQ(olen, 0);
	CHECK_EQ(host.st.failed, 4);
}

static void t_unknown_code(void)
{
	static const uint64_t r[1] = { 0x0000000000001000ULL };
	static const uint64_t codes[] = {
		0x0000000000008002ULL, 0x0000000100008004ULL,
		0x0000000000000001ULL, 0x0000000000000000ULL,
		0x000000000000ffffULL, 0x0000000100000003ULL,
	};
	size_t i;

	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 1);
	for (i = 0; i < ARRAY_SIZE(codes); i++)
		CHECK_EQ(call(codes[i], 16), 0x2);
	CHECK_EQ(rec.n, 0);
	CHECK_EQ(host.st.other_calls, 6);
}

static void t_reserved_bits(void)
{
	static const uint64_t r[1] = { 0x0000000000001000ULL };
	static const int bits[] = { 27, 28, 29, 30, 31, 44, 45, 46, 47,
				    60, 61, 62, 63 };
	size_t i;

	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 1);
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		CHECK_EQ(call(IN_HINT_1 | 1ULL << bits[i], 16), 0x3);
		CHECK_EQ(call(IN_QUERY | 1ULL << bits[i], 0), 0x3);
	}
	CHECK_EQ(rec.n, 0);
	/* the same call with no reserved bit goes through */
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.n, 1);
}

static void t_fast_varhead(void)
{
	static const uint64_t r[1] = { 0x0000000000001000ULL };

	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(0x0000000100018003ULL, 16), 0x3);	/* fast */
	CHECK_EQ(call(0x0000000100028003ULL, 16), 0x3);	/* varhead 1 */
	CHECK_EQ(call(0x0000000107fe8003ULL, 16), 0x3);	/* varhead 1023 */
	CHECK_EQ(call(0x0000000000028001ULL, 0), 0x3);	/* query, varhead */
	CHECK_EQ(rec.n, 0);
}

static void t_rep_count_start(void)
{
	static const uint64_t r[4] = {
		0x0000000000001000ULL,	/* 4 KiB at 0x1000 */
		0x0000000000002000ULL,	/* 4 KiB at 0x2000 */
		0x0000000000003000ULL,	/* 4 KiB at 0x3000 */
		0x0000000000004001ULL,	/* 2 x 4 KiB at 0x4000 */
	};

	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 4);
	CHECK_EQ(call(0x0000000000008003ULL, 40), 0x3);	/* rep count 0 */
	CHECK_EQ(call(0x0001000100008003ULL, 40), 0x3);	/* start 1 of 1 */
	CHECK_EQ(call(0x0005000400008003ULL, 40), 0x3);	/* start 5 of 4 */
	CHECK_EQ(call(0x0fff000400008003ULL, 40), 0x3);
	CHECK_EQ(rec.n, 0);
	/* start 2 of 4: a continuation, elements 2 and 3; 4 done in all */
	CHECK_EQ(call(0x0002000400008003ULL, 40), 0x0000000400000000ULL);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.off[0], 0x3000);
	CHECK_EQ(rec.len[0], 0x1000);
	CHECK_EQ(rec.off[1], 0x4000);
	CHECK_EQ(rec.len[1], 0x2000);
}

static void t_511_ranges(void)
{
	unsigned int i;

	setup(64 * MiB);
	le64(page, HDR_DISCARD);
	/* 511 ranges of one 4 KiB page each, at GPA 0x1000 * (i + 1) */
	for (i = 0; i < 511; i++)
		le64(page + 8 + 8 * i, (uint64_t)(i + 1) << 12);
	CHECK_EQ(call(IN_HINT_511, 4096), 0x000001ff00000000ULL);
	CHECK_EQ(rec.n, 511);
	CHECK_EQ(rec.off[510], 511 * 4096);
	CHECK_EQ(host.st.ranges, 511);
	CHECK_EQ(host.st.bytes, 511 * 4096);
}

static void t_512_ranges(void)
{
	setup(64 * MiB);
	le64(page, HDR_DISCARD);
	/* 512 ranges would need 4104 bytes: the list spans the page */
	CHECK_EQ(call(IN_HINT_512, 4096), 0x4);
	CHECK_EQ(call(0x00000fff00008003ULL, 4096), 0x4);
	CHECK_EQ(rec.n, 0);
	CHECK_EQ(tr.reps_done, 0);
}

static void t_short_input(void)
{
	static const uint64_t r[3] = { 0x1000, 0x2000, 0x3000 };

	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 3);
	/* 3 reps need 32 bytes */
	CHECK_EQ(call(IN_HINT_3, 24), 0x3);
	CHECK_EQ(call(IN_HINT_3, 0), 0x3);
	CHECK_EQ(rec.n, 0);
	CHECK_EQ(call(IN_HINT_3, 32), 0x0000000300000000ULL);
}

static void t_additional_pages(void)
{
	uint64_t r[1];

	/* 4 KiB units: additional 2047 = 2048 pages = 8 MiB at 1 MiB */
	setup(64 * MiB);
	r[0] = 0x00000000001007ffULL;
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.off[0], 1 * MiB);
	CHECK_EQ(rec.len[0], 8 * MiB);

	/* additional 0 = one page */
	setup(64 * MiB);
	r[0] = 0x0000000000100000ULL;
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.len[0], 4096);

	/* 2 MiB units: additional 2047 = 4 GiB; needs an 8 GiB partition */
	setup(8 * GiB);
	r[0] = 0x0000000000000fffULL;		/* GPA 0, large, 2047 */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.off[0], 0);
	CHECK_EQ(rec.len[0], 4 * GiB);
	r[0] = 0x0000000100000fffULL;		/* GPA 4 GiB: ends at 8 */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.off[1], 4 * GiB);
	r[0] = 0x0000000100200fffULL;		/* 2 MiB further: past */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x5);
	CHECK_EQ(rec.n, 2);
}

static void t_large_misaligned(void)
{
	static const uint64_t bad[] = {
		0x0000000000202800ULL,	/* bit 13: 4 KiB pfn 0x202 */
		0x0000000000300800ULL,	/* bit 20 */
		0x00000000003fe800ULL,	/* bits 13-20 all */
	};
	uint64_t r[1];
	size_t i;

	setup(64 * MiB);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		hint_page(HDR_DISCARD, &bad[i], 1);
		CHECK_EQ(call(IN_HINT_1, 16), 0x5);
		CHECK_EQ(tr.bad_rep, 0);
		CHECK_EQ(tr.bad_range, bad[i]);
	}
	CHECK_EQ(rec.n, 0);
	/* aligned: 2 x 2 MiB at 6 MiB */
	r[0] = 0x0000000000600801ULL;
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.off[0], 6 * MiB);
	CHECK_EQ(rec.len[0], 4 * MiB);
}

static void t_out_of_ram(void)
{
	static const struct {
		uint64_t range;
		uint64_t status;
	} cases[] = {
		{ 0x0000000004000800ULL, 0x5 },	/* 2 MiB at 64 MiB */
		{ 0x0000000003e00801ULL, 0x5 },	/* 2 x 2 MiB at 62 MiB */
		{ 0x0000000003e00800ULL, 0x0 },	/* 2 MiB at 62 MiB: last */
		{ 0x0000000003fff000ULL, 0x0 },	/* last 4 KiB page */
		{ 0x0000000003fff001ULL, 0x5 },	/* last page + 1 */
		{ 0x0000000004000000ULL, 0x5 },	/* first page beyond */
		{ 0xfffffffffffff7ffULL, 0x5 },	/* top of GPA space */
		{ 0xffffffffffe00fffULL, 0x5 },	/* large, at the top */
		{ 0x0000000000000000ULL, 0x0 },	/* page 0 */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(64 * MiB);
		hint_page(HDR_DISCARD, &cases[i].range, 1);
		CHECK_EQ(call(IN_HINT_1, 16) & 0xffff, cases[i].status);
		CHECK_EQ(rec.n, cases[i].status ? 0 : 1);
	}
}

static void t_1g_units(void)
{
	uint64_t r[1];

	setup(2 * GiB);
	r[0] = 0x0000000040001800ULL;	/* 1 GiB at 1 GiB */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.off[0], GiB);
	CHECK_EQ(rec.len[0], GiB);
	r[0] = 0x0000000000001801ULL;	/* 2 x 1 GiB at 0 */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.len[1], 2 * GiB);
	r[0] = 0x0000000000201800ULL;	/* 1 GiB unit at 2 MiB */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x5);
	r[0] = 0x0000000040001801ULL;	/* 2 x 1 GiB at 1 GiB: past */
	hint_page(HDR_DISCARD, r, 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x5);
	CHECK_EQ(rec.n, 2);
}

static void t_bad_header(void)
{
	static const uint64_t r[1] = { 0x0000000000001000ULL };
	static const uint64_t hdrs[] = {
		0x0000000000000000ULL,	/* COLD */
		0x0000000000000001ULL,	/* HOT */
		0x0000000000000003ULL,	/* undefined */
		0x0000000000000006ULL,	/* COLD_DISCARD + bit 2 */
		0x8000000000000002ULL,	/* COLD_DISCARD + bit 63 */
		0x0000000100000002ULL,
	};
	size_t i;

	setup(64 * MiB);
	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		hint_page(hdrs[i], r, 1);
		CHECK_EQ(call(IN_HINT_1, 16), 0x5);
		CHECK_EQ(tr.bad_rep, -1);
	}
	CHECK_EQ(rec.n, 0);
	CHECK_EQ(host.st.hint_calls, 6);
	CHECK_EQ(host.st.failed, 6);
}

static void t_partial(void)
{
	static const uint64_t r[4] = {
		0x0000000000001000ULL,	/* 4 KiB at 0x1000 */
		0x0000000000200800ULL,	/* 2 MiB at 2 MiB */
		0x0000000008000800ULL,	/* 2 MiB at 128 MiB: out of RAM */
		0x0000000000400800ULL,	/* 2 MiB at 4 MiB: never reached */
	};

	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 4);
	CHECK_EQ(call(IN_HINT_4, 40), 0x0000000200000005ULL);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.off[1], 2 * MiB);
	CHECK_EQ(tr.bad_rep, 2);
	CHECK_EQ(host.st.ranges, 2);
	CHECK_EQ(host.st.bytes, 4096 + 2 * MiB);
	/* resumed at 1, the bad rep still stops it: 2 done in all */
	setup(64 * MiB);
	hint_page(HDR_DISCARD, r, 4);
	CHECK_EQ(call(0x0001000400008003ULL, 40), 0x0000000200000005ULL);
	CHECK_EQ(rec.n, 1);
	/* bad first rep: nothing done */
	CHECK_EQ(call(0x0002000400008003ULL, 40), 0x0000000200000005ULL);
	CHECK_EQ(rec.n, 1);
}

static void t_raw_bytes(void)
{
	/* header type 2, then 2 MiB at 4 MiB, as bytes on the wire */
	static const unsigned char in[16] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x08, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint64_t res;

	setup(64 * MiB);
	res = tlfs_hypercall(&host, IN_HINT_1, in, sizeof(in), outp,
			     sizeof(outp), &olen, &tr);
	CHECK_EQ(res, 0x0000000100000000ULL);
	CHECK_EQ(olen, 0);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.off[0], 0x400000);
	CHECK_EQ(rec.len[0], 0x200000);
}

static void t_reject_small(void)
{
	static const uint64_t r[3] = {
		0x0000000000200800ULL,	/* 2 MiB at 2 MiB */
		0x0000000000400000ULL,	/* 4 KiB at 4 MiB */
		0x0000000000600800ULL,	/* 2 MiB at 6 MiB */
	};

	setup(64 * MiB);
	host.reject_small = true;
	hint_page(HDR_DISCARD, r, 3);
	CHECK_EQ(call(IN_HINT_3, 32), 0x0000000100000005ULL);
	CHECK_EQ(rec.n, 1);
	hint_page(HDR_DISCARD, &r[1], 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x5);
	/* 2 MiB units alone still go through */
	hint_page(HDR_DISCARD, &r[2], 1);
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(rec.n, 2);
}

static void t_fail_all(void)
{
	static const uint64_t r[2] = {
		0x0000000000200800ULL, 0x0000000000001000ULL,
	};

	setup(64 * MiB);
	host.fail_all = 0x000b;
	hint_page(HDR_DISCARD, r, 2);
	CHECK_EQ(call(IN_HINT_2, 24), 0x000000000000000bULL);
	CHECK_EQ(call(IN_HINT_2, 24), 0x000000000000000bULL);
	CHECK_EQ(rec.n, 0);
	CHECK_EQ(host.st.failed, 2);
	/* the capability query is not a heat hint */
	CHECK_EQ(call(IN_QUERY, 0), 0);
	/* input value errors keep their own status */
	CHECK_EQ(call(0x0000000000008003ULL, 24), 0x3);
}

static void t_max_reps(void)
{
	static const uint64_t r[5] = {
		0x1000, 0x2000, 0x3000, 0x4000, 0x5000,
	};

	setup(64 * MiB);
	host.max_reps = 2;
	hint_page(HDR_DISCARD, r, 5);
	/* success with fewer reps done; the caller resumes from there */
	CHECK_EQ(call(IN_HINT_5, 48), 0x0000000200000000ULL);
	CHECK_EQ(call(0x0002000500008003ULL, 48), 0x0000000400000000ULL);
	CHECK_EQ(call(0x0004000500008003ULL, 48), 0x0000000500000000ULL);
	CHECK_EQ(rec.n, 5);
	CHECK_EQ(rec.off[0], 0x1000);
	CHECK_EQ(rec.off[4], 0x5000);
}

static void t_host_error(void)
{
	static const uint64_t r[1] = { 0x0000000000200800ULL };

	setup(64 * MiB);
	rec.fail = 1;
	hint_page(HDR_DISCARD, r, 1);
	/* advisory: the guest loses nothing, so the rep completes */
	CHECK_EQ(call(IN_HINT_1, 16), 0x0000000100000000ULL);
	CHECK_EQ(host.st.host_errors, 1);
	CHECK_EQ(host.st.ranges, 0);
	CHECK_EQ(host.st.bytes, 0);
}

static void t_cpuid(void)
{
	uint32_t regs[4];
	char vendor[12];
	int i;

	setup(64 * MiB);
	tlfs_cpuid(&host, 0x40000000, regs);
	CHECK_EQ(regs[0], 0x40000005);
	for (i = 0; i < 4; i++) {
		vendor[i] = (char)(regs[1] >> (8 * i));
		vendor[4 + i] = (char)(regs[2] >> (8 * i));
		vendor[8 + i] = (char)(regs[3] >> (8 * i));
	}
	CHECK(!memcmp(vendor, "Microsoft Hv", 12));
	tlfs_cpuid(&host, 0x40000001, regs);
	CHECK_EQ(regs[0], 0x31237648);		/* "Hv#1" */
	tlfs_cpuid(&host, 0x40000003, regs);
	CHECK_EQ(regs[1] & (1U << 20), 1U << 20);
	CHECK_EQ(regs[0] & (1U << 5), 1U << 5);
	host.no_ext_hypercalls = true;
	tlfs_cpuid(&host, 0x40000003, regs);
	CHECK_EQ(regs[1] & (1U << 20), 0);
	tlfs_cpuid(&host, 0x40000002, regs);
	CHECK_EQ(regs[0] | regs[1] | regs[2] | regs[3], 0);
	tlfs_cpuid(&host, 0x00000001, regs);
	CHECK_EQ(regs[0] | regs[1] | regs[2] | regs[3], 0);
}

static void t_status_parse(void)
{
	CHECK_EQ(tlfs_status_parse("INVALID_PARAMETER"), 5);
	CHECK_EQ(tlfs_status_parse("hv_status_insufficient_memory"), 0xb);
	CHECK_EQ(tlfs_status_parse("0x1e"), 0x1e);
	CHECK_EQ(tlfs_status_parse("7"), 7);
	CHECK(tlfs_status_parse("0x10000") < 0);
	CHECK(tlfs_status_parse("-1") < 0);
	CHECK(tlfs_status_parse("BOGUS") < 0);
}

/* Real memory: punch holes in a 64 MiB memfd full of 0xa5. */
static int all_bytes(int fd, uint64_t off, uint64_t len, unsigned char v)
{
	static unsigned char buf[1 << 16];

	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		size_t i;

		if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
			return 0;
		for (i = 0; i < n; i++)
			if (buf[i] != v)
				return 0;
		off += n;
		len -= n;
	}
	return 1;
}

static void t_real_discard(void)
{
	static unsigned char chunk[1 << 20];
	static const uint64_t r[3] = {
		0x0000000000400800ULL,	/* 2 MiB at 4 MiB */
		0x000000000010000fULL,	/* 16 x 4 KiB at 1 MiB */
		0x0000000002000802ULL,	/* 3 x 2 MiB at 32 MiB */
	};
	static const uint64_t off[3] = { 4 * MiB, 1 * MiB, 32 * MiB };
	static const uint64_t len[3] = { 2 * MiB, 64 << 10, 6 * MiB };
	const uint64_t ram = 64 * MiB, total = 2 * MiB + (64 << 10) + 6 * MiB;
	struct stat before, after;
	uint64_t o;
	int fd, i;

	fd = memfd_create("test_hvhost", MFD_CLOEXEC);
	CHECK(fd >= 0);
	memset(chunk, 0xa5, sizeof(chunk));
	for (o = 0; o < ram; o += sizeof(chunk))
		CHECK(pwrite(fd, chunk, sizeof(chunk), (off_t)o) ==
		      (ssize_t)sizeof(chunk));
	CHECK(!fstat(fd, &before));
	CHECK_EQ(before.st_blocks, ram / 512);

	tlfs_host_init(&host, ram, tlfs_punch_hole, &fd);
	hint_page(HDR_DISCARD, r, 3);
	CHECK_EQ(call(IN_HINT_3, 32), 0x0000000300000000ULL);
	CHECK_EQ(host.st.bytes, total);
	CHECK_EQ(host.st.host_errors, 0);

	CHECK(!fstat(fd, &after));
	CHECK_EQ(after.st_size, ram);		/* KEEP_SIZE */
	CHECK_EQ((uint64_t)(before.st_blocks - after.st_blocks), total / 512);
	for (i = 0; i < 3; i++) {
		CHECK(all_bytes(fd, off[i], len[i], 0));
		CHECK(all_bytes(fd, off[i] - 4096, 4096, 0xa5));
		CHECK(all_bytes(fd, off[i] + len[i], 4096, 0xa5));
	}
	CHECK(all_bytes(fd, 16 * MiB, MiB, 0xa5));

	/* a bad rep after a good one: the good one is freed, no more */
	{
		static const uint64_t r2[2] = {
			0x0000000000800800ULL,	/* 2 MiB at 8 MiB */
			0x0000000004000800ULL,	/* 2 MiB at 64 MiB: beyond */
		};

		hint_page(HDR_DISCARD, r2, 2);
		CHECK_EQ(call(IN_HINT_2, 24), 0x0000000100000005ULL);
		CHECK(!fstat(fd, &before));
		CHECK_EQ((uint64_t)(after.st_blocks - before.st_blocks),
			 2 * MiB / 512);
		CHECK(all_bytes(fd, 8 * MiB, 2 * MiB, 0));
		CHECK_EQ(before.st_size, ram);
	}
	close(fd);
}

/* The frame server, over a socketpair, from hand-written frames. */
static const unsigned char req[] = {
	/* garbage */
	'x', 'y', 'z', '!', 0x00,
	/* CPUID 0x40000001 */
	0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0,
	0x01, 0x00, 0x00, 0x40,
	/* HYPERCALL HvExtCallQueryCapabilities, no input page */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* HYPERCALL heat hint, 1 rep: 2 MiB at 4 MiB */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0,
	0x03, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* a header with len 0x2000 > 4104 */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0,
	/* CPUID 0x40000000 */
	0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0,
	0x00, 0x00, 0x00, 0x40,
	/* reserved field 1 */
	0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x04, 0, 0, 0, 1, 0, 0, 0,
	0x00, 0x00, 0x00, 0x40,
	/* type 9 */
	0x41, 0x48, 0x56, 0x31, 0x09, 0, 0, 0, 0x00, 0, 0, 0, 0, 0, 0, 0,
	/* CPUID with a 3-byte payload */
	0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0,
	0x00, 0x00, 0x40,
	/* HYPERCALL with no input value */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0,
	0x03, 0x80, 0x00, 0x00,
	/* heat hint with a bad type: HV_STATUS_INVALID_PARAMETER */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0,
	0x03, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x08, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* trailing half header, cut by EOF */
	0x41, 0x48, 0x56,
};

static const unsigned char ans[] = {
	/* ERROR bad magic */
	0x41, 0x48, 0x56, 0x31, 0xff, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x01, 0, 0, 0, 0x00, 0, 0, 0,
	/* CPUID: "Hv#1" */
	0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0,
	0x48, 0x76, 0x23, 0x31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* query: SUCCESS, caps 0x102 */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0x02, 0x01, 0, 0, 0, 0, 0, 0,
	/* heat hint: SUCCESS, 1 rep done */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0x01, 0, 0, 0,
	/* ERROR too long, type 2 */
	0x41, 0x48, 0x56, 0x31, 0xff, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x02, 0, 0, 0, 0x02, 0, 0, 0,
	/* CPUID: 0x40000005, "Microsoft Hv" */
	0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0,
	0x05, 0x00, 0x00, 0x40, 'M', 'i', 'c', 'r', 'o', 's', 'o', 'f',
	't', ' ', 'H', 'v',
	/* ERROR reserved, type 1 */
	0x41, 0x48, 0x56, 0x31, 0xff, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x05, 0, 0, 0, 0x01, 0, 0, 0,
	/* ERROR bad type 9 */
	0x41, 0x48, 0x56, 0x31, 0xff, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x03, 0, 0, 0, 0x09, 0, 0, 0,
	/* ERROR bad length, type 1 */
	0x41, 0x48, 0x56, 0x31, 0xff, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x04, 0, 0, 0, 0x01, 0, 0, 0,
	/* ERROR bad length, type 2 */
	0x41, 0x48, 0x56, 0x31, 0xff, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x04, 0, 0, 0, 0x02, 0, 0, 0,
	/* heat hint: INVALID_PARAMETER, 0 reps */
	0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0,
	0x05, 0, 0, 0, 0, 0, 0, 0,
};

static void t_socket(void)
{
	static struct hvs_server srv;
	unsigned char got[sizeof(ans) + 64];
	size_t n = 0;
	ssize_t k;
	int sv[2];

	setup(64 * MiB);
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK(write(sv[0], req, sizeof(req)) == (ssize_t)sizeof(req));
	CHECK(!shutdown(sv[0], SHUT_WR));
	hvs_init(&srv, &host, NULL, false);
	CHECK_EQ(hvs_serve(&srv, sv[1], NULL, NULL, NULL), 0);
	close(sv[1]);
	while ((k = read(sv[0], got + n, sizeof(got) - n)) > 0)
		n += (size_t)k;
	close(sv[0]);
	CHECK_EQ(n, sizeof(ans));
	CHECK(!memcmp(got, ans, sizeof(ans)));
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.off[0], 4 * MiB);
	CHECK_EQ(rec.len[0], 2 * MiB);
	CHECK_EQ(srv.frames, 5);
	CHECK_EQ(srv.bad_frames, 6);
	CHECK_EQ(host.st.hint_calls, 2);
	CHECK_EQ(host.st.failed, 1);
}

/* A full-page call, fed one byte at a time: buffering across reads. */
static void t_feed_bytewise(void)
{
	static struct hvs_server srv;
	static unsigned char frame[16 + 8 + 4096];
	unsigned char got[64];
	unsigned int i;
	int p[2];

	setup(64 * MiB);
	CHECK(!pipe(p));
	/* header: magic, type 2, len 4104 = 0x1008, reserved */
	memcpy(frame, "AHV1\x02\0\0\0\x08\x10\0\0\0\0\0\0", 16);
	le64(frame + 16, IN_HINT_511);
	le64(frame + 24, HDR_DISCARD);
	for (i = 0; i < 511; i++)
		le64(frame + 32 + 8 * i, 0x1000ULL * (i + 1));
	hvs_init(&srv, &host, NULL, false);
	for (i = 0; i < sizeof(frame); i++)
		CHECK_EQ(hvs_feed(&srv, frame + i, 1, p[1]), 0);
	close(p[1]);
	CHECK(read(p[0], got, sizeof(got)) == 24);
	close(p[0]);
	CHECK(!memcmp(got, "AHV1\x02\0\0\0\x08\0\0\0\0\0\0\0", 16));
	/* SUCCESS, 511 reps */
	CHECK(!memcmp(got + 16, "\0\0\0\0\xff\x01\0\0", 8));
	CHECK_EQ(rec.n, 511);
	CHECK_EQ(srv.bad_frames, 0);
}

/* One byte more than a full page is a framing error, and resyncs. */
static void t_frame_too_long(void)
{
	static struct hvs_server srv;
	static const unsigned char f[] = {
		0x41, 0x48, 0x56, 0x31, 0x02, 0, 0, 0, 0x09, 0x10, 0, 0,
		0, 0, 0, 0,
		0x41, 0x48, 0x56, 0x31, 0x01, 0, 0, 0, 0x04, 0, 0, 0,
		0, 0, 0, 0, 0x01, 0x00, 0x00, 0x40,
	};
	unsigned char got[128];
	int p[2];

	setup(64 * MiB);
	CHECK(!pipe(p));
	hvs_init(&srv, &host, NULL, false);
	CHECK_EQ(hvs_feed(&srv, f, sizeof(f), p[1]), 0);
	close(p[1]);
	CHECK(read(p[0], got, sizeof(got)) == 24 + 32);
	close(p[0]);
	CHECK_EQ(got[4], 0xff);
	CHECK_EQ(got[16], 2);			/* HVW_ERR_TOO_LONG */
	CHECK_EQ(got[24 + 4], 1);		/* then the CPUID answer */
	CHECK_EQ(got[24 + 16], 0x48);
	CHECK_EQ(srv.bad_frames, 1);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_result_value);
	RUN(t_query_caps);
	RUN(t_query_bad);
	RUN(t_unknown_code);
	RUN(t_reserved_bits);
	RUN(t_fast_varhead);
	RUN(t_rep_count_start);
	RUN(t_511_ranges);
	RUN(t_512_ranges);
	RUN(t_short_input);
	RUN(t_additional_pages);
	RUN(t_large_misaligned);
	RUN(t_out_of_ram);
	RUN(t_1g_units);
	RUN(t_bad_header);
	RUN(t_partial);
	RUN(t_raw_bytes);
	RUN(t_reject_small);
	RUN(t_fail_all);
	RUN(t_max_reps);
	RUN(t_host_error);
	RUN(t_cpuid);
	RUN(t_status_parse);
	RUN(t_real_discard);
	RUN(t_socket);
	RUN(t_feed_bytewise);
	RUN(t_frame_too_long);
	return summary("hvhost");
}
