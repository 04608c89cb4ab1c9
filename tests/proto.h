/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "AER" line protocol: what the test guest's PID 1 (tests/guest/)
 * prints on its console and the host-side runner (tests/runner/) reads.
 * Every line is a tag, then " key=value" fields; a value has no spaces
 * (quoted values and free text come last).  The guest prints with the tags
 * below, the runner finds a line with aer_is() and its fields with
 * aer_long(), aer_double() and aer_str(), so a field is named once here and
 * never parsed by position.
 *
 *   AER init        mode= [domu=1]
 *   AER start       free_kb= [xen view]           the baseline, before touching
 *   AER sysfs       backend= policy= min_order= ... every counter in
 *                                                 /sys/kernel/mm/aeration/
 *   AER touched     mib= seconds= memfree_kb= [xen view]
 *   AER freed                                     the memory was just freed
 *   AER t=          memfree_kb= free_aerated_bytes= [xen view]  every 0.5 s
 *   AER end         free_kb= start_free_kb= [xen view]
 *   AER trace       at= report= report_mib= report_failed= reclaim=
 *                   reclaim_mib= reclaim_failed= fail= lost=   (tracefs)
 *   AER trace|      one sample event, for the log
 *   AER reuse       mib= bad_words= seconds= memfree_kb=
 *   AER inject      mib= bad_words= seconds= held_blocks= injected_failures=
 *   AER held-return seconds= held_pages= returned_blocks= free_kb= start_free_kb=
 *   AER unbind      device= backend=              (and AER bind)
 *   AER unplug      balloon_gone= waited_s=
 *   AER marked      pages=                        marked free pages (debugfs)
 *   AER inputs      policy= backend=
 *   AER write       file= errno= want= before= after= result=ok|BAD value='...'
 *   AER klog        a kernel log line that mentions aeration
 *   AER order       at=boot|run param= min_order= [bad_errno=]
 *   AER pf1         tasks= seconds= pages_per_s= anon_huge_kb_midway=
 *   AER churn-start
 *   AER churn       mib= rounds= interval_ms= busy_s=
 *   AER storm-start free_kb=
 *   AER storm-end   free_kb= start_free_kb= free_aerated_kb= bad= killed=
 *   AER sample      [xen view]                    Xen's view with memory in use
 *   AER xenaer      rc= [d=]   and AER xenaer| its output
 *   AER xl          tool= rc=  and AER xl| its output
 *   AER domu        domid= aeration=
 *   AER relay       seconds= max_lag_s= domu_done=
 *   AER scrub-freed mib= xen_free_before_kib= xen_free_kib=   the marker freed
 *   AER scrub       domid= domu_mib= rc= pages= marked= unmapped=
 *                   a paused domU on Xen's free memory, scanned by xenscan
 *   AER isolate-start free_kb= free_aerated_bytes=
 *   AER isolate-step at=cma|compact|offline-injected|offline|settled
 *                   held_pages= [xen view], then AER meminfo
 *                   [xen view]
 *   AER isolate-block nr= marked_heads= errno=   a memory block taken offline
 *   AER isolate     cma_pages= cma_ok= cma_failed= inj_tried= inj_offlined=
 *                   tried= offlined= onlined=
 *                   marked_heads= reclaims= reclaim_failures= held_s=
 *                   held_pages= marked_pages= aerated_pages= free_kb=
 *                   start_free_kb= mib= bad_words= nonzero_words=
 *                   CMA, compaction and memory offlining on aerated memory
 *   AER error       what went wrong: the runner fails the tier on any
 *   AER done        the mode ran to its end (never printed after an error)
 *
 * [xen view] is " xen_free_kib= tot_kib=" from libxenctrl, or " @xen" in a
 * domU, which dom0 replaces with the domU's view when it relays the line.
 */
#ifndef _AER_TESTS_PROTO_H
#define _AER_TESTS_PROTO_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AER_INIT	"AER init"
#define AER_MEMINFO	"AER meminfo"	/* /proc/meminfo's other counts */
#define AER_SETTLED	"AER settled"	/* seconds: Xen: boot-time aeration done */
#define AER_START	"AER start"
#define AER_SYSFS	"AER sysfs"
#define AER_TOUCHED	"AER touched"
#define AER_FREED	"AER freed"
#define AER_TICK	"AER t="
#define AER_END		"AER end"
#define AER_TRACE	"AER trace"
#define AER_TRACE_EVENT	"AER trace|"
#define AER_REUSE	"AER reuse"
#define AER_INJECT	"AER inject"
#define AER_HELD_RETURN	"AER held-return"
#define AER_UNBIND	"AER unbind"
#define AER_BIND	"AER bind"
#define AER_UNPLUG	"AER unplug"
#define AER_MARKED	"AER marked"
#define AER_ZONE	"AER zone"	/* name, free, min, low, marked: pages */
#define AER_INPUTS	"AER inputs"
#define AER_WRITE	"AER write"
#define AER_KLOG	"AER klog"
#define AER_ORDER	"AER order"
#define AER_PF1		"AER pf1"
#define AER_IRQSOFF	"AER irqsoff"	/* make bench: interrupts-off sections */
#define AER_IRQSOFF_SITE "AER irqsoff-site"
#define AER_CHURN_START	"AER churn-start"
#define AER_CHURN	"AER churn"
#define AER_STORM_START	"AER storm-start"
#define AER_STORM_END	"AER storm-end"
#define AER_SAMPLE	"AER sample"
#define AER_XENAER	"AER xenaer"
#define AER_XENAER_OUT	"AER xenaer|"
#define AER_XL		"AER xl"
#define AER_XL_OUT	"AER xl|"
#define AER_DOMU	"AER domu"
#define AER_SCRUB_FREED	"AER scrub-freed"
#define AER_SCRUB	"AER scrub"
#define AER_RELAY	"AER relay"
#define AER_ISOLATE_START "AER isolate-start"
#define AER_ISOLATE_STEP "AER isolate-step"
#define AER_ISOLATE_BLOCK "AER isolate-block"
#define AER_ISOLATE	"AER isolate"
#define AER_ERROR	"AER error"
#define AER_DONE	"AER done"

/* In a domU: dom0 puts Xen's view of the domU here when it relays a line. */
#define AER_AT_XEN	" @xen"

/* @l is a line of @tag: the tag, then the end, a space or (AER t=) a value. */
static inline bool aer_is(const char *l, const char *tag)
{
	size_t n = strlen(tag);

	return !strncmp(l, tag, n) &&
	       (!l[n] || l[n] == ' ' || tag[n - 1] == '=');
}

/* The text after " @key=" in @l, or NULL; "AER t=" counts as key t. */
static inline const char *aer_field(const char *l, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = strchr(l, ' '); p; p = strchr(p + 1, ' '))
		if (!strncmp(p + 1, key, n) && p[1 + n] == '=')
			return p + 2 + n;
	return NULL;
}

static inline bool aer_long(const char *l, const char *key, long *v)
{
	const char *p = aer_field(l, key);
	char *end;
	long x;

	if (!p)
		return false;
	x = strtol(p, &end, 10);
	if (end == p || (*end && *end != ' '))
		return false;
	*v = x;
	return true;
}

static inline bool aer_double(const char *l, const char *key, double *v)
{
	const char *p = aer_field(l, key);
	char *end;
	double x;

	if (!p)
		return false;
	x = strtod(p, &end);
	if (end == p || (*end && *end != ' '))
		return false;
	*v = x;
	return true;
}

/* The word at @p (up to a space or the line's end) into @buf, cut to fit. */
static inline const char *aer_word(const char *p, char *buf, size_t size)
{
	size_t n = strcspn(p, " \n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

/* A value up to the next space, into @buf. */
static inline bool aer_str(const char *l, const char *key, char *buf,
			   size_t size)
{
	const char *p = aer_field(l, key);

	if (!p || !size)
		return false;
	aer_word(p, buf, size);
	return true;
}

#endif /* _AER_TESTS_PROTO_H */
