/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sizes, offsets and values of the Xen ABI pieces backends/xen.c uses, as
 * Xen's public headers give them (abi_xen.c, built against /usr/include/xen
 * without the shim) and as the shim gives them (test_xen.c).
 */
#ifndef _AER_XSABI_H
#define _AER_XSABI_H

struct xs_abi {
	int have;			/* 0: no public headers here */
	unsigned long res_size, res_extent_start, res_nr_extents;
	unsigned long res_extent_order, res_address_bits, res_domid;
	unsigned long handle_size, nr_extents_size, domid_size, pfn_size;
	unsigned long mmu_size, mmu_ptr, mmu_val;
	unsigned long increase, decrease, populate;
	unsigned long domid_self, mmu_normal, feat_auto, feat_submaps;
};

extern const struct xs_abi xs_abi_public;

#endif /* _AER_XSABI_H */
