// SPDX-License-Identifier: GPL-2.0
/*
 * Model buddy allocator and its implementation of core/glue.h.  The logic
 * follows mm/page_alloc.c: __rmqueue_smallest()/expand() on allocation,
 * __free_one_page() merging on free, __isolate_free_page() and
 * __putback_isolated_page() for the engine, and the aeration hooks of
 * linux-glue/linux-6.12.patch: the frames of an aerated block come back
 * before it leaves its free list, or (allocation only) the block keeps its
 * mark, is not split, and the allocator holds it whole and takes another,
 * at most PAGE_REPORTED_MAX_HOLDS times per allocation.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "buddy.h"
#include "../../core/glue.h"

struct aer_engine mb_engine;
struct aer_blk mb_pages[MB_MAX_PAGES];
struct aer_zone mb_zones[MB_MAX_ZONES];
unsigned int mb_nr_zones;
int mb_requests;
int mb_percpu_drains;
bool mb_fail_isolate;
unsigned int mb_guard_minorder;
unsigned long mb_gone_handed_out;
unsigned long mb_bad_context;
unsigned long mb_max_holds;
/* Held blocks, first in first out, like the kernel's list. */
static unsigned long held_q[MB_MAX_PAGES];
static unsigned long held_head, held_tail;

char shim_log[4096];
int shim_log_lines;

void shim_printk(const char *fmt, ...)
{
	size_t used = strlen(shim_log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(shim_log + used, sizeof(shim_log) - used, fmt, ap);
	va_end(ap);
	shim_log_lines++;
}

/* A broken locking or isolation rule: in the kernel, a hang or corruption. */
static void mb_die(const char *why)
{
	printf("FAIL model allocator: %s\n", why);
	fflush(stdout);
	abort();
}

static struct aer_zone *mb_zone_of(unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < mb_nr_zones; i++)
		if (pfn >= mb_zones[i].start_pfn &&
		    pfn < mb_zones[i].start_pfn + mb_zones[i].nr_pages)
			return &mb_zones[i];
	return NULL;
}

static void list_add_(struct aer_blk *head, struct aer_blk *b, bool tail)
{
	struct aer_blk *prev = tail ? head->prev : head;
	struct aer_blk *next = prev->next;

	b->prev = prev;
	b->next = next;
	prev->next = b;
	next->prev = b;
}

static void list_del_(struct aer_blk *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
	b->prev = b->next = NULL;
}

static void add_to_free_list(struct aer_zone *z, struct aer_blk *b,
			     unsigned int order, bool tail)
{
	b->buddy = true;
	b->order = order;
	list_add_(&z->heads[order][b->mt], b, tail);
	z->nr_free[order]++;
	z->free_pages += 1UL << order;
}

/* __del_page_from_free_list(): the one place a block leaves a list. */
static void del_from_free_list(struct aer_zone *z, struct aer_blk *b,
			       unsigned int order)
{
	/* page_reported_clear(): the mark stays if the frames did not. */
	if (b->aerated && !aer_leave(&mb_engine, b->pfn, order, AER_LEAVE_GOING))
		b->aerated = false;
	list_del_(b);
	b->buddy = false;
	z->nr_free[order]--;
	z->free_pages -= 1UL << order;
}

/* page_reported_reclaim/merge(): frames back, or the block stays put. */
static bool reclaim_ok(struct aer_blk *b, unsigned int order,
		       enum aer_leave how)
{
	if (!b->aerated)
		return true;
	if (aer_leave(&mb_engine, b->pfn, order, how))
		return false;
	b->aerated = false;
	return true;
}

/*
 * __free_one_page()'s migratetype check, which comes before the merge
 * hook: no merge across pageblocks where one is isolated.
 */
static bool mt_mergeable(unsigned long pfn, unsigned long bpfn,
			 unsigned int order)
{
	unsigned int a = mb_pages[pfn].mt, b = mb_pages[bpfn].mt;

	return order < MB_PAGEBLOCK || a == b ||
	       (a != MB_MT_ISOLATE && b != MB_MT_ISOLATE);
}

/* __free_one_page(): merge with free buddies, then add to a list. */
static void free_one(unsigned long pfn, unsigned int order, bool tail,
		     bool notify)
{
	struct aer_zone *z = mb_zone_of(pfn);
	struct aer_blk *b;

	while (order < MB_ORDERS - 1) {
		unsigned long bpfn = pfn ^ (1UL << order);
		struct aer_blk *bud;

		if (mb_zone_of(bpfn) != z)
			break;
		bud = &mb_pages[bpfn];
		if (bud->guard && bud->order == order) {
			/* A guard buddy merges back as it is: no free list, no mark. */
			bud->guard = false;
			pfn &= bpfn;
			order++;
			continue;
		}
		if (!bud->buddy || bud->order != order ||
		    !mt_mergeable(pfn, bpfn, order) ||
		    !reclaim_ok(bud, order, AER_LEAVE_MERGE))
			break;
		del_from_free_list(z, bud, order);
		/* Like page_alloc.c, a merged block takes the caller's type. */
		bud->mt = mb_pages[pfn].mt;
		pfn &= bpfn;
		order++;
	}
	b = &mb_pages[pfn];
	add_to_free_list(z, b, order, tail);
	if (notify && mb_engine.backend && order >= mb_engine.min_order &&
	    aer_request(&mb_engine, true))
		mb_requests++;
}

void mb_set_pageblock_mt(unsigned long pfn, unsigned int mt)
{
	unsigned long start = pfn & ~((1UL << MB_PAGEBLOCK) - 1), i;

	for (i = start; i < start + (1UL << MB_PAGEBLOCK); i++)
		mb_pages[i].mt = mt;
}

void mb_init(unsigned int nr_zones, unsigned long zone_pages)
{
	unsigned long pfn, step = 1UL << (MB_ORDERS - 1);
	unsigned int i, o, mt;

	memset(mb_pages, 0, nr_zones * zone_pages * sizeof(mb_pages[0]));
	memset(mb_zones, 0, sizeof(mb_zones));
	mb_nr_zones = nr_zones;
	mb_requests = 0;
	mb_fail_isolate = false;
	mb_guard_minorder = 0;
	mb_gone_handed_out = 0;
	mb_bad_context = 0;
	mb_max_holds = 0;
	memset(mb_traced, 0, sizeof(mb_traced));
	memset(mb_traced_failed, 0, sizeof(mb_traced_failed));
	held_head = held_tail = 0;
	shim_log[0] = 0;
	shim_log_lines = 0;

	for (pfn = 0; pfn < nr_zones * zone_pages; pfn++) {
		mb_pages[pfn].pfn = pfn;
		/* Two movable pageblocks, then one unmovable. */
		mb_pages[pfn].mt = (pfn >> MB_PAGEBLOCK) % 3 == 2 ? 0 : 1;
	}
	for (i = 0; i < nr_zones; i++) {
		struct aer_zone *z = &mb_zones[i];

		z->id = i;
		z->start_pfn = i * zone_pages;
		z->nr_pages = zone_pages;
		z->low_wmark = zone_pages / 64;
		for (o = 0; o < MB_ORDERS; o++)
			for (mt = 0; mt < MB_MTS; mt++)
				z->heads[o][mt].prev = z->heads[o][mt].next =
					&z->heads[o][mt];
		for (pfn = z->start_pfn; pfn < z->start_pfn + zone_pages;
		     pfn += step)
			free_one(pfn, MB_ORDERS - 1, true, false);
	}
}

static struct aer_blk *take(unsigned int order, unsigned int mt,
			    unsigned int *got)
{
	unsigned int i, o;

	for (i = 0; i < mb_nr_zones; i++) {
		struct aer_zone *z = &mb_zones[i];

		for (o = order; o < MB_ORDERS; o++) {
			struct aer_blk *h = &z->heads[o][mt];

			if (h->next != h) {
				*got = o;
				return h->next;
			}
		}
	}
	return NULL;
}

/* linux-6.12.patch's limit on the blocks one allocation holds. */
#define MB_MAX_HOLDS	4

/* rmqueue_buddy(): __rmqueue_smallest() with a fallback to the other type. */
long mb_alloc(unsigned int order, unsigned int mt)
{
	struct aer_blk *b;
	struct aer_zone *z;
	unsigned int got, fb;
	unsigned long i, held = 0;

again:
	b = take(order, mt, &got);
	for (fb = 0; !b && fb < MB_MT_ISOLATE; fb++)
		b = take(order, fb, &got);
	if (!b)
		return -1;

	z = mb_zone_of(b->pfn);
	/* The zone lock, for the hooks' reclaim() (rmqueue takes it). */
	aerg_lock(z);
	del_from_free_list(z, b, got);
	/*
	 * page_reported_whole(), page_reported_hold(): frames gone, so the
	 * block is held unsplit; take another, a few times, then fail.
	 */
	if (b->aerated) {
		b->aerated = false;
		b->order = got;
		aerg_unlock(z);
		aer_hold(&mb_engine, b->pfn, got);
		if (++held > mb_max_holds)
			mb_max_holds = held;
		if (held == MB_MAX_HOLDS)
			return -1;
		goto again;
	}
	/*
	 * expand(): the upper halves go back to the list head, or with
	 * debug_pagealloc become guard pages (set_page_guard ... continue).
	 */
	while (got > order) {
		struct aer_blk *half;

		got--;
		half = &mb_pages[b->pfn + (1UL << got)];
		if (got < mb_guard_minorder) {
			half->guard = true;
			half->order = got;
			continue;
		}
		add_to_free_list(z, half, got, false);
	}
	aerg_unlock(z);
	for (i = b->pfn; i < b->pfn + (1UL << order); i++) {
		if (mb_pages[i].gone)
			mb_gone_handed_out++;
		mb_pages[i].allocated = true;
	}
	b->order = order;
	return b->pfn;
}

void mb_free(unsigned long pfn, unsigned int order)
{
	unsigned long i;

	for (i = pfn; i < pfn + (1UL << order); i++)
		mb_pages[i].allocated = false;
	aerg_lock(mb_zone_of(pfn));
	free_one(pfn, order, false, true);
	aerg_unlock(mb_zone_of(pfn));
}

/*
 * __isolate_free_page() for compaction and alloc_contig_range(): take the
 * free block that starts at @pfn, its frames back first.  Its order, or -1
 * if no free block starts there or its frames stay gone (it stays put).
 */
int mb_isolate_free(unsigned long pfn)
{
	struct aer_zone *z = mb_zone_of(pfn);
	struct aer_blk *b = &mb_pages[pfn];
	unsigned int order = b->order;
	unsigned long i;
	bool ok;

	if (!z)
		return -1;
	/* The engine's isolation, but the caller keeps the block. */
	aerg_lock(z);
	ok = aerg_isolate(z, b, order);
	aerg_unlock(z);
	if (!ok)
		return -1;
	b->isolated = false;
	for (i = pfn; i < pfn + (1UL << order); i++) {
		if (mb_pages[i].gone)
			mb_gone_handed_out++;
		mb_pages[i].allocated = true;
	}
	return order;
}

/* Move a free block to its list for @mt, marks and all (move_to_free_list). */
static void move_block(struct aer_zone *z, struct aer_blk *b, unsigned int mt)
{
	list_del_(b);
	b->mt = mt;
	list_add_(&z->heads[b->order][mt], b, false);
}

/* Every block in [start, end) to @mt, pageblocks too. */
static void move_range(struct aer_zone *z, unsigned long start,
		       unsigned long end, const unsigned int *mt)
{
	unsigned long pfn;

	for (pfn = start; pfn < end; pfn += 1UL << mb_pages[pfn].order)
		move_block(z, &mb_pages[pfn], mt[(pfn - start) >> MB_PAGEBLOCK]);
	for (pfn = start; pfn < end; pfn += 1UL << MB_PAGEBLOCK)
		mb_set_pageblock_mt(pfn, mt[(pfn - start) >> MB_PAGEBLOCK]);
}

/*
 * offline_pages() on the order-10 range holding @pfn, all of it free (the
 * model does not migrate): isolate its pageblocks, whose free blocks move
 * to the isolate lists with their marks; test_pages_isolated() brings back
 * the frames of every marked block, or the range is busy and the isolation
 * undone; __offline_isolated_pages() takes the blocks off their lists for
 * good (the deletion hook once more).  The range's first pfn, or -1.
 */
long mb_offline(unsigned long pfn)
{
	unsigned long start = pfn & ~((1UL << (MB_ORDERS - 1)) - 1), p;
	unsigned long end = start + (1UL << (MB_ORDERS - 1));
	unsigned int iso[2] = { MB_MT_ISOLATE, MB_MT_ISOLATE }, old[2];
	struct aer_zone *z = mb_zone_of(start);

	if (!z || mb_zone_of(end - 1) != z)
		return -1;
	for (p = start; p < end; p += 1UL << mb_pages[p].order)
		if (!mb_pages[p].buddy)
			return -1;	/* in use: migration would be needed */
	old[0] = mb_pages[start].mt;
	old[1] = mb_pages[start + (1UL << MB_PAGEBLOCK)].mt;
	if (old[0] == MB_MT_ISOLATE || old[1] == MB_MT_ISOLATE)
		return -1;
	aerg_lock(z);
	move_range(z, start, end, iso);
	for (p = start; p < end; p += 1UL << mb_pages[p].order)
		if (!reclaim_ok(&mb_pages[p], mb_pages[p].order, AER_LEAVE_TRY)) {
			move_range(z, start, end, old);		/* -EBUSY */
			aerg_unlock(z);
			return -1;
		}
	for (p = start; p < end; ) {
		unsigned int order = mb_pages[p].order;
		unsigned long i;

		del_from_free_list(z, &mb_pages[p], order);
		/* Offline, out of the allocator: as good as handed out. */
		for (i = p; i < p + (1UL << order); i++) {
			if (mb_pages[i].gone)
				mb_gone_handed_out++;
			mb_pages[i].allocated = true;
		}
		p += 1UL << order;
	}
	aerg_unlock(z);
	return (long)start;
}

/* online_pages(): the range comes back as one free movable block. */
void mb_online(unsigned long start)
{
	unsigned long i;

	for (i = start; i < start + (1UL << (MB_ORDERS - 1)); i++)
		mb_pages[i].allocated = false;
	mb_set_pageblock_mt(start, 1);
	mb_set_pageblock_mt(start + (1UL << MB_PAGEBLOCK), 1);
	aerg_lock(mb_zone_of(start));
	free_one(start, MB_ORDERS - 1, false, true);
	aerg_unlock(mb_zone_of(start));
}

unsigned long mb_count_aerated_pages(void)
{
	unsigned long pfn, n = 0;

	for (pfn = 0; pfn < mb_nr_zones * mb_zones[0].nr_pages; pfn++)
		if (mb_pages[pfn].buddy && mb_pages[pfn].aerated)
			n += 1UL << mb_pages[pfn].order;
	return n;
}

unsigned long mb_count_gone(void)
{
	unsigned long pfn, n = 0;

	for (pfn = 0; pfn < mb_nr_zones * mb_zones[0].nr_pages; pfn++)
		n += mb_pages[pfn].gone;
	return n;
}

const char *mb_check(void)
{
	static char msg[160];
	static unsigned char owner[MB_MAX_PAGES];
	unsigned long pfn, end = mb_nr_zones * mb_zones[0].nr_pages, i;
	unsigned int z, o, mt;

	memset(owner, 0, end);
	for (z = 0; z < mb_nr_zones; z++) {
		struct aer_zone *zn = &mb_zones[z];
		unsigned long free = 0;

		if (zn->locked)
			return "zone left locked";
		for (o = 0; o < MB_ORDERS; o++) {
			unsigned long n = 0;

			for (mt = 0; mt < MB_MTS; mt++) {
				struct aer_blk *h = &zn->heads[o][mt], *b;

				for (b = h->next; b != h; b = b->next) {
					if (!b->buddy || b->order != o) {
						snprintf(msg, sizeof(msg),
							 "pfn %lu on order %u list but order %u buddy %d",
							 b->pfn, o, b->order, b->buddy);
						return msg;
					}
					for (i = b->pfn; i < b->pfn + (1UL << o); i++) {
						if (owner[i]++) {
							snprintf(msg, sizeof(msg), "pfn %lu free twice", i);
							return msg;
						}
						if (mb_pages[i].allocated) {
							snprintf(msg, sizeof(msg), "pfn %lu free and allocated", i);
							return msg;
						}
						/* A frame may only be gone under an aerated mark. */
						if (mb_pages[i].gone && !b->aerated) {
							snprintf(msg, sizeof(msg),
								 "pfn %lu gone in unaerated free block", i);
							return msg;
						}
					}
					n++;
				}
			}
			if (n != zn->nr_free[o])
				return "nr_free does not match the lists";
			free += n << o;
		}
		if (free != zn->free_pages)
			return "free_pages does not match the lists";
	}
	for (pfn = 0; pfn < end; pfn++)
		if (mb_pages[pfn].isolated || mb_pages[pfn].held ||
		    mb_pages[pfn].guard)
			for (i = pfn; i < pfn + (1UL << mb_pages[pfn].order); i++) {
				owner[i]++;
				/* A guard merges back unreclaimed: never gone. */
				if (mb_pages[pfn].guard &&
				    (mb_pages[i].gone || mb_pages[i].allocated)) {
					snprintf(msg, sizeof(msg), "pfn %lu gone or allocated in a guard page", i);
					return msg;
				}
			}
	for (pfn = 0; pfn < end; pfn++) {
		if (owner[pfn] > 1) {
			snprintf(msg, sizeof(msg), "pfn %lu both free and isolated", pfn);
			return msg;
		}
		if (mb_pages[pfn].aerated && !mb_pages[pfn].buddy) {
			snprintf(msg, sizeof(msg), "pfn %lu aerated off the free list", pfn);
			return msg;
		}
		if (!owner[pfn] && !mb_pages[pfn].allocated) {
			snprintf(msg, sizeof(msg), "pfn %lu lost: neither free nor allocated", pfn);
			return msg;
		}
	}
	if (mb_gone_handed_out)
		return "a gone frame was handed out";
	if (mb_bad_context)
		return "reclaim() called without its zone lock";
	return NULL;
}

/* The recording backend. */

struct mb_backend mb_tb;

static int mb_report(struct aer_backend *b, struct aer_block *blocks,
		     unsigned int nr)
{
	unsigned long p;
	unsigned int i;

	(void)b;
	mb_tb.calls++;
	if (nr > mb_tb.max_batch)
		mb_tb.max_batch = nr;
	if (mb_tb.during_report)
		mb_tb.during_report(blocks, nr);
	if (mb_tb.fail_reports) {
		mb_tb.fail_reports--;
		if (mb_tb.hold_on_fail)
			blocks[0].held = true;
		return -EIO;
	}
	for (i = 0; i < nr; i++) {
		mb_tb.blocks++;
		mb_tb.pages += 1UL << blocks[i].order;
		if (!mb_tb.reclaim_kind)
			continue;
		for (p = blocks[i].pfn; p < blocks[i].pfn + (1UL << blocks[i].order); p++) {
			if (mb_pages[p].gone)
				mb_die("a frame was given to the backend twice");
			mb_pages[p].gone = true;
		}
	}
	return 0;
}

static int mb_reclaim(struct aer_backend *b, unsigned long pfn,
		      unsigned int order)
{
	unsigned long p;

	(void)b;
	if (mb_tb.fail_reclaims) {
		mb_tb.fail_reclaims--;
		return -ENOMEM;
	}
	mb_tb.reclaims++;
	mb_tb.last_reclaim_pfn = pfn;
	mb_tb.last_reclaim_order = order;
	for (p = pfn; p < pfn + (1UL << order); p++)
		mb_pages[p].gone = false;
	return 0;
}

void mb_backend_init(bool reclaim_kind)
{
	memset(&mb_tb, 0, sizeof(mb_tb));
	mb_tb.reclaim_kind = reclaim_kind;
	mb_tb.b.id = AER_BACKEND_VIRTIO;
	mb_tb.b.capacity = 64;
	mb_tb.b.report = mb_report;
	mb_tb.b.reclaim = reclaim_kind ? mb_reclaim : NULL;
}

/* core/glue.h */

unsigned long mb_traced[2], mb_traced_failed[2];

void aerg_trace(enum aer_op op, enum aer_backend_id id, unsigned long pfn,
		unsigned int order, int result)
{
	(void)id;
	(void)pfn;
	(void)order;
	mb_traced[op]++;
	if (result)
		mb_traced_failed[op]++;
}

/* Time stands still unless a test moves it: the model is deterministic. */
unsigned long long mb_now_ns = 1000ULL * 1000000000ULL;

unsigned long long aerg_clock_ns(void)
{
	return mb_now_ns;
}

struct aer_zone *aerg_zone_next(struct aer_zone *z)
{
	unsigned int i = z ? z->id + 1 : 0;

	return i < mb_nr_zones ? &mb_zones[i] : NULL;
}

bool aerg_zone_has_room(struct aer_zone *z, unsigned int order,
			unsigned int nr)
{
	return z->free_pages > z->low_wmark + ((unsigned long)nr << order);
}

unsigned int aerg_nr_orders(void)
{
	return MB_ORDERS;
}

unsigned int aerg_nr_migratetypes(void)
{
	return MB_MTS;
}

bool aerg_skip_migratetype(unsigned int mt)
{
	return mt == MB_MT_ISOLATE;
}

void aerg_lock(struct aer_zone *z)
{
	if (z->locked++)
		mb_die("zone lock taken twice (a deadlock in the kernel)");
}

void aerg_unlock(struct aer_zone *z)
{
	if (--z->locked)
		mb_die("zone lock released while not held");
}

static void assert_locked(struct aer_zone *z)
{
	if (!z->locked)
		mb_die("free list touched without the zone lock");
}

unsigned long aerg_nr_free(struct aer_zone *z, unsigned int order)
{
	assert_locked(z);
	return z->nr_free[order];
}

struct aer_blk *aerg_first(struct aer_zone *z, unsigned int order,
			   unsigned int mt)
{
	struct aer_blk *h = &z->heads[order][mt];

	assert_locked(z);
	return h->next == h ? NULL : h->next;
}

struct aer_blk *aerg_next(struct aer_zone *z, unsigned int order,
			  unsigned int mt, struct aer_blk *b)
{
	struct aer_blk *h = &z->heads[order][mt];

	assert_locked(z);
	return b->next == h ? NULL : b->next;
}

void aerg_rotate_to_front(struct aer_zone *z, unsigned int order,
			  unsigned int mt, struct aer_blk *b)
{
	struct aer_blk *h = &z->heads[order][mt];

	assert_locked(z);
	if (h->next == b)
		return;
	/* list_rotate_to_front(): make b the first entry, keep the cycle. */
	list_del_(h);
	list_add_(b, h, true);
}

bool aerg_aerated(struct aer_blk *b)
{
	return b->aerated;
}

void aerg_clear_aerated(struct aer_blk *b)
{
	b->aerated = false;
}

void aerg_set_aerated(struct aer_blk *b)
{
	b->aerated = true;
}

void aerg_hold(unsigned long pfn, unsigned int order)
{
	struct aer_blk *b = &mb_pages[pfn];

	if (b->held || b->buddy || b->allocated)
		mb_die("held a block that is not ours");
	b->held = true;
	b->isolated = false;
	b->order = order;
	held_q[held_tail++ % MB_MAX_PAGES] = pfn;
}

bool aerg_held_pop(unsigned long *pfn, unsigned int *order)
{
	struct aer_blk *b;

	if (held_head == held_tail)
		return false;
	b = &mb_pages[held_q[held_head++ % MB_MAX_PAGES]];
	/* The engine owns it now, as an isolated block. */
	b->held = false;
	b->isolated = true;
	*pfn = b->pfn;
	*order = b->order;
	return true;
}

unsigned long mb_nr_held(void)
{
	return held_tail - held_head;
}

struct aer_zone *aerg_pfn_zone(unsigned long pfn)
{
	return mb_zone_of(pfn);
}

unsigned long aerg_pfn(struct aer_blk *b)
{
	return b->pfn;
}

bool aerg_reclaim_context(unsigned long pfn)
{
	struct aer_zone *z = mb_zone_of(pfn);

	if (z && z->locked)
		return true;
	mb_bad_context++;
	return false;
}

bool aerg_isolate(struct aer_zone *z, struct aer_blk *b, unsigned int order)
{
	assert_locked(z);
	if (mb_fail_isolate || !b->buddy || b->order != order ||
	    !reclaim_ok(b, order, AER_LEAVE_TRY))
		return false;
	del_from_free_list(z, b, order);
	b->isolated = true;
	b->allocated = false;
	return true;
}

bool aerg_pageblock_isolated(unsigned long pfn, unsigned int order)
{
	unsigned long end = pfn + (1UL << order);

	for (; pfn < end; pfn += 1UL << MB_PAGEBLOCK)
		if (mb_pages[pfn].mt == MB_MT_ISOLATE)
			return true;
	return false;
}

bool aerg_would_merge(struct aer_zone *z, unsigned long pfn,
		      unsigned int order)
{
	unsigned long bpfn = pfn ^ (1UL << order);

	assert_locked(z);
	/* page_is_buddy(): a guard buddy merges too. */
	return order < MB_ORDERS - 1 && mb_zone_of(bpfn) == z &&
	       (mb_pages[bpfn].buddy || mb_pages[bpfn].guard) &&
	       mb_pages[bpfn].order == order && mt_mergeable(pfn, bpfn, order);
}

/* The model has no per-CPU lists: count the calls. */
void aerg_drain_percpu(void)
{
	mb_percpu_drains++;
}

bool aerg_putback(struct aer_zone *z, unsigned long pfn, unsigned int order,
		  bool mark)
{
	struct aer_blk *b = &mb_pages[pfn];

	assert_locked(z);
	if (!b->isolated)
		mb_die("putback of a block that was not isolated");
	b->isolated = false;
	free_one(pfn, order, true, false);
	if (!mark || !b->buddy || b->order != order)
		return false;
	b->aerated = true;
	return true;
}
