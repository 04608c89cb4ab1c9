/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <linux/percpu.h>: see xenshim.h. */
#include "xenshim.h"
