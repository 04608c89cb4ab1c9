/* SPDX-License-Identifier: GPL-2.0 */
/* What linux-glue/mm.c offers to backends, sysfs and the KUnit suite. */
#ifndef _AERATION_LINUX_GLUE_H
#define _AERATION_LINUX_GLUE_H

#include <linux/mutex.h>

#include "../core/aeration.h"

extern struct aer_engine aeration_engine;
extern struct aer_policy aeration_policy;
extern struct mutex aeration_lock;

/* Without the aeration= policy, for tests. */
int aeration_activate(struct aer_backend *b);
void aeration_deactivate(struct aer_backend *b);
bool aeration_run_pass(void);

#endif /* _AERATION_LINUX_GLUE_H */
