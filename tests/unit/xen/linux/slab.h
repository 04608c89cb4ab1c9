/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <linux/slab.h>: see xenshim.h. */
#include "xenshim.h"
