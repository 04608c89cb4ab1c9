/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <xen/features.h>: see xenshim.h. */
#include "xenshim.h"
