// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's heat-hint encoder (backends/hyperv_hint.c, the code the
 * kernel runs) against the test host's decoder (hosts/hyperv/tlfs.c), two
 * readings of the TLFS written apart: every block the guest hints must be
 * discarded by the host, and nothing else, at every limit of the format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../backends/hyperv.h"
#include "../../hosts/hyperv/tlfs.h"
#include "check.h"

/* The result value as the host's reading of the TLFS lays it out. */
#define STATUS(r)	((unsigned int)((r) & TLFS_RES_STATUS_MASK))
#define REPS_DONE(r)	\
	((unsigned int)(((r) >> TLFS_RES_REPS_SHIFT) & TLFS_IN_REP_MASK))
/* The hint page as raw u64s, not through the encoder's bitfields. */
#define HEADER		(hint.raw[0])
#define RANGE(i)	(hint.raw[1 + (i)])

#define MAX_PFN		(1UL << 22)	/* 16 GiB of guest RAM */

static unsigned char hinted[MAX_PFN], discarded[MAX_PFN];

static int record(void *ctx, uint64_t off, uint64_t len)
{
	uint64_t p;

	(void)ctx;
	for (p = off >> 12; p < (off + len) >> 12 && p < MAX_PFN; p++)
		discarded[p]++;
	return 0;
}

static struct aer_block blocks[HV_MEMORY_HINT_MAX_GPA_PAGE_RANGES];
static union aer_hv_hint_page hint;
static struct tlfs_host host;
static unsigned int nranges;
static uint64_t result;

/* Encode @nr blocks, send them through the decoder, as the kernel does. */
static void roundtrip(unsigned int nr)
{
	unsigned char page[4096];
	size_t out_len;
	unsigned int i;
	unsigned long p;

	memset(hinted, 0, sizeof(hinted));
	memset(discarded, 0, sizeof(discarded));
	for (i = 0; i < nr; i++)
		for (p = blocks[i].pfn; p < blocks[i].pfn + (1UL << blocks[i].order); p++)
			hinted[p]++;
	nranges = aer_hv_encode(blocks, nr, &hint.hint);
	memcpy(page, &hint, 8 * (nranges + 1));		/* x86: little endian */
	result = tlfs_hypercall(&host, HVCALL_EXT_MEMORY_HEAT_HINT |
				(uint64_t)nranges << TLFS_IN_REP_COUNT_SHIFT,
				page, 8 * (nranges + 1), NULL, 0, &out_len, NULL);
}

static int same_pages(void)
{
	return !memcmp(hinted, discarded, sizeof(hinted));
}

static void setup(void)
{
	tlfs_host_init(&host, (uint64_t)MAX_PFN << 12, record, NULL);
}

static void test_one_2m_block(void)
{
	setup();
	blocks[0] = (struct aer_block){ .pfn = 512 * 7, .order = 9 };
	roundtrip(1);
	CHECK(nranges == 1);
	/* 2 MiB frame 7 at bit 21, large page bit 11, 0 additional */
	CHECK(RANGE(0) == ((7ULL << 21) | (1ULL << 11)));
	CHECK(HEADER == TLFS_HINT_TYPE_COLD_DISCARD);
	CHECK(STATUS(result) == 0 && REPS_DONE(result) == 1);
	CHECK(same_pages());
}

/* Neighbours merge into one range; the batch arrives unsorted. */
static void test_merge_sorted(void)
{
	unsigned int i;

	setup();
	for (i = 0; i < 32; i++)
		blocks[i] = (struct aer_block){ .pfn = 4096 + 1024 * (31 - i),
						.order = 10 };
	roundtrip(32);
	CHECK(nranges == 1);
	CHECK((RANGE(0) & 0x7ff) == 63);	/* 64 units of 2 MiB */
	CHECK(STATUS(result) == 0 && REPS_DONE(result) == 1);
	CHECK(same_pages());
}

/* 2048 units is the most one range holds: 4 KiB units overflow it. */
static void test_unit_limit(void)
{
	unsigned int i;

	setup();
	for (i = 0; i < 511; i++)	/* 511 * 8 = 4088 units of 4 KiB */
		blocks[i] = (struct aer_block){ .pfn = 8 * i, .order = 3 };
	roundtrip(511);
	CHECK(nranges == 2);
	CHECK((RANGE(0) & 0x7ff) == 2047);
	CHECK(STATUS(result) == 0 && REPS_DONE(result) == 2);
	CHECK(same_pages());

	/* Exactly 2049 units: the last page starts a second range. */
	for (i = 0; i < 255; i++)
		blocks[i] = (struct aer_block){ .pfn = 8 * i, .order = 3 };
	for (i = 0; i < 9; i++)
		blocks[255 + i] = (struct aer_block){ .pfn = 2040 + i, .order = 0 };
	roundtrip(264);
	CHECK(nranges == 2);
	CHECK(RANGE(0) == 2047 && RANGE(1) == (2048ULL << 12));
	CHECK(STATUS(result) == 0 && REPS_DONE(result) == 2);
	CHECK(same_pages());
}

/* 511 ranges, the most one input page holds, all accepted. */
static void test_max_ranges(void)
{
	unsigned int i;

	setup();
	for (i = 0; i < 511; i++)
		blocks[i] = (struct aer_block){ .pfn = 1024 * i, .order = 9 };
	roundtrip(511);
	CHECK(nranges == 511);
	CHECK(STATUS(result) == 0 && REPS_DONE(result) == 511);
	CHECK(same_pages());
}

/* 4 KiB and 2 MiB units never share a range. */
static void test_mixed_units(void)
{
	setup();
	blocks[0] = (struct aer_block){ .pfn = 512, .order = 9 };
	blocks[1] = (struct aer_block){ .pfn = 256, .order = 8 };
	blocks[2] = (struct aer_block){ .pfn = 0, .order = 0 };
	blocks[3] = (struct aer_block){ .pfn = 1, .order = 0 };
	roundtrip(4);
	CHECK(nranges == 3);
	CHECK(RANGE(0) == ((0ULL << 12) | 1));		/* pfn 0, 2 pages */
	CHECK(RANGE(1) == ((256ULL << 12) | 255));
	CHECK(STATUS(result) == 0 && REPS_DONE(result) == 3);
	CHECK(same_pages());
}

/* A host that takes only 2 MiB pages refuses 4 KiB ranges. */
static void test_reject_small(void)
{
	setup();
	host.reject_small = true;
	blocks[0] = (struct aer_block){ .pfn = 1024, .order = 9 };
	blocks[1] = (struct aer_block){ .pfn = 8, .order = 3 };
	roundtrip(2);
	CHECK(STATUS(result) == HV_STATUS_INVALID_PARAMETER);
	/* Sorted, the 4 KiB range goes first: nothing done. */
	CHECK(REPS_DONE(result) == 0);
}

/* Frame numbers up to the top of their fields: 52 bits, 43 for 2 MiB. */
static void test_high_pfns(void)
{
	unsigned long small = (1UL << 52) - 2, large = ((1UL << 43) - 1) << 9;

	blocks[0] = (struct aer_block){ .pfn = small, .order = 1 };
	blocks[1] = (struct aer_block){ .pfn = large, .order = 9 };
	nranges = aer_hv_encode(blocks, 2, &hint.hint);
	CHECK(nranges == 2);	/* sorted: the 2 MiB block comes first */
	CHECK(RANGE(0) == (((uint64_t)(large >> 9) << 21) | (1ULL << 11)));
	CHECK(RANGE(1) == (((uint64_t)small << 12) | 1));
}

/* Random batches of every order: the host discards exactly the blocks. */
static void test_random(void)
{
	unsigned int round, i, nr;

	setup();
	srand(1);
	for (round = 0; round < 200; round++) {
		unsigned long next = rand() % 4096;

		nr = 1 + rand() % 511;
		for (i = 0; i < nr; i++) {
			unsigned int order = rand() % 11;

			next = (next + (1UL << order) - 1) & ~((1UL << order) - 1);
			if (rand() % 3 == 0)	/* a gap */
				next += 1UL << (rand() % 11);
			next = (next + (1UL << order) - 1) & ~((1UL << order) - 1);
			blocks[i] = (struct aer_block){ .pfn = next, .order = order };
			next += 1UL << order;
		}
		if (next > MAX_PFN)
			continue;
		roundtrip(nr);
		CHECK(nranges <= nr);
		CHECK(STATUS(result) == 0 && REPS_DONE(result) == nranges);
		CHECK(same_pages());
	}
}

int main(void)
{
	RUN(test_one_2m_block);
	RUN(test_merge_sorted);
	RUN(test_unit_limit);
	RUN(test_max_ranges);
	RUN(test_mixed_units);
	RUN(test_reject_small);
	RUN(test_high_pfns);
	RUN(test_random);
	return summary("hvwire");
}
