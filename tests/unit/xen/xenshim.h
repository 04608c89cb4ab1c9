/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel and Xen interfaces backends/xen.c uses, for compiling it
 * unmodified in user space against a simulated Xen (tests/unit/xen/xensim.c).
 * Every header xen.c includes resolves, through the
 * stubs next to this file (-I tests/unit/xen), to this one header.
 *
 * The Xen ABI pieces have the layouts and values of Xen's public headers
 * (xen/include/public/{xen,memory,features}.h, as in /usr/include/xen from
 * libxen-dev) in the form Linux's include/xen/interface/ gives them; the
 * test compares them with the public headers (abi_xen.c).  The p2m, PTE and
 * page-protection helpers are Linux's arch/x86/include/asm/xen/page.h and
 * pgtable_types.h for x86_64.
 */
#ifndef _AER_XENSHIM_H
#define _AER_XENSHIM_H

#include <stdint.h>
#include <stdlib.h>

#include "../kshim.h"

/* --- linux/types.h, linux/compiler.h ------------------------------------ */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef u64 phys_addr_t;

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* --- linux/printk.h ------------------------------------------------------ */

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
/* pr_fmt("") is the file's prefix; the message goes to shim_log. */
void shim_printk_pfx(const char *pfx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_err(...)		shim_printk_pfx(pr_fmt(""), __VA_ARGS__)
#define pr_err_ratelimited(...)	shim_printk_pfx(pr_fmt(""), __VA_ARGS__)
#undef pr_info
#define pr_info(...)		shim_printk_pfx(pr_fmt(""), __VA_ARGS__)

/* --- linux/init.h: the test calls the initcall and sees what registers --- */

#define __init
#define subsys_initcall(fn)	int (*const shim_subsys_initcall)(void) = fn
extern int (*const shim_subsys_initcall)(void);

/* --- linux/minmax.h ------------------------------------------------------ */

/* Each argument once, as the kernel's. */
#define max(x, y) ({ __typeof__(x) x_ = (x), y_ = (y); x_ > y_ ? x_ : y_; })
#define min_t(type, x, y) \
	((type)(x) < (type)(y) ? (type)(x) : (type)(y))

/* --- linux/sched.h --------------------------------------------------------- */

#define cond_resched()	do { } while (0)

/* --- linux/percpu.h: one CPU ---------------------------------------------- */

#define DEFINE_PER_CPU(type, name)	__typeof__(type) name
#define this_cpu_ptr(ptr)		(ptr)

/* --- linux/kconfig.h: the configuration simulated --------------------- */

#define CONFIG_XEN_PV	1
#define IS_ENABLED(option)	(option)

/* --- linux/bitmap.h, linux/slab.h, linux/align.h ------------------------- */

#define BITS_PER_LONG		64
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define GFP_KERNEL		0
#define kvcalloc(n, size, gfp)	calloc(n, size)

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG) & 1;
}

static inline void set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void clear_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

/* --- asm/page.h, linux/pfn.h (x86_64) ------------------------------------ */

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_OFFSET	0xffff888000000000UL	/* the direct map */
#define PFN_PHYS(x)	((phys_addr_t)(x) << PAGE_SHIFT)
/* Never dereferenced: only handed to lookup_address(). */
#define __va(x)		((void *)((unsigned long)(x) + PAGE_OFFSET))
#define __pa(x)		((unsigned long)(x) - PAGE_OFFSET)

/*
 * --- linux/mm.h: the guest's pages, as far as xen.c fills them ----------
 * Simulated (xensim.c): a page's contents are one byte per frame,
 * xsim.data[], so that Xen can see what a frame carries when it is given.
 */
struct page {
	unsigned long pfn;
};
extern struct page shim_pages[];
extern unsigned long max_pfn;
extern bool shim_init_on_free, shim_page_poison;
extern unsigned int shim_pagealloc_maps;

#define PAGE_POISON	0xaa
#define pfn_to_page(pfn)	(&shim_pages[pfn])
void clear_highpage(struct page *page);
void kernel_poison_pages(struct page *page, int numpages);

static inline bool want_init_on_free(void)
{
	return shim_init_on_free;
}

static inline bool page_poisoning_enabled_static(void)
{
	return shim_page_poison;
}

/* debug_pagealloc: counted, to see that a fill maps and unmaps. */
static inline void debug_pagealloc_map_pages(struct page *page, int n)
{
	shim_pagealloc_maps++;
}

static inline void debug_pagealloc_unmap_pages(struct page *page, int n)
{
	shim_pagealloc_maps--;
}

/* --- xen/mem-reservation.h ------------------------------------------------ */

extern bool xen_scrub_pages;

/* --- asm/pgtable_types.h ------------------------------------------------- */

typedef unsigned long pteval_t;
typedef unsigned long pgprotval_t;
typedef struct { pteval_t pte; } pte_t;
typedef struct { pgprotval_t pgprot; } pgprot_t;

#define _PAGE_PRESENT	(1UL << 0)
#define _PAGE_RW	(1UL << 1)
#define _PAGE_ACCESSED	(1UL << 5)
#define _PAGE_DIRTY	(1UL << 6)
#define _PAGE_PSE	(1UL << 7)
#define _PAGE_GLOBAL	(1UL << 8)
#define _PAGE_NX	(1UL << 63)
#define __PAGE_KERNEL	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | \
			 _PAGE_NX | _PAGE_DIRTY | _PAGE_GLOBAL)
#define PAGE_KERNEL	((pgprot_t){ __PAGE_KERNEL })
#define pgprot_val(x)	((x).pgprot)

enum pg_level {
	PG_LEVEL_NONE,
	PG_LEVEL_4K,
	PG_LEVEL_2M,
	PG_LEVEL_1G,
	PG_LEVEL_512G,
	PG_LEVEL_NUM
};

/* Simulated: the direct-map PTE of a kernel address (xensim.c). */
pte_t *lookup_address(unsigned long address, unsigned int *level);

/* --- xen/interface/xen.h, asm/xen/interface.h (x86_64 guest) -------------- */

typedef unsigned long xen_pfn_t;
typedef unsigned long xen_ulong_t;
typedef uint16_t domid_t;

#define __DEFINE_GUEST_HANDLE(name, type) \
	typedef type *__guest_handle_ ## name
#define DEFINE_GUEST_HANDLE(name)	__DEFINE_GUEST_HANDLE(name, name)
#define GUEST_HANDLE(name)		__guest_handle_ ## name
#define set_xen_guest_handle(hnd, val)	do { (hnd) = val; } while (0)
DEFINE_GUEST_HANDLE(xen_pfn_t);

#define DOMID_FIRST_RESERVED	0x7FF0U
#define DOMID_SELF		0x7FF0U

#define MMU_NORMAL_PT_UPDATE		0
#define MMU_MACHPHYS_UPDATE		1
#define MMU_PT_UPDATE_PRESERVE_AD	2
#define MMU_PT_UPDATE_NO_TRANSLATE	3

struct mmu_update {
	uint64_t ptr;		/* Machine address of PTE. */
	uint64_t val;		/* New contents of PTE.    */
};

#define MMUEXT_TLB_FLUSH_ALL	10

struct mmuext_op {
	unsigned int cmd;
	union {
		xen_pfn_t mfn;
		unsigned long linear_addr;
	} arg1;
	union {
		unsigned int nr_ents;
		void *vcpumask;
		xen_pfn_t src_mfn;
	} arg2;
};

/* --- xen/interface/memory.h ---------------------------------------------- */

#define XENMEM_increase_reservation	0
#define XENMEM_decrease_reservation	1
#define XENMEM_current_reservation	3
#define XENMEM_maximum_reservation	4
#define XENMEM_populate_physmap		6

struct xen_memory_reservation {
	GUEST_HANDLE(xen_pfn_t) extent_start;
	xen_ulong_t nr_extents;
	unsigned int extent_order;
	unsigned int address_bits;
	domid_t domid;
};

/* --- xen/features.h ------------------------------------------------------- */

#define XENFEAT_auto_translated_physmap	2
#define XENFEAT_NR_SUBMAPS		1

extern u8 xen_features[XENFEAT_NR_SUBMAPS * 32];
static inline int xen_feature(int flag)
{
	return xen_features[flag];
}

/* --- xen/xen.h ------------------------------------------------------------ */

enum xen_domain_type {
	XEN_NATIVE,
	XEN_PV_DOMAIN,
	XEN_HVM_DOMAIN,
};
extern enum xen_domain_type xen_domain_type;
#define xen_domain()	(xen_domain_type != XEN_NATIVE)
#define xen_initial_domain()	(xsim.dom0)
#define xen_hvm_domain()	(xen_domain_type == XEN_HVM_DOMAIN)
#define xen_pvh_domain()	(xsim.pvh)

/* --- asm/xen/page.h (CONFIG_XEN_PV) --------------------------------------- */

typedef struct xmaddr {
	phys_addr_t maddr;
} xmaddr_t;

#define INVALID_P2M_ENTRY	(~0UL)
#define FOREIGN_FRAME_BIT	(1UL << 63)
#define IDENTITY_FRAME_BIT	(1UL << 62)
#define XEN_PHYSICAL_MASK	((1UL << 52) - 1)
#define XEN_PTE_MFN_MASK	((pteval_t)(((signed long)~(PAGE_SIZE - 1)) & \
					    XEN_PHYSICAL_MASK))

/* Simulated: the guest's p2m (Linux's xen_p2m_addr) and its direct map. */
unsigned long __pfn_to_mfn(unsigned long pfn);
bool __set_phys_to_machine(unsigned long pfn, unsigned long mfn);
xmaddr_t arbitrary_virt_to_machine(void *address);

static inline unsigned long pfn_to_mfn(unsigned long pfn)
{
	unsigned long mfn;

	if (xen_feature(XENFEAT_auto_translated_physmap))
		return pfn;
	mfn = __pfn_to_mfn(pfn);
	if (mfn != INVALID_P2M_ENTRY)
		mfn &= ~(FOREIGN_FRAME_BIT | IDENTITY_FRAME_BIT);
	return mfn;
}

static inline pte_t mfn_pte(unsigned long page_nr, pgprot_t pgprot)
{
	pte_t pte;

	/* massage_pgprot(): every bit of PAGE_KERNEL is supported here. */
	pte.pte = ((phys_addr_t)page_nr << PAGE_SHIFT) | pgprot_val(pgprot);
	return pte;
}

static inline pteval_t pte_val_ma(pte_t pte)
{
	return pte.pte;
}

/* --- asm/xen/hypercall.h: the simulated Xen -------------------------------- */

long HYPERVISOR_memory_op(unsigned int cmd, void *arg);
int HYPERVISOR_mmu_update(struct mmu_update *req, int count,
			  int *success_count, domid_t domid);
int HYPERVISOR_mmuext_op(struct mmuext_op *op, int count, int *success_count,
			 domid_t domid);

/* --- the simulated Xen and its log (xensim.c) ------------------------------ */

#define XS_PFNS		8192UL		/* guest frames: 32 MiB */
#define XS_MFNS		(3 * XS_PFNS)	/* machine frames */
#define XS_PT_MFN	0x100000UL	/* first L1 page-table frame */
#define XS_MAX_CALLS	64
#define XS_POOL		(XS_MAX_CALLS * 2 * 512)
#define XS_DOMID	7		/* the guest's real domid */

enum xs_owner { XS_FREE, XS_GUEST, XS_OTHER };
enum xs_kind { XS_MEMOP, XS_MMU };

/* One hypercall as Xen saw it. */
struct xs_call {
	enum xs_kind kind;
	unsigned int cmd;		/* XENMEM_*; mmu: MMU_* of the first */
	unsigned long nr;		/* nr_extents, or mmu count */
	unsigned int extent_order;
	unsigned int address_bits;
	unsigned int domid;
	long rc;
	int done;			/* mmu: success_count */
	const void *handle;		/* extent_start, or req */
	unsigned long *in;		/* memop: frames given; mmu: pfn of each PTE */
	unsigned long *out;		/* memop: frames after; mmu: val of each */
};

struct xsim {
	bool pv;
	bool dom0;			/* the guest is the initial domain */
	bool pvh;			/* HVM: PVH (no PoD) */
	unsigned char owner[XS_MFNS];	/* enum xs_owner */
	unsigned long m2p[XS_MFNS];	/* Xen's machine-to-phys */
	/* PV: the guest's p2m.  HVM: Xen's physmap (gfn -> mfn). */
	unsigned long p2m[XS_PFNS];
	pte_t pte[XS_PFNS];		/* direct-map L1 entries (PV) */
	unsigned int mapcount[XS_MFNS];	/* PTEs pointing at each frame */
	bool stale[XS_MFNS];		/* a TLB may still map the frame */
	unsigned char data[XS_MFNS];	/* each frame's contents, in brief: */
#define XS_DATA_GUEST	0x6e		/* the guest's secrets */
#define XS_DATA_OTHER	0x5a		/* another domain's, or Xen's */
	unsigned long tot_pages, max_pages;
	unsigned long freeq[XS_MFNS];	/* Xen's free frames, FIFO */
	unsigned long fq_head, fq_len;

	/* Knobs, reset to "never" */
	long populate_left;		/* frames populate gives, -1: any */
	long decrease_left;		/* frames decrease takes, -1: any */
	long decrease_err;		/* <0: decrease returns this at 0 */
	int mmu_fail_at;		/* next mmu_update fails here, -1: no */
	bool no_super;			/* populate has no 2 MiB extent to give */
	unsigned long large_lo, large_hi;	/* pfns on a 2M mapping */

	/* What happened */
	unsigned int flushes, lookups, xlats, set_p2m, initcalls;
	unsigned long scrubbed, poisoned;	/* pages, by clear_highpage() etc. */
	struct aer_backend *registered;
	unsigned int registrations;
	char trace[2048];		/* "unmap:512 flush dec:512 ..." */
	char err[512];			/* first rule Xen saw broken */
	struct xs_call calls[XS_MAX_CALLS];
	unsigned int ncalls;
	unsigned long pool[XS_POOL];
	unsigned long pool_used;
};

extern struct xsim xsim;

void xs_reset(bool pv);
/* Forget the hypercalls so far (the log, not the state). */
void xs_log_clear(void);
/* NULL if every invariant holds, else why not. */
const char *xs_check(void);
unsigned long xs_free_frames(void);
unsigned long xs_guest_frames(void);
/* The mfn the guest started with for @pfn. */
unsigned long xs_initial_mfn(unsigned long pfn);
/* The machine address of the L1 entry mapping @pfn. */
uint64_t xs_pte_maddr(unsigned long pfn);

#endif /* _AER_XENSHIM_H */
