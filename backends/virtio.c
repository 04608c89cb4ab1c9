// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon backend.  The stock virtio_balloon driver registers its
 * VIRTIO_BALLOON_F_REPORTING virtqueue through page_reporting_register();
 * aeration provides that interface in place of mm/page_reporting.c, so the
 * unmodified driver plugs in and each batch goes out as one scatterlist on
 * the reporting virtqueue.  QEMU discards the ranges (MADV_DONTNEED) and
 * faults in zero pages on reuse: a "refault" backend, no reclaim.
 */
#define pr_fmt(fmt) "aeration: " fmt

#include <linux/export.h>
#include <linux/mm.h>
#include <linux/page_reporting.h>
#include <linux/scatterlist.h>

#include "../core/backend.h"

/* hv_balloon reads and sets this; kept for drivers written against it. */
unsigned int page_reporting_order = -1;
EXPORT_SYMBOL_GPL(page_reporting_order);

static struct scatterlist aer_virtio_sg[PAGE_REPORTING_CAPACITY];

/* Called from the pass, under aeration_lock: aer_virtio_sg is ours alone. */
static int aer_virtio_report(struct aer_backend *b, struct aer_block *blocks,
			     unsigned int nr)
{
	struct page_reporting_dev_info *prdev = b->priv;
	unsigned int i;

	sg_init_table(aer_virtio_sg, nr);
	for (i = 0; i < nr; i++)
		sg_set_page(&aer_virtio_sg[i], pfn_to_page(blocks[i].pfn),
			    PAGE_SIZE << blocks[i].order, 0);
	return prdev->report(prdev, aer_virtio_sg, nr);
}

static struct aer_backend aer_virtio = {
	.id = AER_BACKEND_VIRTIO,
	.capacity = PAGE_REPORTING_CAPACITY,
	.report = aer_virtio_report,
};

int page_reporting_register(struct page_reporting_dev_info *prdev)
{
	if (!IS_ENABLED(CONFIG_AERATION_VIRTIO)) {
		pr_info("virtio backend not built (CONFIG_AERATION_VIRTIO=n), device not used\n");
		return 0;
	}
	if (aer_virtio.priv) {
		pr_info("a page reporting device is registered already\n");
		return -EBUSY;
	}
	aer_virtio.priv = prdev;
	/* Upstream's precedence: the parameter, the driver's order, pageblock. */
	if (page_reporting_order > MAX_PAGE_ORDER)
		page_reporting_order = prdev->order && prdev->order <= MAX_PAGE_ORDER ?
				       prdev->order : pageblock_order;
	aer_virtio.order = page_reporting_order;
	aeration_register(&aer_virtio);
	return 0;
}
EXPORT_SYMBOL_GPL(page_reporting_register);

void page_reporting_unregister(struct page_reporting_dev_info *prdev)
{
	if (aer_virtio.priv != prdev)
		return;
	/* Waits for a pass in flight: no report after this returns. */
	aeration_unregister(&aer_virtio);
	aer_virtio.priv = NULL;
}
EXPORT_SYMBOL_GPL(page_reporting_unregister);
