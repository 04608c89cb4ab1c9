/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces core/ uses, for the user-space build
 * (as tools/testing/vma does for mm/vma.c).  Forced in with -include.
 */
#ifndef _AER_KSHIM_H
#define _AER_KSHIM_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
#define BIT(n)		(1U << (n))
#define BIT_ULL(n)	(1ULL << (n))

typedef struct { atomic_int v; } atomic_t;
typedef struct { atomic_long v; } atomic_long_t;

#define atomic_read(a)		atomic_load(&(a)->v)
#define atomic_set(a, i)	atomic_store(&(a)->v, (i))
#define atomic_xchg(a, i)	atomic_exchange(&(a)->v, (i))
static inline int atomic_cmpxchg(atomic_t *a, int old, int new)
{
	atomic_compare_exchange_strong(&a->v, &old, new);
	return old;
}
#define atomic_long_read(a)	atomic_load(&(a)->v)
#define atomic_long_inc(a)	atomic_fetch_add(&(a)->v, 1)
#define atomic_long_add(i, a)	atomic_fetch_add(&(a)->v, (i))
#define atomic_inc_return(a)	(atomic_fetch_add(&(a)->v, 1) + 1)
#define atomic_long_set(a, i)	atomic_store(&(a)->v, (i))

#define NSEC_PER_MSEC		1000000L
#define DIV_ROUND_UP_ULL(ll, d)	(((unsigned long long)(ll) + (d) - 1) / (d))

#define READ_ONCE(x)		(*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/* Messages go to a buffer the tests can read. */
extern char shim_log[4096];
extern int shim_log_lines;
void shim_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_warn(...)	shim_printk(__VA_ARGS__)
#define pr_info(...)	shim_printk(__VA_ARGS__)

#endif /* _AER_KSHIM_H */
