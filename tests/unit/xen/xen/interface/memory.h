/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <xen/interface/memory.h>: see xenshim.h. */
#include "xenshim.h"
