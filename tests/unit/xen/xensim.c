// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated Xen for the user-space tests of backends/xen.c.
 *
 * Machine frames have an owner (Xen's free pool, the guest, another domain)
 * and an M2P entry.  The guest has XS_PFNS pseudo-physical frames, a tot_pages
 * and a max_pages.  On PV the guest keeps the p2m (Linux's xen_p2m_addr) and
 * one direct-map L1 entry per pfn; the L1 entries live in simulated page-table
 * frames so that arbitrary_virt_to_machine() gives a machine address that
 * HYPERVISOR_mmu_update decodes back.  On HVM (auto-translated) Xen keeps the
 * physmap and the guest never touches a p2m or a PTE for this.
 *
 * Xen's checks are Xen's: decrease_reservation takes only frames the guest
 * owns (PV: mfns, HVM: populated gfns) and stops at the first other one;
 * populate_physmap stops at max_pages or when its pool (or a test's budget)
 * runs out; mmu_update maps only frames the guest owns.  Things real Xen
 * would let a guest do but that are bugs in the guest (giving back a frame
 * still mapped or still in a TLB, populating a pfn that has a frame) are
 * recorded in xsim.err and fail the test.  Every hypercall is logged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xenshim.h"
#include "../../../core/backend.h"

struct xsim xsim;
u8 xen_features[XENFEAT_NR_SUBMAPS * 32];
enum xen_domain_type xen_domain_type;

struct page shim_pages[XS_PFNS];
unsigned long max_pfn = XS_PFNS;
bool shim_init_on_free, shim_page_poison, xen_scrub_pages = true;
unsigned int shim_pagealloc_maps;

char shim_log[4096];
int shim_log_lines;

static void vlog(const char *pfx, const char *fmt, va_list ap)
{
	size_t used = strlen(shim_log);

	snprintf(shim_log + used, sizeof(shim_log) - used, "%s", pfx);
	used = strlen(shim_log);
	vsnprintf(shim_log + used, sizeof(shim_log) - used, fmt, ap);
	shim_log_lines++;
}

void shim_printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void shim_printk_pfx(const char *pfx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pfx, fmt, ap);
	va_end(ap);
}

/* A rule broken: keep the first, it explains the rest. */
static void __attribute__((format(printf, 1, 2))) xs_fail(const char *fmt, ...)
{
	va_list ap;

	if (xsim.err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(xsim.err, sizeof(xsim.err), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) xs_trace(const char *fmt, ...)
{
	size_t used = strlen(xsim.trace);
	va_list ap;

	if (used && used < sizeof(xsim.trace) - 1)
		xsim.trace[used++] = ' ';
	xsim.trace[used] = 0;
	va_start(ap, fmt);
	vsnprintf(xsim.trace + used, sizeof(xsim.trace) - used, fmt, ap);
	va_end(ap);
}

/* --- the guest's kernel --------------------------------------------------- */

void aeration_register(struct aer_backend *b)
{
	xsim.registered = b;
	xsim.registrations++;
}

unsigned long xs_initial_mfn(unsigned long pfn)
{
	/* 5 is prime to XS_MFNS (3 * 2^13): one frame per pfn, mfn != pfn. */
	return (pfn * 5 + 7) % XS_MFNS;
}

uint64_t xs_pte_maddr(unsigned long pfn)
{
	return ((XS_PT_MFN + pfn / 512) << PAGE_SHIFT) | (pfn % 512) * sizeof(pte_t);
}

pte_t *lookup_address(unsigned long address, unsigned int *level)
{
	unsigned long pfn;

	xsim.lookups++;
	if (address < PAGE_OFFSET)
		return NULL;
	pfn = (address - PAGE_OFFSET) >> PAGE_SHIFT;
	if (pfn >= XS_PFNS)
		return NULL;
	if (pfn >= xsim.large_lo && pfn < xsim.large_hi) {
		/* A 2M mapping: the "PTE" is the PMD entry. */
		*level = PG_LEVEL_2M;
		return &xsim.pte[pfn & ~511UL];
	}
	*level = PG_LEVEL_4K;
	return &xsim.pte[pfn];
}

xmaddr_t arbitrary_virt_to_machine(void *address)
{
	uintptr_t p = (uintptr_t)address, base = (uintptr_t)xsim.pte;

	xsim.xlats++;
	if (p < base || p >= base + sizeof(xsim.pte) || (p - base) % sizeof(pte_t)) {
		xs_fail("arbitrary_virt_to_machine(%p): not a direct-map PTE", address);
		return (xmaddr_t){ 0 };
	}
	return (xmaddr_t){ xs_pte_maddr((p - base) / sizeof(pte_t)) };
}

unsigned long __pfn_to_mfn(unsigned long pfn)
{
	if (!xsim.pv) {
		xs_fail("__pfn_to_mfn(%#lx) on an auto-translated guest", pfn);
		return pfn;
	}
	if (pfn >= XS_PFNS)
		return pfn | IDENTITY_FRAME_BIT;
	return xsim.p2m[pfn];
}

bool __set_phys_to_machine(unsigned long pfn, unsigned long mfn)
{
	xsim.set_p2m++;
	if (!xsim.pv) {
		xs_fail("__set_phys_to_machine(%#lx) on an auto-translated guest", pfn);
		return true;
	}
	if (pfn >= XS_PFNS)
		return mfn == INVALID_P2M_ENTRY;
	xsim.p2m[pfn] = mfn;
	return true;
}

/*
 * The frame behind a page xen.c writes to: it must have one, and on PV be
 * mapped (a gone gfn would kill a PVH domain; an unmapped PV pfn faults).
 */
static unsigned char *xs_page_data(struct page *page, const char *what)
{
	unsigned long pfn = page - shim_pages, mfn;

	if (pfn >= XS_PFNS || !shim_pagealloc_maps) {
		xs_fail("%s of pfn %#lx: %s", what, pfn,
			pfn >= XS_PFNS ? "no page" : "not mapped for debug_pagealloc");
		return NULL;
	}
	mfn = xsim.p2m[pfn];
	if (mfn == INVALID_P2M_ENTRY ||
	    (xsim.pv && !(xsim.pte[pfn].pte & _PAGE_PRESENT))) {
		xs_fail("%s of pfn %#lx, whose frame is gone or unmapped", what, pfn);
		return NULL;
	}
	return &xsim.data[mfn];
}

void clear_highpage(struct page *page)
{
	unsigned char *d = xs_page_data(page, "clear_highpage");

	if (d)
		*d = 0;
	xsim.scrubbed++;
}

void kernel_poison_pages(struct page *page, int numpages)
{
	int i;

	for (i = 0; i < numpages; i++) {
		unsigned char *d = xs_page_data(page + i, "kernel_poison_pages");

		if (d)
			*d = PAGE_POISON;
		xsim.poisoned++;
		xsim.scrubbed++;	/* a fill, as clear_highpage() */
	}
}

/* --- Xen ------------------------------------------------------------------- */

static long xs_memory_op(unsigned int cmd, struct xen_memory_reservation *r);

static void fq_push(unsigned long mfn)
{
	xsim.freeq[(xsim.fq_head + xsim.fq_len) % XS_MFNS] = mfn;
	xsim.fq_len++;
}

static unsigned long fq_pop(void)
{
	unsigned long mfn = xsim.freeq[xsim.fq_head];

	xsim.fq_head = (xsim.fq_head + 1) % XS_MFNS;
	xsim.fq_len--;
	return mfn;
}

static struct xs_call *xs_record(enum xs_kind kind, unsigned long nr)
{
	struct xs_call *c;

	if (xsim.ncalls == XS_MAX_CALLS || nr > XS_PFNS ||
	    xsim.pool_used + 2 * nr > XS_POOL) {
		xs_fail("hypercall log full");
		return NULL;
	}
	c = &xsim.calls[xsim.ncalls++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->nr = nr;
	c->in = xsim.pool + xsim.pool_used;
	c->out = c->in + nr;
	xsim.pool_used += 2 * nr;
	return c;
}

static long xs_decrease(xen_pfn_t *frames, unsigned long n)
{
	unsigned long i, mfn;

	for (i = 0; i < n; i++) {
		if (xsim.decrease_left == 0) {
			if (i == 0 && xsim.decrease_err < 0)
				return xsim.decrease_err;
			break;
		}
		if (xsim.pv) {
			/* PV passes mfns: guest_remove_page() wants its own. */
			mfn = frames[i];
			if (mfn >= XS_MFNS || xsim.owner[mfn] != XS_GUEST)
				break;
			if (xsim.mapcount[mfn])
				xs_fail("decrease_reservation: mfn %#lx is still mapped by a PTE (Xen cannot free it)", mfn);
			if (xsim.stale[mfn])
				xs_fail("decrease_reservation: mfn %#lx given before the TLB flush", mfn);
		} else {
			/* Translated: gfns, looked up in Xen's physmap. */
			if (frames[i] >= XS_PFNS ||
			    xsim.p2m[frames[i]] == INVALID_P2M_ENTRY)
				break;
			mfn = xsim.p2m[frames[i]];
			xsim.p2m[frames[i]] = INVALID_P2M_ENTRY;
		}
		/* Xen hands the frame on as it is. */
		if (xen_scrub_pages && xsim.data[mfn] == XS_DATA_GUEST)
			xs_fail("decrease_reservation: mfn %#lx still holds the guest's data (%#x): not scrubbed",
				mfn, xsim.data[mfn]);
		xsim.owner[mfn] = XS_FREE;
		xsim.m2p[mfn] = INVALID_P2M_ENTRY;
		xsim.tot_pages--;
		fq_push(mfn);
		if (xsim.decrease_left > 0)
			xsim.decrease_left--;
	}
	return i;
}

/* One gfn of a populate: false if Xen stops here. */
static bool xs_populate_one(unsigned long gpfn, xen_pfn_t *frame)
{
	unsigned long mfn;

	if (gpfn >= XS_PFNS) {
		xs_fail("populate_physmap: gpfn %#lx is no pfn of the guest", gpfn);
		return false;
	}
	if (xsim.p2m[gpfn] != INVALID_P2M_ENTRY) {
		if (xsim.pv) {
			xs_fail("populate_physmap: pfn %#lx already has mfn %#lx: a second frame for it",
				gpfn, xsim.p2m[gpfn]);
		} else {
			/* p2m_add_page(): the old page stays the domain's. */
			xs_fail("populate_physmap: gfn %#lx is present (mfn %#lx): Xen replaces it and the domain keeps the old frame",
				gpfn, xsim.p2m[gpfn]);
			xsim.m2p[xsim.p2m[gpfn]] = INVALID_P2M_ENTRY;
		}
	}
	mfn = fq_pop();
	xsim.owner[mfn] = XS_GUEST;
	xsim.m2p[mfn] = gpfn;
	xsim.tot_pages++;
	if (xsim.pv)
		*frame = mfn;	/* PV learns the mfn */
	else
		xsim.p2m[gpfn] = mfn;
	if (xsim.populate_left > 0)
		xsim.populate_left--;
	return true;
}

/*
 * Extents of 2^order frames; an extent is given whole or not at all
 * (alloc_domheap_pages()).  Only HVM asks for order 9.
 */
static long xs_populate(xen_pfn_t *frames, unsigned long n, unsigned int order)
{
	unsigned long i, j, size = 1UL << order;

	for (i = 0; i < n; i++) {
		if ((xsim.populate_left >= 0 && xsim.populate_left < (long)size) ||
		    xsim.tot_pages + size > xsim.max_pages || xsim.fq_len < size ||
		    (order && xsim.no_super))
			break;
		if (frames[i] % size) {
			xs_fail("populate_physmap: gfn %#lx is not aligned to its order %u",
				frames[i], order);
			break;
		}
		for (j = 0; j < size; j++)
			if (!xs_populate_one(frames[i] + j, &frames[i]))
				return i;
	}
	return i;
}

long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	struct xen_memory_reservation *r = arg;

	/* arg is a domid_t: tot_pages and max_pages, and no log entry. */
	if (cmd == XENMEM_current_reservation || cmd == XENMEM_maximum_reservation) {
		if (*(domid_t *)arg != DOMID_SELF)
			return -ESRCH;
		return cmd == XENMEM_current_reservation ? (long)xsim.tot_pages :
		       (long)xsim.max_pages;
	}
	return xs_memory_op(cmd, r);
}

static long xs_memory_op(unsigned int cmd, struct xen_memory_reservation *r)
{
	unsigned long i, n = r->nr_extents;
	struct xs_call *c = xs_record(XS_MEMOP, n);
	long rc;

	if (!c)
		return -EFAULT;
	c->cmd = cmd;
	c->extent_order = r->extent_order;
	c->address_bits = r->address_bits;
	c->domid = r->domid;
	c->handle = r->extent_start;
	for (i = 0; i < n; i++)
		c->in[i] = r->extent_start[i];

	if (r->domid != DOMID_SELF && r->domid != XS_DOMID) {
		rc = -ESRCH;
	} else if ((r->extent_order && (xsim.pv || r->extent_order != 9 ||
					  cmd != XENMEM_populate_physmap)) ||
		   r->address_bits) {
		/* Order 9 given back could be half taken: see xen.c. */
		xs_fail("memory_op %u: extent_order %u, address_bits %u: not expected",
			cmd, r->extent_order, r->address_bits);
		rc = -EINVAL;
	} else if (cmd == XENMEM_decrease_reservation) {
		rc = xs_decrease(r->extent_start, n);
	} else if (cmd == XENMEM_populate_physmap) {
		rc = xs_populate(r->extent_start, n, r->extent_order);
	} else {
		xs_fail("memory_op %u: not expected", cmd);
		rc = -ENOSYS;
	}

	for (i = 0; i < n; i++)
		c->out[i] = r->extent_start[i];
	c->rc = rc;
	xs_trace("%s%s:%lu", cmd == XENMEM_decrease_reservation ? "dec" :
		 cmd == XENMEM_populate_physmap ? "pop" : "memop",
		 r->extent_order ? "2M" : "", n);
	return rc;
}

int HYPERVISOR_mmuext_op(struct mmuext_op *op, int count, int *success_count,
			 domid_t domid)
{
	if (!xsim.pv || count != 1 || op->cmd != MMUEXT_TLB_FLUSH_ALL ||
	    success_count || domid != DOMID_SELF) {
		xs_fail("mmuext_op: cmd %u count %d: not expected", op->cmd, count);
		return -EINVAL;
	}
	xsim.flushes++;
	memset(xsim.stale, 0, sizeof(xsim.stale));
	xs_trace("flush");
	return 0;
}

int HYPERVISOR_mmu_update(struct mmu_update *req, int count,
			  int *success_count, domid_t domid)
{
	struct xs_call *c = xs_record(XS_MMU, count > 0 ? count : 0);
	unsigned int nmap = 0, nclear = 0;
	int i, rc = 0;

	if (!c)
		return -EFAULT;
	c->domid = domid;
	c->handle = req;
	c->cmd = count > 0 ? req[0].ptr & 3 : 0;
	if (!xsim.pv)
		xs_fail("mmu_update on an auto-translated guest");
	if (domid != DOMID_SELF)
		rc = -ESRCH;
	for (i = 0; !rc && i < count; i++) {
		uint64_t ptr = req[i].ptr, val = req[i].val;
		unsigned long pt = ptr >> PAGE_SHIFT, pfn, mfn = 0, old;

		if ((ptr & 3) != MMU_NORMAL_PT_UPDATE) {
			xs_fail("mmu_update: command %u", (unsigned int)(ptr & 3));
			rc = -ENOSYS;
			break;
		}
		if (pt < XS_PT_MFN || pt >= XS_PT_MFN + XS_PFNS / 512) {
			xs_fail("mmu_update: ptr %#llx is no L1 entry of the guest",
				(unsigned long long)ptr);
			rc = -EINVAL;
			break;
		}
		pfn = (pt - XS_PT_MFN) * 512 + (ptr & (PAGE_SIZE - 1)) / sizeof(pte_t);
		c->in[i] = pfn;
		c->out[i] = val;
		if (val & _PAGE_PRESENT) {
			mfn = (val & XEN_PTE_MFN_MASK) >> PAGE_SHIFT;
			if (mfn >= XS_MFNS || xsim.owner[mfn] != XS_GUEST) {
				/* Xen refuses: get_page_from_l1e() fails. */
				xs_fail("mmu_update: pfn %#lx mapped to mfn %#lx, which the guest does not own",
					pfn, mfn);
				rc = -EINVAL;
				break;
			}
		}
		if (xsim.mmu_fail_at == i) {
			xsim.mmu_fail_at = -1;
			rc = -ENOMEM;
			break;
		}
		old = xsim.pte[pfn].pte;
		if (old & _PAGE_PRESENT) {
			unsigned long omfn = (old & XEN_PTE_MFN_MASK) >> PAGE_SHIFT;

			xsim.mapcount[omfn]--;
			if (!(val & _PAGE_PRESENT) || omfn != mfn)
				xsim.stale[omfn] = true;
		}
		xsim.pte[pfn].pte = val;
		if (val & _PAGE_PRESENT) {
			xsim.mapcount[mfn]++;
			nmap++;
		} else {
			nclear++;
		}
	}
	*success_count = i;
	c->done = i;
	c->rc = rc;
	xs_trace("%s:%d", nclear && !nmap ? "unmap" : nmap && !nclear ? "map" : "mmu",
		 count);
	return rc;
}

/* --- set-up and checks -------------------------------------------------------- */

void xs_reset(bool pv)
{
	unsigned long pfn, mfn, other = 0;

	memset(&xsim, 0, sizeof(xsim));
	xsim.pv = pv;
	xsim.populate_left = -1;
	xsim.decrease_left = -1;
	xsim.mmu_fail_at = -1;
	xen_domain_type = pv ? XEN_PV_DOMAIN : XEN_HVM_DOMAIN;
	memset(xen_features, 0, sizeof(xen_features));
	xen_features[XENFEAT_auto_translated_physmap] = !pv;
	shim_log[0] = 0;
	shim_log_lines = 0;

	for (mfn = 0; mfn < XS_MFNS; mfn++) {
		xsim.m2p[mfn] = INVALID_P2M_ENTRY;
		xsim.data[mfn] = XS_DATA_OTHER;
	}
	for (pfn = 0; pfn < XS_PFNS; pfn++)
		shim_pages[pfn].pfn = pfn;
	xen_scrub_pages = true;
	shim_init_on_free = shim_page_poison = false;
	shim_pagealloc_maps = 0;
	for (pfn = 0; pfn < XS_PFNS; pfn++) {
		mfn = xs_initial_mfn(pfn);
		xsim.owner[mfn] = XS_GUEST;
		xsim.m2p[mfn] = pfn;
		xsim.p2m[pfn] = mfn;
		xsim.data[mfn] = XS_DATA_GUEST;
		if (pv) {
			xsim.pte[pfn] = mfn_pte(mfn, PAGE_KERNEL);
			xsim.mapcount[mfn] = 1;
		}
	}
	xsim.tot_pages = xsim.max_pages = XS_PFNS;
	/* Of the rest, some frames are another domain's, the others free. */
	for (mfn = 0; mfn < XS_MFNS; mfn++) {
		if (xsim.owner[mfn] != XS_FREE)
			continue;
		if (other++ < 512)
			xsim.owner[mfn] = XS_OTHER;
		else
			fq_push(mfn);
	}
}

void xs_log_clear(void)
{
	xsim.ncalls = 0;
	xsim.pool_used = 0;
	xsim.trace[0] = 0;
}

unsigned long xs_free_frames(void)
{
	return xsim.fq_len;
}

unsigned long xs_guest_frames(void)
{
	unsigned long mfn, n = 0;

	for (mfn = 0; mfn < XS_MFNS; mfn++)
		n += xsim.owner[mfn] == XS_GUEST;
	return n;
}

const char *xs_check(void)
{
	static unsigned char refs[XS_MFNS];
	static char why[256];
	unsigned long pfn, mfn, nfree = 0, leaked = 0, first = 0;

	if (xsim.err[0])
		return xsim.err;
	if (shim_pagealloc_maps)
		return "debug_pagealloc: pages mapped for a fill were left mapped";
	memset(refs, 0, sizeof(refs));
	for (pfn = 0; pfn < XS_PFNS; pfn++) {
		pte_t pte = xsim.pte[pfn];

		mfn = xsim.p2m[pfn];
		if (mfn == INVALID_P2M_ENTRY) {
			if (xsim.pv && (pte.pte & _PAGE_PRESENT)) {
				snprintf(why, sizeof(why), "pfn %#lx: p2m invalid but its PTE maps mfn %#lx",
					 pfn, (unsigned long)((pte.pte & XEN_PTE_MFN_MASK) >> PAGE_SHIFT));
				return why;
			}
			continue;
		}
		if (mfn >= XS_MFNS || xsim.owner[mfn] != XS_GUEST) {
			snprintf(why, sizeof(why), "pfn %#lx -> mfn %#lx, which the guest does not own",
				 pfn, mfn);
			return why;
		}
		if (refs[mfn]++) {
			snprintf(why, sizeof(why), "mfn %#lx is behind two pfns", mfn);
			return why;
		}
		if (xsim.m2p[mfn] != pfn) {
			snprintf(why, sizeof(why), "m2p of mfn %#lx is %#lx, not pfn %#lx",
				 mfn, xsim.m2p[mfn], pfn);
			return why;
		}
		if (xsim.pv && pte.pte != mfn_pte(mfn, PAGE_KERNEL).pte) {
			snprintf(why, sizeof(why), "pfn %#lx -> mfn %#lx but its PTE is %#lx",
				 pfn, mfn, (unsigned long)pte.pte);
			return why;
		}
	}
	for (mfn = 0; mfn < XS_MFNS; mfn++) {
		if (xsim.owner[mfn] == XS_FREE)
			nfree++;
		if (xsim.owner[mfn] == XS_GUEST && !refs[mfn] && !leaked++)
			first = mfn;
	}
	if (leaked) {
		snprintf(why, sizeof(why), "%lu frames are the guest's but behind no pfn (leaked), mfn %#lx first",
			 leaked, first);
		return why;
	}
	if (xsim.tot_pages != xs_guest_frames()) {
		snprintf(why, sizeof(why), "tot_pages %lu, but the guest owns %lu frames",
			 xsim.tot_pages, xs_guest_frames());
		return why;
	}
	if (nfree != xsim.fq_len) {
		snprintf(why, sizeof(why), "%lu free frames, %lu on Xen's free list",
			 nfree, xsim.fq_len);
		return why;
	}
	return NULL;
}
