/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <asm/tlbflush.h>: see xenshim.h. */
#include "xenshim.h"
