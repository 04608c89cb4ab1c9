/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <linux/sched.h>: see xenshim.h. */
#include "xenshim.h"
