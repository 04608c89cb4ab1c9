// SPDX-License-Identifier: GPL-2.0
/*
 * hvserve.c: read hyperv_wire.h frames from a byte stream, hand CPUID leaves
 * and hypercalls to tlfs.c, write the answers back.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hvserve.h"

void hvs_init(struct hvs_server *s, struct tlfs_host *h, FILE *log,
	      bool verbose)
{
	memset(s, 0, sizeof(*s));
	s->host = h;
	s->log = log;
	s->verbose = verbose;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int answer(int fd, uint32_t type, const unsigned char *payload,
		  size_t len)
{
	unsigned char frame[HVW_HDR_LEN + HVW_MAX_PAYLOAD];

	tlfs_put_le32(frame + HVW_OFF_MAGIC, HVW_MAGIC);
	tlfs_put_le32(frame + HVW_OFF_TYPE, type);
	tlfs_put_le32(frame + HVW_OFF_LEN, (uint32_t)len);
	tlfs_put_le32(frame + HVW_OFF_RESERVED, 0);
	memcpy(frame + HVW_HDR_LEN, payload, len);
	return write_all(fd, frame, HVW_HDR_LEN + len);
}

/* An answer the guest can wait for even when its frame was bad. */
static int answer_error(struct hvs_server *s, int fd, uint32_t reason,
			uint32_t type)
{
	unsigned char p[HVW_ERROR_ANS_LEN];

	s->bad_frames++;
	tlfs_put_le32(p, reason);
	tlfs_put_le32(p + 4, type);
	return answer(fd, HVW_TYPE_ERROR, p, sizeof(p));
}

static void drop(struct hvs_server *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->fill - n);
	s->fill -= n;
}

static void log_call(struct hvs_server *s, uint64_t input,
		     const struct tlfs_trace *tr)
{
	if (!s->log || !s->verbose)
		return;
	fprintf(s->log, "hvhost: hc 0x%04x input=0x%016llx reps=%u start=%u "
		"-> %s (0x%x) done=%u kib=%llu",
		tr->code, (unsigned long long)input, tr->rep_count,
		tr->rep_start, tlfs_status_name(tr->status), tr->status,
		tr->reps_done, (unsigned long long)(tr->bytes >> 10));
	if (tr->bad_rep >= 0)
		fprintf(s->log, " bad_rep=%d range=0x%016llx", tr->bad_rep,
			(unsigned long long)tr->bad_range);
	if (tr->why)
		fprintf(s->log, ": %s", tr->why);
	fputc('\n', s->log);
	fflush(s->log);
}

static int do_cpuid(struct hvs_server *s, int fd, const unsigned char *pl)
{
	uint32_t leaf = tlfs_get_le32(pl), regs[4];
	unsigned char out[HVW_CPUID_ANS_LEN];
	int i;

	tlfs_cpuid(s->host, leaf, regs);
	for (i = 0; i < 4; i++)
		tlfs_put_le32(out + 4 * i, regs[i]);
	s->cpuid_frames++;
	s->frames++;
	if (s->verbose && s->log) {
		fprintf(s->log, "hvhost: cpuid 0x%08x -> %08x %08x %08x %08x\n",
			leaf, regs[0], regs[1], regs[2], regs[3]);
		fflush(s->log);
	}
	return answer(fd, HVW_TYPE_CPUID, out, sizeof(out));
}

static int do_hypercall(struct hvs_server *s, int fd,
			const unsigned char *pl, uint32_t len)
{
	unsigned char out[8 + HVW_PAGE_SIZE];
	uint64_t input = tlfs_get_le64(pl), result;
	struct tlfs_trace tr;
	size_t olen;

	result = tlfs_hypercall(s->host, input, pl + 8, len - 8, out + 8,
				HVW_PAGE_SIZE, &olen, &tr);
	tlfs_put_le64(out, result);
	s->frames++;
	log_call(s, input, &tr);
	return answer(fd, HVW_TYPE_HYPERCALL, out, 8 + olen);
}

static int do_frame(struct hvs_server *s, int fd, uint32_t type,
		    uint32_t len, uint32_t rsvd, const unsigned char *pl)
{
	if (rsvd) {
		if (s->log)
			fprintf(s->log, "hvhost: error: frame type %u has "
				"reserved field 0x%x, dropped\n", type, rsvd);
		return answer_error(s, fd, HVW_ERR_RESERVED, type);
	}
	switch (type) {
	case HVW_TYPE_CPUID:
		if (len == HVW_CPUID_REQ_LEN)
			return do_cpuid(s, fd, pl);
		break;
	case HVW_TYPE_HYPERCALL:
		if (len >= HVW_HC_MIN_LEN)
			return do_hypercall(s, fd, pl, len);
		break;
	default:
		if (s->log)
			fprintf(s->log, "hvhost: error: unknown frame type %u "
				"(len %u), dropped\n", type, len);
		return answer_error(s, fd, HVW_ERR_BAD_TYPE, type);
	}
	if (s->log)
		fprintf(s->log, "hvhost: error: frame type %u with bad length "
			"%u, dropped\n", type, len);
	return answer_error(s, fd, HVW_ERR_BAD_LEN, type);
}

static int process(struct hvs_server *s, int fd)
{
	uint32_t type, len, rsvd;
	int ret;

	while (s->fill >= 4) {
		if (tlfs_get_le32(s->buf) != HVW_MAGIC) {
			size_t k;

			if (!s->resyncing) {
				if (s->log)
					fprintf(s->log, "hvhost: error: bad "
						"magic 0x%08x, scanning for the "
						"next frame\n",
						tlfs_get_le32(s->buf));
				s->resyncing = true;
				ret = answer_error(s, fd, HVW_ERR_BAD_MAGIC, 0);
				if (ret)
					return ret;
			}
			for (k = 1; k + 4 <= s->fill; k++)
				if (tlfs_get_le32(s->buf + k) == HVW_MAGIC)
					break;
			drop(s, k);
			continue;
		}
		if (s->fill < HVW_HDR_LEN)
			break;
		type = tlfs_get_le32(s->buf + HVW_OFF_TYPE);
		len = tlfs_get_le32(s->buf + HVW_OFF_LEN);
		rsvd = tlfs_get_le32(s->buf + HVW_OFF_RESERVED);
		if (len > HVW_MAX_PAYLOAD) {
			/* Likely not a header at all: scan on from here. */
			if (s->log)
				fprintf(s->log, "hvhost: error: frame len %u > "
					"%u, scanning for the next frame\n",
					len, HVW_MAX_PAYLOAD);
			ret = answer_error(s, fd, HVW_ERR_TOO_LONG, type);
			s->resyncing = true;
			drop(s, 1);
			if (ret)
				return ret;
			continue;
		}
		if (s->fill < HVW_HDR_LEN + len)
			break;
		s->resyncing = false;
		ret = do_frame(s, fd, type, len, rsvd, s->buf + HVW_HDR_LEN);
		drop(s, HVW_HDR_LEN + len);
		if (ret)
			return ret;
	}
	if (s->log)
		fflush(s->log);
	return 0;
}

int hvs_feed(struct hvs_server *s, const void *data, size_t n, int fd_out)
{
	const unsigned char *p = data;
	int ret;

	/* process() always leaves less than a full buffer behind. */
	while (n) {
		size_t room = sizeof(s->buf) - s->fill;
		size_t k = n < room ? n : room;

		memcpy(s->buf + s->fill, p, k);
		s->fill += k;
		p += k;
		n -= k;
		ret = process(s, fd_out);
		if (ret)
			return ret;
	}
	return 0;
}

int hvs_serve(struct hvs_server *s, int fd, volatile sig_atomic_t *flag,
	      volatile sig_atomic_t *stop, FILE *out)
{
	unsigned char tmp[4096];
	ssize_t n;
	int ret;

	for (;;) {
		if (flag && *flag) {
			*flag = 0;
			hvs_summary(s, out);
		}
		if (stop && *stop)
			return 0;
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		ret = hvs_feed(s, tmp, (size_t)n, fd);
		if (ret)
			return ret;
	}
}

void hvs_summary(const struct hvs_server *s, FILE *out)
{
	const struct tlfs_stats *st = &s->host->st;

	if (!out)
		return;
	fprintf(out, "hvhost: calls=%llu ranges=%llu discarded_kib=%llu "
		"bad=%llu\n", (unsigned long long)st->hint_calls,
		(unsigned long long)st->ranges,
		(unsigned long long)(st->bytes >> 10),
		(unsigned long long)(st->failed + s->bad_frames));
	fprintf(out, "hvhost: detail queries=%llu other_calls=%llu cpuid=%llu "
		"frames=%llu failed_calls=%llu bad_frames=%llu "
		"host_errors=%llu\n", (unsigned long long)st->query_calls,
		(unsigned long long)st->other_calls,
		(unsigned long long)s->cpuid_frames,
		(unsigned long long)s->frames, (unsigned long long)st->failed,
		(unsigned long long)s->bad_frames,
		(unsigned long long)st->host_errors);
	fflush(out);
}
