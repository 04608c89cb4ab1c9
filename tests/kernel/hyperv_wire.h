/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The framing of the Hyper-V test transport.
 *
 * Not Hyper-V: no hypervisor speaks this.  It carries a CPUID leaf or a
 * hypercall (input value plus input page) from a test guest to hvhost over
 * a byte stream (a 16550 UART whose QEMU chardev is a unix socket), and the
 * answer back.  Only the framing lives here; the meaning of the hypercall
 * bytes is the TLFS, and each side reads the TLFS on its own.  Macros only,
 * so both the guest kernel and user space can include it.
 *
 * Every frame, both ways: a 16-byte header of four little-endian u32, then
 * len payload bytes.
 *
 *   offset 0   magic     HVW_MAGIC, the bytes 'A' 'H' 'V' '1'
 *   offset 4   type      HVW_TYPE_*; an answer carries its request's type
 *   offset 8   len       payload bytes after the header, <= HVW_MAX_PAYLOAD
 *   offset 12  reserved  0
 *
 * HVW_TYPE_CPUID      request: u32 leaf (len 4)
 *                     answer:  u32 eax, ebx, ecx, edx (len 16)
 * HVW_TYPE_HYPERCALL  request: u64 hypercall input value, then the input
 *                     page bytes, 0..4096 (len 8..4104); the page starts at
 *                     payload offset 8, so rep element i of a call with an
 *                     8-byte fixed header is at payload offset 16 + 8 * i
 *                     answer:  u64 hypercall result value, then the output
 *                     page bytes (8 for HvExtCallQueryCapabilities, 0 for
 *                     HvExtCallMemoryHeatHint and for any failed call)
 * HVW_TYPE_ERROR      answer only, to a frame the host could not take:
 *                     u32 reason (HVW_ERR_*), u32 type of the frame (or 0)
 *
 * The host answers every request in order, one answer each.  After garbage
 * it scans for the next magic and sends one HVW_TYPE_ERROR per garbage run.
 */
#ifndef AER_HVWIRE_H
#define AER_HVWIRE_H

#define HVW_MAGIC		0x31564841	/* "AHV1" as little-endian bytes */

#define HVW_OFF_MAGIC		0
#define HVW_OFF_TYPE		4
#define HVW_OFF_LEN		8
#define HVW_OFF_RESERVED	12
#define HVW_HDR_LEN		16

#define HVW_TYPE_CPUID		1
#define HVW_TYPE_HYPERCALL	2
#define HVW_TYPE_ERROR		0xff

#define HVW_PAGE_SIZE		4096
#define HVW_CPUID_REQ_LEN	4
#define HVW_CPUID_ANS_LEN	16
#define HVW_HC_MIN_LEN		8			/* the input value */
#define HVW_MAX_PAYLOAD		(8 + HVW_PAGE_SIZE)
#define HVW_ERROR_ANS_LEN	8

#define HVW_ERR_BAD_MAGIC	1	/* bytes that are not a frame */
#define HVW_ERR_TOO_LONG	2	/* len > HVW_MAX_PAYLOAD */
#define HVW_ERR_BAD_TYPE	3	/* type not known */
#define HVW_ERR_BAD_LEN		4	/* len wrong for the type */
#define HVW_ERR_RESERVED	5	/* reserved header field not 0 */

#endif /* AER_HVWIRE_H */
