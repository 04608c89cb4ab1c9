// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V backend: free blocks become cold-discard heat hints
 * (HvExtCallMemoryHeatHint).  Hyper-V drops the memory and backs it again
 * with zeroed pages when the guest touches it: a "refault" backend, no
 * reclaim.  Needs the extended-hypercall privilege and the cold-discard
 * capability (HvExtCallQueryCapabilities), as hv_balloon checks.
 *
 * Every CPUID leaf and hypercall goes through aer_hv_cpuid() and
 * aer_hv_hypercall(), so the test transport (tests/kernel/hyperv_test_host.c,
 * a test-only Kconfig option) can carry them to a host built from the TLFS
 * instead.
 */
#define pr_fmt(fmt) "aeration: hyperv: " fmt

#include <linux/init.h>
#include <linux/mm.h>
#include <linux/processor.h>
#include <linux/workqueue.h>
#include <asm/mshyperv.h>

#include "hyperv.h"
#include "../core/backend.h"

/* Give up after this many failed hints in a row. */
#define AER_HV_MAX_FAILURES	3

/* EBX, ECX, EDX of leaf 0x40000000: "Microsoft Hv". */
static const u32 aer_hv_vendor[3] = { 0x7263694d, 0x666f736f, 0x76482074 };

#ifndef CONFIG_X86
/* The TLFS's CPUID leaves, which only x86's hyperv-tlfs.h names. */
#define HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS	0x40000000
#define HYPERV_CPUID_FEATURES			0x40000003
#define HYPERV_CPUID_ISOLATION_CONFIG		0x4000000C
#define HV_ISOLATION_TYPE			GENMASK(3, 0)
#define HV_ISOLATION_TYPE_NONE			0
#endif

static void aer_hv_cpuid(u32 leaf, u32 *r)
{
	if (aer_hv_test_host) {
		aer_hv_test_cpuid(leaf, r);
		return;
	}
#ifdef CONFIG_X86
	cpuid(leaf, &r[0], &r[1], &r[2], &r[3]);
#else
	/*
	 * arm64 has no CPUID: hyperv_init() read the features leaf from
	 * Hyper-V's registers into ms_hyperv.  The largest leaf offered is
	 * the features leaf, so an isolated partition reads as of unknown
	 * type, and is refused all the same.
	 */
	memset(r, 0, 4 * sizeof(*r));
	if (!hv_is_hyperv_initialized())
		return;
	if (leaf == HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS) {
		r[0] = HYPERV_CPUID_FEATURES;
		memcpy(&r[1], aer_hv_vendor, sizeof(aer_hv_vendor));
	} else if (leaf == HYPERV_CPUID_FEATURES) {
		r[0] = ms_hyperv.features;
		r[1] = ms_hyperv.priv_high;
		r[3] = ms_hyperv.misc_features;
	}
#endif
}

/*
 * One hypercall: the input value, @len bytes of input page, and for calls
 * with output one u64 of it.  Returns the hypercall result value.
 */
static u64 aer_hv_hypercall(u64 control, const void *in, unsigned int len,
			    u64 *out)
{
	if (aer_hv_test_host)
		return aer_hv_test_hypercall(control, in, len, out);
#if IS_ENABLED(CONFIG_HYPERV)
	{
		unsigned int reps = (control & HV_HYPERCALL_REP_COMP_MASK) >>
				    HV_HYPERCALL_REP_COMP_OFFSET;
		unsigned long flags;
		void *page;
		u64 result;

		/* Hyper-V reads the input from the per-cpu hypercall page. */
		local_irq_save(flags);
		page = *this_cpu_ptr(hyperv_pcpu_input_arg);
		if (!page) {
			local_irq_restore(flags);
			return AER_HV_STATUS_NO_ANSWER;
		}
		memcpy(page, in, len);
		/* A rep call takes the call code, bits 0-15 of control. */
		if (reps)
			result = hv_do_rep_hypercall((u16)control, reps, 0,
						     page, NULL);
		else
			result = hv_do_hypercall(control, len ? page : NULL,
						 out ? page : NULL);
		if (out)
			*out = *(u64 *)page;
		local_irq_restore(flags);
		return result;
	}
#else
	return AER_HV_STATUS_NO_ANSWER;
#endif
}

/*
 * An isolated (confidential) partition's type from its CPUID leaves, as
 * ms_hyperv_init_platform() reads them, or NONE.  Read here rather than
 * from ms_hyperv so that the test host can offer it too.
 */
static u32 aer_hv_isolation(u32 max_leaf, u32 features_ebx)
{
	u32 r[4];

	if (!(features_ebx & HV_ISOLATION))
		return HV_ISOLATION_TYPE_NONE;
	if (max_leaf < HYPERV_CPUID_ISOLATION_CONFIG)
		return HV_ISOLATION_TYPE;	/* isolated, type unknown */
	aer_hv_cpuid(HYPERV_CPUID_ISOLATION_CONFIG, r);
	return r[1] & HV_ISOLATION_TYPE ?: HV_ISOLATION_TYPE;
}

static bool aer_hv_probe(struct aer_backend *b)
{
	u32 r[4], max_leaf, type;
	u64 caps = 0, result;

	aer_hv_cpuid(HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS, r);
	if (memcmp(&r[1], aer_hv_vendor, sizeof(aer_hv_vendor)))
		return false;
	max_leaf = r[0];
	aer_hv_cpuid(HYPERV_CPUID_FEATURES, r);
	/*
	 * A discarded page of an SNP or TDX partition's private memory is
	 * likely fatal on the next touch; upstream refuses hv_balloon's
	 * device in any isolated partition.  So do we.
	 */
	type = aer_hv_isolation(max_leaf, r[1]);
	if (type != HV_ISOLATION_TYPE_NONE) {
		pr_info("isolated (confidential) partition, type %u: not used\n", type);
		return false;
	}
	if (!(r[1] & HV_ENABLE_EXTENDED_HYPERCALLS)) {
		pr_info("no extended hypercall privilege\n");
		return false;
	}
	result = aer_hv_hypercall(HV_EXT_CALL_QUERY_CAPABILITIES, NULL, 0, &caps);
	if (!hv_result_success(result) ||
	    !(caps & HV_EXT_CAPABILITY_MEMORY_COLD_DISCARD_HINT)) {
		pr_info("no cold discard capability (status %#x, caps %#llx)\n",
			hv_result(result), caps);
		return false;
	}
	return true;
}

static union aer_hv_hint_page aer_hv_page;	/* under aeration_lock */
static unsigned int aer_hv_failures;

static void aer_hv_stop_fn(struct work_struct *work);
static DECLARE_WORK(aer_hv_stop, aer_hv_stop_fn);

/* Called from the pass under aeration_lock: the hint page is ours. */
static int aer_hv_report(struct aer_backend *b, struct aer_block *blocks,
			 unsigned int nr)
{
	struct hv_memory_hint *hint = &aer_hv_page.hint;
	unsigned int n = aer_hv_encode(blocks, nr, hint);
	u64 result;

	result = aer_hv_hypercall(HV_EXT_CALL_MEMORY_HEAT_HINT |
				  (u64)n << HV_HYPERCALL_REP_COMP_OFFSET,
				  hint, struct_size(hint, ranges, n), NULL);
	if (hv_result_success(result) && hv_repcomp(result) == n) {
		aer_hv_failures = 0;
		return 0;
	}
	/*
	 * Ranges before the failing one were discarded already; harmless,
	 * they are free and just go back unmarked.
	 */
	pr_err_ratelimited("heat hint failed: status %#x, %u of %u ranges\n",
			   hv_result(result), hv_repcomp(result), n);
	if (hv_result(result) == HV_STATUS_INVALID_PARAMETER &&
	    b->min_order < AER_HV_LARGE_ORDER) {
		/* As hv_balloon: the host may only take 2 MiB pages. */
		pr_warn("host refused the hint; reporting 2 MiB blocks only\n");
		b->min_order = AER_HV_LARGE_ORDER;
		return -EINVAL;
	}
	if (++aer_hv_failures >= AER_HV_MAX_FAILURES) {
		pr_err("%u heat hints failed in a row, stopping\n",
		       aer_hv_failures);
		schedule_work(&aer_hv_stop);
	}
	return -EIO;
}

static struct aer_backend aer_hv = {
	.id = AER_BACKEND_HYPERV,
	.capacity = HV_MEMORY_HINT_MAX_GPA_PAGE_RANGES,
	.probe = aer_hv_probe,
	.report = aer_hv_report,
};

/* Not from report(): unregistering waits for the pass that calls it. */
static void aer_hv_stop_fn(struct work_struct *work)
{
	aeration_unregister(&aer_hv);
}

static int __init aer_hv_init(void)
{
	aeration_register(&aer_hv);
	return 0;
}
subsys_initcall(aer_hv_init);
