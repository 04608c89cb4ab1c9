/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events aeration:report, aeration:reclaim and aeration:fail, one
 * per block.  aeration:fail repeats the failures of the other two so that
 * an operator can watch for failures alone, cheaply.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aeration

#if !defined(_AERATION_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AERATION_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(aeration_block,
		    TP_PROTO(const char *backend, unsigned long pfn,
			     unsigned int order, int result),
		    TP_ARGS(backend, pfn, order, result),
		    TP_STRUCT__entry(__string(backend, backend)
				     __field(unsigned long, pfn)
				     __field(unsigned int, order)
				     __field(int, result)),
		    TP_fast_assign(__assign_str(backend);
				   __entry->pfn = pfn;
				   __entry->order = order;
				   __entry->result = result;),
		    TP_printk("backend=%s pfn=%#lx order=%u result=%d",
			      __get_str(backend), __entry->pfn, __entry->order,
			      __entry->result)
);

/* A block given to the hypervisor (result 0) or not (an error). */
DEFINE_EVENT(aeration_block, report,
	     TP_PROTO(const char *backend, unsigned long pfn,
		      unsigned int order, int result),
	     TP_ARGS(backend, pfn, order, result)
);

/* A given block's frames asked back before reuse (Xen). */
DEFINE_EVENT(aeration_block, reclaim,
	     TP_PROTO(const char *backend, unsigned long pfn,
		      unsigned int order, int result),
	     TP_ARGS(backend, pfn, order, result)
);

/* A report or reclaim that failed, injected failures included. */
TRACE_EVENT(fail,
	    TP_PROTO(const char *backend, const char *op, unsigned long pfn,
		     unsigned int order, int result),
	    TP_ARGS(backend, op, pfn, order, result),
	    TP_STRUCT__entry(__string(backend, backend)
			     __string(op, op)
			     __field(unsigned long, pfn)
			     __field(unsigned int, order)
			     __field(int, result)),
	    TP_fast_assign(__assign_str(backend);
			   __assign_str(op);
			   __entry->pfn = pfn;
			   __entry->order = order;
			   __entry->result = result;),
	    TP_printk("backend=%s op=%s pfn=%#lx order=%u result=%d",
		      __get_str(backend), __get_str(op), __entry->pfn,
		      __entry->order, __entry->result)
);

#endif /* _AERATION_TRACE_H */

/* The header is here, not in include/trace/events/: Kbuild adds -I. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
