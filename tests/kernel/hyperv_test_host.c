// SPDX-License-Identifier: GPL-2.0
/*
 * TEST TRANSPORT, not Hyper-V.  With CONFIG_AERATION_HYPERV_TEST_HOST and
 * the boot parameter aeration.hyperv_test_host, the Hyper-V backend's CPUID
 * leaves and hypercalls go as frames (hyperv_wire.h) over the second 16550
 * UART (COM2, I/O port 0x2f8) to hosts/hyperv/hvhost, which
 * answers as the TLFS says Hyper-V would and really discards the guest
 * memory the hints name.  No hypervisor exists on our build machines that
 * speaks the heat hint, so this is how the backend is tested end to end.
 * Polled port I/O, no interrupts.  The transport claims the port before
 * the serial driver probes it (a probe would loop the UART back onto
 * itself), so COM2 is not a ttyS; keep the console on COM1.
 */
#define pr_fmt(fmt) "aeration: hyperv: " fmt

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "../../backends/hyperv.h"
#include "hyperv_wire.h"

#define COM2		0x2f8
#define UART_TX		0	/* transmit / receive buffer */
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* a byte to read */
#define LSR_THRE	0x20	/* room to write */

/*
 * Generous: a KASAN guest and the test host share two host cores under
 * TCG, and a lost host costs this once (the transport then closes).
 */
#define AER_HV_TEST_TIMEOUT_MS	15000

bool aer_hv_test_host;
static bool aer_hv_test_ready, aer_hv_test_dead;
static DEFINE_MUTEX(aer_hv_test_lock);

static int __init aer_hv_test_setup(char *s)
{
	aer_hv_test_host = true;
	return 0;
}
early_param("aeration.hyperv_test_host", aer_hv_test_setup);

/* On first use, from the backend's probe: before the serial driver's. */
static int aer_hv_test_open(void)
{
	if (!request_region(COM2, 8, "aeration hyperv test transport")) {
		pr_err("COM2 is taken; test transport not available\n");
		return -EBUSY;
	}
	/* 8N1, no interrupts, FIFOs on; QEMU ignores the baud rate. */
	outb(0, COM2 + UART_IER);
	outb(0x03, COM2 + UART_LCR);
	outb(0x07, COM2 + UART_FCR);
	outb(0x03, COM2 + UART_MCR);
	pr_warn("TEST TRANSPORT to a TLFS test host on COM2 (port %#x): not Hyper-V, for testing only\n",
		COM2);
	return 0;
}

static void aer_hv_test_put(const void *buf, unsigned int len)
{
	const u8 *p = buf;

	while (len--) {
		while (!(inb(COM2 + UART_LSR) & LSR_THRE))
			cpu_relax();
		outb(*p++, COM2 + UART_TX);
	}
}

static int aer_hv_test_get(void *buf, unsigned int len, unsigned long deadline)
{
	u8 *p = buf;

	while (len) {
		if (inb(COM2 + UART_LSR) & LSR_DR) {
			*p++ = inb(COM2 + UART_TX);
			len--;
			continue;
		}
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(10, 20);
	}
	return 0;
}

/* One request frame out, its answer in.  Returns the answer's length. */
static int aer_hv_test_call(u32 type, const void *a, unsigned int alen,
			    const void *b, unsigned int blen, void *ans,
			    unsigned int ans_max)
{
	unsigned long start, deadline;
	u8 hdr[HVW_HDR_LEN];
	u32 len;
	int err = -EIO;

	mutex_lock(&aer_hv_test_lock);
	if (!aer_hv_test_ready && !aer_hv_test_dead) {
		aer_hv_test_dead = aer_hv_test_open() < 0;
		aer_hv_test_ready = true;
	}
	if (aer_hv_test_dead)
		goto out;
	/* From here: time spent waiting for the lock is not the host's. */
	start = jiffies;
	deadline = start + msecs_to_jiffies(AER_HV_TEST_TIMEOUT_MS);
	put_unaligned_le32(HVW_MAGIC, hdr + HVW_OFF_MAGIC);
	put_unaligned_le32(type, hdr + HVW_OFF_TYPE);
	put_unaligned_le32(alen + blen, hdr + HVW_OFF_LEN);
	put_unaligned_le32(0, hdr + HVW_OFF_RESERVED);
	aer_hv_test_put(hdr, sizeof(hdr));
	aer_hv_test_put(a, alen);
	aer_hv_test_put(b, blen);

	err = aer_hv_test_get(hdr, sizeof(hdr), deadline);
	len = get_unaligned_le32(hdr + HVW_OFF_LEN);
	if (!err && (get_unaligned_le32(hdr + HVW_OFF_MAGIC) != HVW_MAGIC ||
		     get_unaligned_le32(hdr + HVW_OFF_TYPE) != type ||
		     len > ans_max))
		err = -EPROTO;
	if (!err)
		err = aer_hv_test_get(ans, len, deadline);
	if (err) {
		/* A lost or confused host: stop talking to it. */
		pr_err("test host did not answer (%d) in %u ms; transport closed\n",
		       err, jiffies_to_msecs(jiffies - start));
		aer_hv_test_dead = true;
	}
out:
	mutex_unlock(&aer_hv_test_lock);
	return err ? err : len;
}

void aer_hv_test_cpuid(u32 leaf, u32 *r)
{
	u8 req[HVW_CPUID_REQ_LEN], ans[HVW_CPUID_ANS_LEN];
	int i;

	put_unaligned_le32(leaf, req);
	if (aer_hv_test_call(HVW_TYPE_CPUID, req, sizeof(req), NULL, 0, ans,
			     sizeof(ans)) != sizeof(ans)) {
		memset(r, 0, 4 * sizeof(*r));
		return;
	}
	for (i = 0; i < 4; i++)
		r[i] = get_unaligned_le32(ans + 4 * i);
}

u64 aer_hv_test_hypercall(u64 control, const void *in, unsigned int len,
			  u64 *out)
{
	u8 req[8], ans[16];
	int n;

	put_unaligned_le64(control, req);
	n = aer_hv_test_call(HVW_TYPE_HYPERCALL, req, sizeof(req), in, len,
			     ans, sizeof(ans));
	if (n < 8)
		return AER_HV_STATUS_NO_ANSWER;
	if (out)
		*out = n >= 16 ? get_unaligned_le64(ans + 8) : 0;
	return get_unaligned_le64(ans);
}
