/* SPDX-License-Identifier: GPL-2.0 */
/* Stub for <xen/mem-reservation.h>: see xenshim.h. */
#include "xenshim.h"
