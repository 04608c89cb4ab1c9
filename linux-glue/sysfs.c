// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/mm/aeration/: the active backend and policy, the tunables
 * (validated by the engine) and the counters.
 */
#define pr_fmt(fmt) "aeration: " fmt

#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include "glue.h"

#define AER_RO(_name)	static struct kobj_attribute _name##_attr = __ATTR_RO(_name)
#define AER_RW(_name)	static struct kobj_attribute _name##_attr = __ATTR_RW(_name)

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct aer_backend *b = READ_ONCE(aeration_engine.backend);

	return sysfs_emit(buf, "%s\n", aer_backend_name(b ? b->id : AER_NR_BACKENDS));
}
AER_RO(backend);

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
AER_RO(policy);

static ssize_t tunable_store(enum aer_tunable t, const char *buf, size_t count)
{
	unsigned long val;
	int err;

	err = kstrtoul(buf, 0, &val);
	if (err)
		return err;
	mutex_lock(&aeration_lock);
	err = aer_set_tunable(&aeration_engine, t, val);
	mutex_unlock(&aeration_lock);
	return err ? err : count;
}

#define AER_TUNABLE(_name, _t)						\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", READ_ONCE(aeration_engine._name)); \
}									\
static ssize_t _name##_store(struct kobject *kobj,			\
			     struct kobj_attribute *attr,		\
			     const char *buf, size_t count)		\
{									\
	return tunable_store(_t, buf, count);				\
}									\
AER_RW(_name)

AER_TUNABLE(min_order, AER_MIN_ORDER);
AER_TUNABLE(capacity, AER_CAPACITY);
AER_TUNABLE(delay_ms, AER_DELAY_MS);

#define AER_COUNTER(_name)						\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n",					\
			  atomic_long_read(&aeration_engine.stats._name)); \
}									\
AER_RO(_name)

AER_COUNTER(reports);
AER_COUNTER(report_failures);
AER_COUNTER(reclaims);
AER_COUNTER(reclaim_failures);
AER_COUNTER(passes);

/* Totals over all orders: blocks and bytes ever aerated, and now aerated. */
static ssize_t aerated_blocks_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  aer_stat_sum(aeration_engine.stats.aerated, false));
}
AER_RO(aerated_blocks);

static ssize_t aerated_bytes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  aer_stat_sum(aeration_engine.stats.aerated, true) << PAGE_SHIFT);
}
AER_RO(aerated_bytes);

static ssize_t reused_blocks_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  aer_stat_sum(aeration_engine.stats.reused, false));
}
AER_RO(reused_blocks);

static ssize_t free_aerated_bytes_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	struct aer_stats *s = &aeration_engine.stats;

	return sysfs_emit(buf, "%lu\n",
			  (aer_stat_sum(s->aerated, true) -
			   aer_stat_sum(s->reused, true)) << PAGE_SHIFT);
}
AER_RO(free_aerated_bytes);

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
AER_RO(per_order);

static struct attribute *aeration_attrs[] = {
	&backend_attr.attr,
	&policy_attr.attr,
	&min_order_attr.attr,
	&capacity_attr.attr,
	&delay_ms_attr.attr,
	&reports_attr.attr,
	&report_failures_attr.attr,
	&reclaims_attr.attr,
	&reclaim_failures_attr.attr,
	&passes_attr.attr,
	&aerated_blocks_attr.attr,
	&aerated_bytes_attr.attr,
	&reused_blocks_attr.attr,
	&free_aerated_bytes_attr.attr,
	&per_order_attr.attr,
	NULL,
};

static const struct attribute_group aeration_group = {
	.attrs = aeration_attrs,
};

static int __init aeration_sysfs_init(void)
{
	struct kobject *kobj;
	int err;

	kobj = kobject_create_and_add("aeration", mm_kobj);
	if (!kobj)
		return -ENOMEM;
	err = sysfs_create_group(kobj, &aeration_group);
	if (err) {
		pr_err("cannot create /sys/kernel/mm/aeration: %d\n", err);
		kobject_put(kobj);
	}
	return err;
}
subsys_initcall(aeration_sysfs_init);
