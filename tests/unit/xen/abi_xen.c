// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's public headers (libxen-dev's /usr/include/xen), read by the
 * compiler rather than by hand, for test_xen.c to compare the shim with.
 * Built without -I tests/unit/xen, so <xen/...> are Xen's own.
 */
#include <stddef.h>
#include <stdint.h>

#include "xsabi.h"

#if __has_include(<xen/memory.h>) && __has_include(<xen/features.h>)
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/features.h>

#define RES struct xen_memory_reservation
#define FIELD_SIZE(t, f) sizeof(((t *)0)->f)
#if __XEN_INTERFACE_VERSION__ >= 0x00030209
#define RES_BITS mem_flags
#else
#define RES_BITS address_bits
#endif

const struct xs_abi xs_abi_public = {
	.have = 1,
	.res_size = sizeof(RES),
	.res_extent_start = offsetof(RES, extent_start),
	.res_nr_extents = offsetof(RES, nr_extents),
	.res_extent_order = offsetof(RES, extent_order),
	.res_address_bits = offsetof(RES, RES_BITS),
	.res_domid = offsetof(RES, domid),
	.handle_size = FIELD_SIZE(RES, extent_start),
	.nr_extents_size = FIELD_SIZE(RES, nr_extents),
	.domid_size = sizeof(domid_t),
	.pfn_size = sizeof(xen_pfn_t),
	.mmu_size = sizeof(struct mmu_update),
	.mmu_ptr = offsetof(struct mmu_update, ptr),
	.mmu_val = offsetof(struct mmu_update, val),
	.increase = XENMEM_increase_reservation,
	.decrease = XENMEM_decrease_reservation,
	.populate = XENMEM_populate_physmap,
	.domid_self = DOMID_SELF,
	.mmu_normal = MMU_NORMAL_PT_UPDATE,
	.feat_auto = XENFEAT_auto_translated_physmap,
	.feat_submaps = XENFEAT_NR_SUBMAPS,
};
#else
const struct xs_abi xs_abi_public = { .have = 0 };
#endif
