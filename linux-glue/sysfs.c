// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/mm/aeration/: the active backend and policy, the tunables
 * (validated by the engine) and the counters.
 */
#define pr_fmt(fmt) "aeration: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "../core/glue.h"
#include "glue.h"

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct aer_backend *b = READ_ONCE(aeration_engine.backend);

	return sysfs_emit(buf, "%s\n", aer_backend_name(b ? b->id : AER_NR_BACKENDS));
}

static struct kobj_attribute backend_attr = __ATTR_RO(backend);

static ssize_t policy_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	int len = 0;
	unsigned int i;

	if (aeration_policy.off)
		return sysfs_emit(buf, "off\n");
	for (i = 0; i < aeration_policy.nr; i++)
		len += sysfs_emit_at(buf, len, "%s%s", i ? "," : "",
				     aer_backend_name(aeration_policy.pref[i]));
	return len + sysfs_emit_at(buf, len, "\n");
}

static struct kobj_attribute policy_attr = __ATTR_RO(policy);

/* Tunables: one show/store pair, the engine checks the range. */
static ssize_t tunable_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf);
static ssize_t tunable_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count);

static struct kobj_attribute min_order_attr =
	__ATTR(min_order, 0644, tunable_show, tunable_store);
static struct kobj_attribute capacity_attr =
	__ATTR(capacity, 0644, tunable_show, tunable_store);
static struct kobj_attribute delay_ms_attr =
	__ATTR(delay_ms, 0644, tunable_show, tunable_store);
static struct kobj_attribute adaptive_attr =
	__ATTR(adaptive, 0644, tunable_show, tunable_store);

static enum aer_tunable attr_tunable(struct kobj_attribute *attr)
{
	if (attr == &capacity_attr)
		return AER_CAPACITY;
	if (attr == &delay_ms_attr)
		return AER_DELAY_MS;
	if (attr == &adaptive_attr)
		return AER_ADAPTIVE;
	return AER_MIN_ORDER;
}

static ssize_t tunable_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  aer_get_tunable(&aeration_engine, attr_tunable(attr)));
}

static ssize_t tunable_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	unsigned long val;
	int err;

	err = kstrtoul(buf, 0, &val);
	if (err)
		return err;
	mutex_lock(&aeration_lock);
	err = aer_set_tunable(&aeration_engine, attr_tunable(attr), val);
	mutex_unlock(&aeration_lock);
	return err ? err : count;
}

/* The age a freed block waits, adaptive or fixed (not a drain's step). */
static ssize_t current_delay_ms_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct aer_engine *e = &aeration_engine;

	return sysfs_emit(buf, "%u\n", READ_ONCE(e->adaptive) ?
			  READ_ONCE(e->adapt.age_ms) : READ_ONCE(e->delay_ms));
}

static struct kobj_attribute current_delay_ms_attr = __ATTR_RO(current_delay_ms);

/* Event counters, each a file holding one number. */
struct aer_counter_attr {
	struct kobj_attribute kattr;
	atomic_long_t *val;
};

static ssize_t counter_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct aer_counter_attr *c = container_of(attr, struct aer_counter_attr, kattr);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(c->val));
}

static struct aer_counter_attr counters[] = {
	{ __ATTR(reports, 0444, counter_show, NULL), &aeration_engine.stats.reports },
	{ __ATTR(report_failures, 0444, counter_show, NULL),
	  &aeration_engine.stats.report_failures },
	{ __ATTR(report_ns, 0444, counter_show, NULL), &aeration_engine.stats.report_ns },
	{ __ATTR(reclaims, 0444, counter_show, NULL), &aeration_engine.stats.reclaims },
	{ __ATTR(reclaim_failures, 0444, counter_show, NULL),
	  &aeration_engine.stats.reclaim_failures },
	{ __ATTR(passes, 0444, counter_show, NULL), &aeration_engine.stats.passes },
	{ __ATTR(deferred_passes, 0444, counter_show, NULL),
	  &aeration_engine.stats.deferred },
	{ __ATTR(held_blocks, 0444, counter_show, NULL), &aeration_engine.stats.held },
	{ __ATTR(reclaim_pages, 0444, counter_show, NULL),
	  &aeration_engine.stats.reclaim_pages },
	{ __ATTR(reclaim_ns, 0444, counter_show, NULL), &aeration_engine.stats.reclaim_ns },
	{ __ATTR(injected_failures, 0444, counter_show, NULL),
	  &aeration_engine.stats.injected },
	{ __ATTR(held_pages, 0444, counter_show, NULL),
	  &aeration_engine.stats.held_pages },
	{ __ATTR(returned_blocks, 0444, counter_show, NULL),
	  &aeration_engine.stats.returned },
	{ __ATTR(merges, 0444, counter_show, NULL), &aeration_engine.stats.merges },
};

/* Totals over all orders: blocks and bytes ever aerated, and now aerated. */
static ssize_t aerated_blocks_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  aer_stat_sum(aeration_engine.stats.aerated, false));
}

static struct kobj_attribute aerated_blocks_attr = __ATTR_RO(aerated_blocks);

static ssize_t aerated_bytes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  aer_stat_sum(aeration_engine.stats.aerated, true) << PAGE_SHIFT);
}

static struct kobj_attribute aerated_bytes_attr = __ATTR_RO(aerated_bytes);

static ssize_t reused_blocks_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  aer_stat_sum(aeration_engine.stats.reused, false));
}

static struct kobj_attribute reused_blocks_attr = __ATTR_RO(reused_blocks);

/* Is the engine at work: idle, requested (a pass is queued) or active. */
static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	static const char *const names[] = {
		[AER_IDLE] = "idle",
		[AER_REQUESTED] = "requested",
		[AER_ACTIVE] = "active",
	};
	unsigned int st = atomic_read(&aeration_engine.state);

	return sysfs_emit(buf, "%s\n", st < ARRAY_SIZE(names) ? names[st] : "?");
}

static struct kobj_attribute state_attr = __ATTR_RO(state);

static ssize_t free_aerated_bytes_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	struct aer_stats *s = &aeration_engine.stats;
	/* Reused first: a block marked and reused meanwhile must not wrap. */
	unsigned long reused = aer_stat_sum(s->reused, true);
	unsigned long aerated = aer_stat_sum(s->aerated, true);

	return sysfs_emit(buf, "%lu\n",
			  aerated > reused ? (aerated - reused) << PAGE_SHIFT : 0);
}

static struct kobj_attribute free_aerated_bytes_attr = __ATTR_RO(free_aerated_bytes);

/* One line per order: order, blocks aerated, blocks reused since. */
static ssize_t per_order_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct aer_stats *s = &aeration_engine.stats;
	unsigned int order;
	int len = 0;

	for (order = 0; order < NR_PAGE_ORDERS && order < AER_MAX_ORDERS; order++)
		len += sysfs_emit_at(buf, len, "%u %ld %ld\n", order,
				     atomic_long_read(&s->aerated[order]),
				     atomic_long_read(&s->reused[order]));
	return len;
}

static struct kobj_attribute per_order_attr = __ATTR_RO(per_order);

static struct attribute *aeration_attrs[] = {
	&backend_attr.attr,
	&policy_attr.attr,
	&min_order_attr.attr,
	&capacity_attr.attr,
	&delay_ms_attr.attr,
	&adaptive_attr.attr,
	&current_delay_ms_attr.attr,
	&aerated_blocks_attr.attr,
	&aerated_bytes_attr.attr,
	&reused_blocks_attr.attr,
	&state_attr.attr,
	&free_aerated_bytes_attr.attr,
	&per_order_attr.attr,
	NULL,
};

/* Filled from counters[] at init: a new counter is one line up there. */
static struct attribute *counter_attrs[ARRAY_SIZE(counters) + 1];

static const struct attribute_group aeration_group = {
	.attrs = aeration_attrs,
};

static const struct attribute_group counter_group = {
	.attrs = counter_attrs,
};

static const struct attribute_group *aeration_groups[] = {
	&aeration_group,
	&counter_group,
	NULL,
};

/* Free pages of @z marked aerated, counted on its free lists. */
static u64 zone_marked_pages(struct aer_zone *z)
{
	unsigned int order, mt;
	struct aer_blk *b;
	u64 n = 0;

	aerg_lock(z);
	for (order = 0; order < aerg_nr_orders(); order++)
		for (mt = 0; mt < aerg_nr_migratetypes(); mt++)
			for (b = aerg_first(z, order, mt); b;
			     b = aerg_next(z, order, mt, b))
				if (aerg_aerated(b))
					n += 1ULL << order;
	aerg_unlock(z);
	return n;
}

/*
 * marked_pages: free pages marked aerated, counted on the free lists
 * themselves rather than from the counters, so that a test can check that
 * a backend's going left nothing marked.  Walks every list under its zone
 * lock: for tests, not for monitoring.
 */
static int marked_pages_get(void *data, u64 *val)
{
	struct aer_zone *z;

	*val = 0;
	for (z = aerg_zone_next(NULL); z; z = aerg_zone_next(z))
		*val += zone_marked_pages(z);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(marked_pages_fops, marked_pages_get, NULL, "%llu\n");

/*
 * zones: per zone, free pages, the min and low watermarks and the marked
 * pages, in pages.  Aerated memory counts as free, so under a reclaim
 * backend the reserves may be aerated: this shows how much is.
 */
static int zones_show(struct seq_file *m, void *v)
{
	struct aer_zone *z;
	struct zone *zone;

	for (z = aerg_zone_next(NULL); z; z = aerg_zone_next(z)) {
		zone = (struct zone *)z;
		seq_printf(m, "%s free=%lu min=%lu low=%lu marked=%llu\n",
			   zone->name, zone_page_state(zone, NR_FREE_PAGES),
			   min_wmark_pages(zone), low_wmark_pages(zone),
			   zone_marked_pages(z));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zones);

/*
 * Fault injection for tests and for operators who want to see the failure
 * path: /sys/kernel/debug/aeration/fail_report_every = N fails every Nth
 * report before it reaches the backend, fail_reclaim_every = N every Nth
 * reclaim, as if the hypervisor had no memory to give back (0: off).
 * marked_pages counts what is marked, zones per zone (above).
 */
static void __init aeration_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("aeration", NULL);

	debugfs_create_u32("fail_report_every", 0600, dir,
			   &aeration_engine.fail_every);
	debugfs_create_u32("fail_reclaim_every", 0600, dir,
			   &aeration_engine.fail_reclaim_every);
	debugfs_create_file_unsafe("marked_pages", 0400, dir, NULL,
				   &marked_pages_fops);
	debugfs_create_file("zones", 0400, dir, NULL, &zones_fops);
}

static int __init aeration_sysfs_init(void)
{
	struct kobject *kobj;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(counters); i++)
		counter_attrs[i] = &counters[i].kattr.attr;
	aeration_debugfs_init();
	kobj = kobject_create_and_add("aeration", mm_kobj);
	if (!kobj)
		return -ENOMEM;
	err = sysfs_create_groups(kobj, aeration_groups);
	if (err) {
		pr_err("cannot create /sys/kernel/mm/aeration: %d\n", err);
		kobject_put(kobj);
	}
	return err;
}
subsys_initcall(aeration_sysfs_init);
