// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events of trace.h, for core/: it calls aerg_trace() once per
 * block reported or reclaimed.  Each event is a static branch until an
 * operator enables it.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

#include "../core/aeration.h"
#include "../core/glue.h"

void aerg_trace(enum aer_op op, enum aer_backend_id id, unsigned long pfn,
		unsigned int order, int result)
{
	const char *name = aer_backend_name(id);

	if (op == AER_OP_REPORT)
		trace_report(name, pfn, order, result);
	else
		trace_reclaim(name, pfn, order, result);
	if (result)
		trace_fail(name, op == AER_OP_REPORT ? "report" : "reclaim",
			   pfn, order, result);
}
