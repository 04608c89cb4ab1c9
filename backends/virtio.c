// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon backend.  The stock virtio_balloon driver registers its
 * VIRTIO_BALLOON_F_REPORTING virtqueue through page_reporting_register();
 * aeration provides that interface in place of mm/page_reporting.c, so the
 * unmodified driver plugs in and each batch goes out as one scatterlist on
 * the reporting virtqueue.  QEMU discards the ranges (MADV_DONTNEED) and
 * faults in zero pages on reuse: a "refault" backend, no reclaim.
 *
 * hv_balloon registers the same way, named "hv_balloon": the same code
 * then serves as the hv_balloon backend, which aeration= names apart.
 */
#define pr_fmt(fmt) "aeration: " fmt

#include <linux/export.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/page_reporting.h>
#include <linux/scatterlist.h>
#include <linux/string.h>

#include "../core/backend.h"

static struct scatterlist aer_virtio_sg[PAGE_REPORTING_CAPACITY];
static struct aer_backend aer_virtio;
/* Registrations, as upstream's page_reporting_mutex: one device at a time. */
static DEFINE_MUTEX(aer_virtio_lock);

/*
 * page_reporting.page_reporting_order=, as mm/page_reporting.c has it
 * (distributions set it): the order to report from, ahead of the driver's;
 * writable in /sys/module/page_reporting/parameters/, -1 while unset.
 * hv_balloon reads it and sets it (pageblock order when its host refuses
 * smaller ranges): aer_virtio_report() passes that on.
 */
unsigned int page_reporting_order = -1;
EXPORT_SYMBOL_GPL(page_reporting_order);

static int aer_virtio_order_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint_minmax(val, kp, 0, MAX_PAGE_ORDER);

	if (!err)
		WRITE_ONCE(aer_virtio.order, page_reporting_order);
	return err;
}

static const struct kernel_param_ops aer_virtio_order_ops = {
	.set = aer_virtio_order_set,
	.get = param_get_int,
};

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "page_reporting."
module_param_cb(page_reporting_order, &aer_virtio_order_ops,
		&page_reporting_order, 0644);
MODULE_PARM_DESC(page_reporting_order, "Set page reporting order");

/* Called from the pass, under aeration_lock: aer_virtio_sg is ours alone. */
static int aer_virtio_report(struct aer_backend *b, struct aer_block *blocks,
			     unsigned int nr)
{
	struct page_reporting_dev_info *prdev = b->priv;
	unsigned int i;
	int err;

	sg_init_table(aer_virtio_sg, nr);
	for (i = 0; i < nr; i++)
		sg_set_page(&aer_virtio_sg[i], pfn_to_page(blocks[i].pfn),
			    PAGE_SIZE << blocks[i].order, 0);
	err = prdev->report(prdev, aer_virtio_sg, nr);
	WRITE_ONCE(b->order, READ_ONCE(page_reporting_order));
	return err;
}

static struct aer_backend aer_virtio = {
	.id = AER_BACKEND_VIRTIO,
	.capacity = PAGE_REPORTING_CAPACITY,
	.has_order = true,
	.report = aer_virtio_report,
};

int page_reporting_register(struct page_reporting_dev_info *prdev)
{
	/* Unnamed: virtio_balloon, the other upstream user. */
	const char *name = prdev->name ?: "virtio";

	if (!IS_ENABLED(CONFIG_AERATION_VIRTIO)) {
		pr_info("page reporting not built (CONFIG_AERATION_VIRTIO=n), %s not used\n",
			name);
		return 0;
	}
	mutex_lock(&aer_virtio_lock);
	if (aer_virtio.priv) {
		mutex_unlock(&aer_virtio_lock);
		pr_info("a page reporting device is registered already, %s not used\n",
			name);
		return -EBUSY;
	}
	aer_virtio.priv = prdev;
	aer_virtio.id = strcmp(name, "hv_balloon") ? AER_BACKEND_VIRTIO :
						      AER_BACKEND_HV_BALLOON;
	/* Upstream's precedence: the parameter, the driver's order, pageblock. */
	if (page_reporting_order > MAX_PAGE_ORDER)
		page_reporting_order = prdev->order && prdev->order <= MAX_PAGE_ORDER ?
				       prdev->order : pageblock_order;
	aer_virtio.order = page_reporting_order;
	aeration_register(&aer_virtio);
	mutex_unlock(&aer_virtio_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(page_reporting_register);

void page_reporting_unregister(struct page_reporting_dev_info *prdev)
{
	mutex_lock(&aer_virtio_lock);
	if (aer_virtio.priv == prdev) {
		/* Waits for a pass in flight: no report after this returns. */
		aeration_unregister(&aer_virtio);
		aer_virtio.priv = NULL;
	}
	mutex_unlock(&aer_virtio_lock);
}
EXPORT_SYMBOL_GPL(page_reporting_unregister);
