/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <asm/xen/page.h>: see xenshim.h. */
#include "xenshim.h"
