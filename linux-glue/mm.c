// SPDX-License-Identifier: GPL-2.0
/*
 * aeration in Linux: the allocator side of core/glue.h on struct zone and
 * struct page, the hooks mm/page_alloc.c calls, the pass worker, backend
 * registration under the aeration= policy.
 */
#define pr_fmt(fmt) "aeration: " fmt

#include <linux/cc_platform.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/timekeeping.h>
#include <linux/page-isolation.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"	/* mm/internal.h, via -I in Kbuild */
#include "../core/glue.h"
#include "aeration_mm.h"
#include "glue.h"

DEFINE_STATIC_KEY_FALSE(aeration_enabled);
struct aer_engine aeration_engine;
struct aer_policy aeration_policy;
/* Serialises passes and tunable changes with activation and removal. */
DEFINE_MUTEX(aeration_lock);
/* Serialises activation and removal, including cancelling the worker. */
static DEFINE_MUTEX(aeration_reg_lock);

static void aeration_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(aeration_work, aeration_work_fn);
static void aeration_choose_fn(struct work_struct *work);
static DECLARE_WORK(aeration_choose_work, aeration_choose_fn);

#define Z(z)	((struct zone *)(z))
#define P(b)	((struct page *)(b))

struct aer_zone *aerg_zone_next(struct aer_zone *z)
{
	struct zone *zone;

	zone = z ? next_zone(Z(z)) : first_online_pgdat()->node_zones;
	while (zone && !populated_zone(zone))
		zone = next_zone(zone);
	return (struct aer_zone *)zone;
}

bool aerg_zone_has_room(struct aer_zone *z, unsigned int order,
			unsigned int nr)
{
	unsigned long mark = low_wmark_pages(Z(z)) + ((unsigned long)nr << order);

	return zone_watermark_ok(Z(z), 0, mark, 0, ALLOC_CMA);
}

unsigned int aerg_nr_orders(void)
{
	return NR_PAGE_ORDERS;
}

unsigned int aerg_nr_migratetypes(void)
{
	return MIGRATE_TYPES;
}

bool aerg_skip_migratetype(unsigned int mt)
{
	return is_migrate_isolate(mt);
}

void aerg_lock(struct aer_zone *z)
{
	spin_lock_irq(&Z(z)->lock);
}

void aerg_unlock(struct aer_zone *z)
{
	spin_unlock_irq(&Z(z)->lock);
}

unsigned long aerg_nr_free(struct aer_zone *z, unsigned int order)
{
	return Z(z)->free_area[order].nr_free;
}

static struct list_head *aerg_list(struct aer_zone *z, unsigned int order,
				   unsigned int mt)
{
	return &Z(z)->free_area[order].free_list[mt];
}

struct aer_blk *aerg_first(struct aer_zone *z, unsigned int order,
			   unsigned int mt)
{
	return (struct aer_blk *)list_first_entry_or_null(aerg_list(z, order, mt),
							  struct page, buddy_list);
}

struct aer_blk *aerg_next(struct aer_zone *z, unsigned int order,
			  unsigned int mt, struct aer_blk *b)
{
	if (list_is_last(&P(b)->buddy_list, aerg_list(z, order, mt)))
		return NULL;
	return (struct aer_blk *)list_next_entry(P(b), buddy_list);
}

void aerg_rotate_to_front(struct aer_zone *z, unsigned int order,
			  unsigned int mt, struct aer_blk *b)
{
	struct list_head *list = aerg_list(z, order, mt);

	if (!list_is_first(&P(b)->buddy_list, list))
		list_rotate_to_front(&P(b)->buddy_list, list);
}

bool aerg_aerated(struct aer_blk *b)
{
	return PageReported(P(b));
}

void aerg_clear_aerated(struct aer_blk *b)
{
	__ClearPageReported(P(b));
}

void aerg_set_aerated(struct aer_blk *b)
{
	__SetPageReported(P(b));
}

unsigned long aerg_pfn(struct aer_blk *b)
{
	return page_to_pfn(P(b));
}

void aerg_drain_percpu(void)
{
	drain_all_pages(NULL);
}

/* Read in the allocator's paths: cheap, and safe with timekeeping suspended. */
unsigned long long aerg_clock_ns(void)
{
	return ktime_get_mono_fast_ns();
}

bool aerg_reclaim_context(unsigned long pfn)
{
	struct zone *zone = page_zone(pfn_to_page(pfn));

	/* Lockdep checks the lock; interrupts matter to the backend's buffers. */
	lockdep_assert_held(&zone->lock);
	return !WARN_ON_ONCE(!irqs_disabled());
}

bool aerg_isolate(struct aer_zone *z, struct aer_blk *b, unsigned int order)
{
	return __isolate_free_page(P(b), order);
}

/* Every pageblock of it: alloc_contig_range() may isolate just one. */
bool aerg_pageblock_isolated(unsigned long pfn, unsigned int order)
{
	unsigned long end = pfn + (1UL << order);

	for (; pfn < end; pfn += pageblock_nr_pages)
		if (is_migrate_isolate_page(pfn_to_page(pfn)))
			return true;
	return false;
}

/*
 * Would __free_one_page() merge this block with its buddy?  Not across
 * pageblocks whose migratetypes must not merge.
 */
bool aerg_would_merge(struct aer_zone *z, unsigned long pfn,
		      unsigned int order)
{
	struct page *page = pfn_to_page(pfn), *buddy;
	int mt, buddy_mt;

	if (order >= MAX_PAGE_ORDER)
		return false;
	buddy = find_buddy_page_pfn(page, pfn, order, NULL);
	if (!buddy)
		return false;
	if (order < pageblock_order)
		return true;
	mt = get_pageblock_migratetype(page);
	buddy_mt = get_pageblock_migratetype(buddy);
	return mt == buddy_mt || (migratetype_is_mergeable(mt) &&
				  migratetype_is_mergeable(buddy_mt));
}

bool aerg_putback(struct aer_zone *z, unsigned long pfn, unsigned int order,
		  bool mark)
{
	struct page *page = pfn_to_page(pfn);

	__putback_isolated_page(page, order, get_pageblock_migratetype(page));
	/* If it merged with a buddy, the larger block goes unmarked. */
	if (!mark || !PageBuddy(page) || buddy_order(page) != order)
		return false;
	__SetPageReported(page);
	return true;
}

/*
 * Hooks from mm/page_alloc.c, zone lock held; __aeration_hold() also
 * without it, from rmqueue_buddy() after the lock is dropped.
 */

void __aeration_notify(bool freed)
{
	struct aer_engine *e = &aeration_engine;

	/* At least a jiffy: a timer, not the pool lock, under the zone lock. */
	if (READ_ONCE(e->backend) && aer_request(e, freed))
		queue_delayed_work(system_freezable_wq, &aeration_work,
				   msecs_to_jiffies(aer_next_delay_ms(e)) ?: 1);
}

bool __aeration_reclaim(struct page *page, unsigned int order, bool merge)
{
	if (aer_leave(&aeration_engine, page_to_pfn(page), order,
		      merge ? AER_LEAVE_MERGE : AER_LEAVE_TRY))
		return false;
	__ClearPageReported(page);
	return true;
}

void __aeration_leave(struct page *page, unsigned int order)
{
	/* On failure the mark stays: its frames are still gone. */
	if (!aer_leave(&aeration_engine, page_to_pfn(page), order, AER_LEAVE_GOING))
		__ClearPageReported(page);
}

/* A block whose frames stayed gone; expand() left its order in private. */
void __aeration_hold(struct page *page)
{
	__ClearPageReported(page);
	aer_hold(&aeration_engine, page_to_pfn(page), page_private(page));
	/* A pass offers held blocks back to the backend. */
	__aeration_notify(false);
}

/*
 * Held blocks, linked through page->lru with the order in page->private:
 * off the free lists, their frames still with the hypervisor.  Added from
 * the allocator (any context), taken by the pass worker.
 */
static LIST_HEAD(aeration_held);
static DEFINE_SPINLOCK(aeration_held_lock);

void aerg_hold(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long flags;

	set_page_private(page, order);
	spin_lock_irqsave(&aeration_held_lock, flags);
	list_add_tail(&page->lru, &aeration_held);
	spin_unlock_irqrestore(&aeration_held_lock, flags);
}

bool aerg_held_pop(unsigned long *pfn, unsigned int *order)
{
	struct page *page;
	unsigned long flags;

	spin_lock_irqsave(&aeration_held_lock, flags);
	page = list_first_entry_or_null(&aeration_held, struct page, lru);
	if (page)
		list_del(&page->lru);
	spin_unlock_irqrestore(&aeration_held_lock, flags);
	if (!page)
		return false;
	*pfn = page_to_pfn(page);
	*order = page_private(page);
	set_page_private(page, 0);
	return true;
}

struct aer_zone *aerg_pfn_zone(unsigned long pfn)
{
	return (struct aer_zone *)page_zone(pfn_to_page(pfn));
}

/*
 * Run one pass; if more is pending (frees during the pass found it ACTIVE
 * and queued nothing), queue the next.  The worker, and tests, call this.
 */
bool aeration_run_pass(void)
{
	bool again, recalling;

	mutex_lock(&aeration_lock);
	recalling = !aeration_engine.backend && aeration_engine.reclaimer;
	again = aer_pass(&aeration_engine);
	/* The last reclaim backend's frames are all back: a waiting one may go. */
	if (recalling && !aeration_engine.reclaimer)
		schedule_work(&aeration_choose_work);
	mutex_unlock(&aeration_lock);
	if (again)
		queue_delayed_work(system_freezable_wq, &aeration_work,
				   msecs_to_jiffies(aer_next_delay_ms(&aeration_engine)));
	return again;
}

static void aeration_work_fn(struct work_struct *work)
{
	aeration_run_pass();
}

/* Backends whose hypervisor is here, by id: aeration_choose() picks one. */
static struct aer_backend *aeration_offered[AER_NR_BACKENDS];

/* aeration_activate() with aeration_reg_lock held. */
static int __aeration_activate(struct aer_backend *b)
{
	int err;

	if (b->probe && !b->probe(b))
		return -ENODEV;
	mutex_lock(&aeration_lock);
	err = aer_engine_activate(&aeration_engine, b);
	mutex_unlock(&aeration_lock);
	if (!err) {
		static_branch_enable(&aeration_enabled);
		/* Aerate what is free already. */
		__aeration_notify(false);
	}
	return err;
}

/* Make @b the engine's backend, regardless of policy.  For tests too. */
int aeration_activate(struct aer_backend *b)
{
	int err;

	mutex_lock(&aeration_reg_lock);
	err = __aeration_activate(b);
	mutex_unlock(&aeration_reg_lock);
	return err;
}

/* aeration_deactivate() with aeration_reg_lock held. */
static void __aeration_deactivate(struct aer_backend *b)
{
	bool mine, out = false;

	mutex_lock(&aeration_lock);
	mine = aeration_engine.backend == b;
	if (mine)
		out = aer_engine_deactivate(&aeration_engine);
	mutex_unlock(&aeration_lock);
	/* A pass queued meanwhile finds no backend; drop it before the next. */
	if (mine)
		cancel_delayed_work_sync(&aeration_work);
	/* Frames still out: the worker keeps asking for them. */
	if (out)
		queue_delayed_work(system_freezable_wq, &aeration_work,
				   msecs_to_jiffies(AER_HELD_RETRY_MS));
}

void aeration_deactivate(struct aer_backend *b)
{
	mutex_lock(&aeration_reg_lock);
	__aeration_deactivate(b);
	mutex_unlock(&aeration_reg_lock);
}

/*
 * Make the most preferred offered backend the active one, in aeration='s
 * order: a backend that arrives later but comes first takes over (the
 * engine forgets every mark of the one before), and when the active one
 * goes the next comes back.  aeration_reg_lock held.
 */
static void aeration_choose(void)
{
	struct aer_backend *cur = aeration_engine.backend, *b;
	unsigned int i;
	int err;

	for (i = 0; i < aeration_policy.nr; i++) {
		b = aeration_offered[aeration_policy.pref[i]];
		if (!b)
			continue;
		if (b == cur)
			return;
		if (cur) {
			pr_info("%s backend preferred by aeration=, %s stops\n",
				aer_backend_name(b->id), aer_backend_name(cur->id));
			__aeration_deactivate(cur);
			cur = NULL;
		}
		err = __aeration_activate(b);
		if (!err) {
			pr_info("%s backend active: min_order %u, capacity %u, delay %s\n",
				aer_backend_name(b->id), aeration_engine.min_order,
				aeration_engine.capacity,
				aeration_engine.adaptive ? "adaptive" : "fixed");
			return;
		}
		if (err == -EBUSY) {
			/* aeration_choose_fn() tries again once they are back. */
			pr_info("%s backend waits: the last backend still has frames out\n",
				aer_backend_name(b->id));
			return;
		}
		if (err == -ENODEV)
			pr_info("%s backend: hypervisor not found\n",
				aer_backend_name(b->id));
		else
			pr_err("%s backend rejected: %d\n", aer_backend_name(b->id), err);
		aeration_offered[b->id] = NULL;
	}
}

/* Not from the pass worker: deactivation waits for it under the reg lock. */
static void aeration_choose_fn(struct work_struct *work)
{
	mutex_lock(&aeration_reg_lock);
	if (!aeration_engine.backend)
		aeration_choose();
	mutex_unlock(&aeration_reg_lock);
}

/*
 * A backend found its hypervisor.  The aeration= policy decides whether it
 * is used and which of several is: see aeration_choose().  Never fails the
 * caller's probe: a refused backend is simply not used.
 */
void aeration_register(struct aer_backend *b)
{
	const char *name = aer_backend_name(b->id);
	struct aer_backend *cur;

	if (aeration_policy.off) {
		pr_info("off (aeration=off), %s backend not used\n", name);
		return;
	}
	if (aer_policy_rank(&aeration_policy, b->id) < 0) {
		pr_info("%s backend not in aeration= list, not used\n", name);
		return;
	}
	if (b->opt_in && !aeration_policy.named) {
		pr_info("%s backend used only when named (aeration=%s)\n",
			name, name);
		return;
	}
	/*
	 * SEV or TDX: free memory is private, and a host that drops a private
	 * page leaves the guest a page it must not touch (SNP, TDX) or one
	 * that decrypts to noise.  No backend knows better: none is used.
	 */
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		pr_info("confidential guest (encrypted memory), %s backend not used\n",
			name);
		return;
	}
	mutex_lock(&aeration_reg_lock);
	aeration_offered[b->id] = b;
	aeration_choose();
	cur = aeration_engine.backend;
	if (cur && cur != b && aeration_offered[b->id])
		pr_info("%s backend not used: aeration= prefers %s\n", name,
			aer_backend_name(cur->id));
	mutex_unlock(&aeration_reg_lock);
}

void aeration_unregister(struct aer_backend *b)
{
	mutex_lock(&aeration_reg_lock);
	if (aeration_offered[b->id] == b)
		aeration_offered[b->id] = NULL;
	if (aeration_engine.backend == b) {
		__aeration_deactivate(b);
		pr_info("%s backend removed\n", aer_backend_name(b->id));
		aeration_choose();
	}
	mutex_unlock(&aeration_reg_lock);
}

static char aeration_param[AER_POLICY_MAX_LEN + 2] __initdata;
static bool aeration_param_set __initdata;

static int __init aeration_setup(char *val)
{
	aeration_param_set = true;
	if (val)
		strscpy(aeration_param, val, sizeof(aeration_param));
	return 0;
}
early_param("aeration", aeration_setup);

/* Before any driver probes, so backends find the policy in place. */
static int __init aeration_init(void)
{
	aer_engine_init(&aeration_engine);
	aeration_engine.min_order = pageblock_order;
	aer_policy_parse(&aeration_policy,
			 aeration_param_set ? aeration_param : "auto");
	return 0;
}
core_initcall(aeration_init);
