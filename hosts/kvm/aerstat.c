// SPDX-License-Identifier: GPL-2.0
/*
 * aerstat: one KVM/QEMU guest's memory as the host sees it, through QMP.
 *
 *   aerstat --qmp PATH [--balloon QOM-PATH] [-i SECONDS] [-n COUNT] [--json]
 *
 * The QEMU process's RSS (its PID from the socket's SO_PEERCRED, then
 * /proc/PID/status), the balloon's actual size (query-balloon) and the
 * guest's own statistics (qom-get guest-stats on the balloon device).  No
 * libraries: a small JSON scanner below reads the few fields it needs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"

#define GREETING_MS	5000
#define REPLY_MS	10000
#define MSG_MAX		(1 << 20)	/* a qom-list reply is a few KiB */
#define JSON_DEPTH	32
#define POLL_S		2		/* guest-stats-polling-interval we set */
#define NO_STAT		UINT64_MAX	/* QEMU's "the guest never sent it" */
#define MAX_STATS	32

/* ---- JSON: just enough to read QMP replies ---------------------------- */

/* One value inside a message: [p, end). */
struct jv {
	const char *p, *end;
};

static const char *jws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Each function below takes p at the value's first byte and returns the
 * byte after it, or NULL when the text is not JSON. */
static const char *jstring_end(const char *p, const char *end)
{
	int i;

	for (p++; p < end; p++) {
		unsigned char c = *p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
			continue;
		if (++p >= end)
			return NULL;
		if (*p == 'u') {
			for (i = 0; i < 4; i++)
				if (++p >= end || !isxdigit((unsigned char)*p))
					return NULL;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return NULL;
}

static const char *jdigits(const char *p, const char *end)
{
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > start ? p : NULL;
}

static const char *jnumber_end(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else
		p = jdigits(p, end);
	if (p && p < end && *p == '.')
		p = jdigits(p + 1, end);
	if (p && p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		p = jdigits(p, end);
	}
	return p;
}

static const char *jword_end(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) >= n && !memcmp(p, w, n) ? p + n : NULL;
}

static const char *jvalue_end(const char *p, const char *end, int depth);

static const char *jcontainer_end(const char *p, const char *end, int depth)
{
	bool obj = *p == '{';
	char close = obj ? '}' : ']';

	p = jws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = p < end && *p == '"' ? jstring_end(p, end) : NULL;
			if (!p)
				return NULL;
			p = jws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = jws(p + 1, end);
		}
		p = jvalue_end(p, end, depth + 1);
		if (!p)
			return NULL;
		p = jws(p, end);
		if (p < end && *p == close)
			return p + 1;
		if (p >= end || *p != ',')
			return NULL;
		p = jws(p + 1, end);
	}
}

static const char *jvalue_end(const char *p, const char *end, int depth)
{
	if (p >= end || depth > JSON_DEPTH)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return jcontainer_end(p, end, depth);
	case '"':
		return jstring_end(p, end);
	case 't':
		return jword_end(p, end, "true");
	case 'f':
		return jword_end(p, end, "false");
	case 'n':
		return jword_end(p, end, "null");
	default:
		return jnumber_end(p, end);
	}
}

/* The member after *cur (NULL: the first) of an object already checked. */
static bool jmember(struct jv o, const char **cur, struct jv *key, struct jv *val)
{
	const char *p;

	if (o.p >= o.end || *o.p != '{')
		return false;
	p = jws(*cur ? *cur : o.p + 1, o.end);
	if (p < o.end && *p == ',')
		p = jws(p + 1, o.end);
	if (p >= o.end || *p != '"')
		return false;
	key->p = p;
	key->end = jstring_end(p, o.end);
	if (!key->end)
		return false;
	p = jws(key->end, o.end);
	if (p >= o.end || *p != ':')
		return false;
	val->p = jws(p + 1, o.end);
	val->end = jvalue_end(val->p, o.end, 0);
	*cur = val->end;
	return val->end != NULL;
}

/* The element after *cur (NULL: the first) of an array already checked. */
static bool jelem(struct jv a, const char **cur, struct jv *val)
{
	const char *p;

	if (a.p >= a.end || *a.p != '[')
		return false;
	p = jws(*cur ? *cur : a.p + 1, a.end);
	if (p < a.end && *p == ',')
		p = jws(p + 1, a.end);
	if (p >= a.end || *p == ']')
		return false;
	val->p = p;
	val->end = jvalue_end(p, a.end, 0);
	*cur = val->end;
	return val->end != NULL;
}

/* QMP's keys are plain ASCII: compare the raw bytes between the quotes. */
static bool jkey_is(struct jv key, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(key.end - key.p) == n + 2 && !memcmp(key.p + 1, name, n);
}

static bool jget(struct jv o, const char *name, struct jv *val)
{
	const char *cur = NULL;
	struct jv key;

	while (jmember(o, &cur, &key, val))
		if (jkey_is(key, name))
			return true;
	return false;
}

/* A non-negative integer that fits in 64 bits. */
static bool ju64(struct jv v, uint64_t *out)
{
	const char *p;

	*out = 0;
	if (v.p >= v.end)
		return false;
	for (p = v.p; p < v.end; p++) {
		unsigned int d = (unsigned char)*p - '0';

		if (d > 9 || *out > (UINT64_MAX - d) / 10)
			return false;
		*out = *out * 10 + d;
	}
	return true;
}

static bool jis(struct jv v, const char *word)
{
	return (size_t)(v.end - v.p) == strlen(word) && !memcmp(v.p, word, v.end - v.p);
}

/* A string's text, truncated to size; \u escapes past ASCII become '?'. */
static bool jstr(struct jv v, char *buf, size_t size)
{
	const char *p;
	size_t n = 0;
	char c;

	if (v.end - v.p < 2 || *v.p != '"')
		return false;
	for (p = v.p + 1; p < v.end - 1 && n + 1 < size; p++) {
		c = *p;
		if (c == '\\') {
			c = *++p;
			if (c == 'u') {
				char hex[5] = { p[1], p[2], p[3], p[4], 0 };
				unsigned long u = strtoul(hex, NULL, 16);

				c = u && u < 0x80 ? (char)u : '?';
				p += 4;
			} else {
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' :
				    c == 'b' ? '\b' : c == 'f' ? '\f' : c;
			}
		}
		buf[n++] = c;
	}
	buf[n] = 0;
	return true;
}

/* Text for a JSON string literal: quotes and backslashes escaped. */
static const char *jesc(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 7 < size; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			n += snprintf(buf + n, size - n, "\\%c", c);
		else if (c < 0x20)
			n += snprintf(buf + n, size - n, "\\u%04x", c);
		else
			buf[n++] = c;
	}
	buf[n] = 0;
	return buf;
}

/* ---- QMP ------------------------------------------------------------- */

struct qmp {
	const char *path;
	int fd;
	char *buf;
	size_t len, cap, used;		/* used: the message handed out last */
	unsigned int id;
	char cls[64], desc[256];	/* the last QMP error */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Length of the first whole top-level object in p, 0 if it is not all
 * here yet, -1 if the text is not JSON objects at all.  Only framing: the
 * message is checked properly once it is complete.
 */
static long frame(const char *p, size_t len)
{
	bool str = false, esc = false;
	long depth = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
		} else if (!depth && c != '{') {
			return -1;
		} else if (c == '"') {
			str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && !--depth) {
			return i + 1;
		}
	}
	return 0;
}

/* Up to 60 bytes of what the peer said, on one line, for a message. */
static const char *quote(const char *p, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (; len && n + 1 < size && n < 60; p++, len--) {
		if (*p == '\r' || (*p == '\n' && n && buf[n - 1] == ' '))
			continue;
		buf[n++] = *p == '\n' ? ' ' : isprint((unsigned char)*p) ? *p : '?';
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	return buf;
}

static int qmp_fill(struct qmp *q, double deadline, int timeout_ms,
		    const char *what)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	double left = deadline - now_s();
	char *grown;
	ssize_t n;
	int r;

	if (q->len == q->cap) {
		if (q->cap >= MSG_MAX) {
			fprintf(stderr, "aerstat: %s: a QMP message over %d bytes\n",
				q->path, MSG_MAX);
			return -1;
		}
		grown = realloc(q->buf, q->cap * 2);
		if (!grown) {
			fprintf(stderr, "aerstat: out of memory\n");
			return -1;
		}
		q->buf = grown;
		q->cap *= 2;
	}
	r = left > 0 ? poll(&pfd, 1, (int)(left * 1000) + 1) : 0;
	if (r < 0 && errno == EINTR)
		return 0;
	if (r == 0) {
		fprintf(stderr, "aerstat: %s: no %s from QEMU within %d s%s\n",
			q->path, what, timeout_ms / 1000,
			timeout_ms == GREETING_MS ? " (QEMU serves one QMP client per socket: is another connected?)" : "");
		return -1;
	}
	n = r < 0 ? -1 : read(q->fd, q->buf + q->len, q->cap - q->len);
	if (n <= 0) {
		fprintf(stderr, "aerstat: %s: QEMU closed the connection%s%s\n",
			q->path, n ? ": " : "", n ? strerror(errno) : "");
		return -1;
	}
	q->len += n;
	return 0;
}

/* The next message, valid until the next call.  what: for messages. */
static int qmp_next(struct qmp *q, int timeout_ms, const char *what, struct jv *msg)
{
	double deadline = now_s() + timeout_ms / 1e3;
	char said[64];
	size_t start;
	long n;

	if (q->used) {
		memmove(q->buf, q->buf + q->used, q->len - q->used);
		q->len -= q->used;
		q->used = 0;
	}
	for (;;) {
		start = jws(q->buf, q->buf + q->len) - q->buf;
		n = frame(q->buf + start, q->len - start);
		if (n < 0) {
			fprintf(stderr, "aerstat: %s does not speak QMP: it said \"%s\"\n",
				q->path, quote(q->buf + start, q->len - start,
					       said, sizeof(said)));
			return -1;
		}
		if (n > 0)
			break;
		if (qmp_fill(q, deadline, timeout_ms, what))
			return -1;
	}
	msg->p = q->buf + start;
	msg->end = msg->p + n;
	q->used = start + n;
	if (jvalue_end(msg->p, msg->end, 0) != msg->end) {
		fprintf(stderr, "aerstat: %s: QEMU sent JSON we cannot read: \"%s\"\n",
			q->path, quote(msg->p, n, said, sizeof(said)));
		return -1;
	}
	return 0;
}

static int send_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

/*
 * Run one command.  0: *ret is its "return" value; 1: QMP said no, in
 * q->cls and q->desc; -1: the connection failed, and we said so.
 */
static int qmp_cmd(struct qmp *q, const char *cmd, const char *args, struct jv *ret)
{
	char line[1024];
	struct jv msg, v;
	uint64_t id;
	int n;

	n = snprintf(line, sizeof(line), "{\"execute\":\"%s\"%s%s,\"id\":%u}\n",
		     cmd, args ? ",\"arguments\":" : "", args ? args : "", ++q->id);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "aerstat: %s: %s: arguments too long\n", q->path, cmd);
		return -1;
	}
	if (send_all(q->fd, line, n)) {
		fprintf(stderr, "aerstat: %s: QEMU closed the connection (sending %s: %s)\n",
			q->path, cmd, strerror(errno));
		return -1;
	}
	for (;;) {
		if (qmp_next(q, REPLY_MS, "reply", &msg))
			return -1;
		/* Events come whenever they like; replies carry our id. */
		if (!jget(msg, "id", &v) || !ju64(v, &id) || id != q->id)
			continue;
		if (jget(msg, "return", ret))
			return 0;
		q->cls[0] = 0;
		q->desc[0] = 0;
		if (jget(msg, "error", &v)) {
			struct jv s;

			if (jget(v, "class", &s))
				jstr(s, q->cls, sizeof(q->cls));
			if (jget(v, "desc", &s))
				jstr(s, q->desc, sizeof(q->desc));
		}
		return 1;
	}
}

static int qmp_connect(struct qmp *q)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct jv msg, v;

	if (strlen(q->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "aerstat: %s: path too long for a unix socket\n",
			q->path);
		return -1;
	}
	strcpy(sa.sun_path, q->path);
	q->cap = 4096;
	q->buf = malloc(q->cap);
	if (!q->buf) {
		fprintf(stderr, "aerstat: out of memory\n");
		return -1;
	}
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "aerstat: cannot connect to %s: %s (is QEMU running with -qmp unix:%s,server=on,wait=off?)\n",
			q->path, strerror(errno), q->path);
		return -1;
	}
	if (qmp_next(q, GREETING_MS, "greeting", &msg))
		return -1;
	if (!jget(msg, "QMP", &v)) {
		fprintf(stderr, "aerstat: %s does not speak QMP: no QMP greeting\n",
			q->path);
		return -1;
	}
	switch (qmp_cmd(q, "qmp_capabilities", NULL, &v)) {
	case 0:
		return 0;
	case 1:
		fprintf(stderr, "aerstat: %s: qmp_capabilities: %s\n", q->path,
			q->desc);
	}
	return -1;
}

/* ---- what we read ----------------------------------------------------- */

struct rss {
	int err;			/* errno reading /proc/PID/status */
	char name[32];
	long vm, anon, file, shmem;	/* KiB, -1 if not there */
};

struct stat_val {
	char name[48];			/* QEMU's name without "stat-" */
	uint64_t val;
};

struct sample {
	pid_t pid;
	struct rss rss;
	uint64_t actual;		/* bytes */
	uint64_t last_update;		/* host seconds; 0: never */
	int nstats;
	struct stat_val stats[MAX_STATS];
};

struct ctx {
	struct qmp q;
	bool json;
	double interval;
	long count;			/* 0: until interrupted */
	char balloon[256];		/* QOM path */
	int reporting;			/* free-page-reporting: 1, 0, -1 unknown */
	bool polling_started;		/* we set the polling interval */
	uint64_t poll_s;
};

static void read_rss(pid_t pid, struct rss *r)
{
	char path[64], line[256];
	FILE *f;

	*r = (struct rss){ .vm = -1, .anon = -1, .file = -1, .shmem = -1 };
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f) {
		r->err = pid > 0 ? errno : ESRCH;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Name: %31s", r->name);
		sscanf(line, "VmRSS: %ld", &r->vm);
		sscanf(line, "RssAnon: %ld", &r->anon);
		sscanf(line, "RssFile: %ld", &r->file);
		sscanf(line, "RssShmem: %ld", &r->shmem);
	}
	fclose(f);
	if (r->vm < 0)
		r->err = ENODATA;
}

/* 1: QMP refused, with a message saying what; -1: connection gone. */
static int refused(struct ctx *c, int rc, const char *what)
{
	if (rc > 0)
		fprintf(stderr, "aerstat: %s: %s: %s\n", c->q.path, what, c->q.desc);
	return rc ? 1 : 0;
}

static int qom_get(struct ctx *c, const char *path, const char *prop, struct jv *v)
{
	char args[600], esc[512];

	snprintf(args, sizeof(args), "{\"path\":\"%s\",\"property\":\"%s\"}",
		 jesc(path, esc, sizeof(esc)), prop);
	return qmp_cmd(&c->q, "qom-get", args, v);
}

/* The first child<virtio-balloon...> under /machine/peripheral{,-anon}. */
static int find_balloon(struct ctx *c)
{
	static const char *const roots[] = {
		"/machine/peripheral", "/machine/peripheral-anon",
	};
	char args[128], name[128], type[128];
	struct jv list, e, v;
	const char *cur;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(args, sizeof(args), "{\"path\":\"%s\"}", roots[i]);
		rc = qmp_cmd(&c->q, "qom-list", args, &list);
		if (rc < 0)
			return -1;
		for (cur = NULL; !rc && jelem(list, &cur, &e);) {
			if (!jget(e, "name", &v) || !jstr(v, name, sizeof(name)) ||
			    !jget(e, "type", &v) || !jstr(v, type, sizeof(type)))
				continue;
			if (strncmp(type, "child<virtio-balloon", 20))
				continue;
			snprintf(c->balloon, sizeof(c->balloon), "%s/%s", roots[i], name);
			return 0;
		}
	}
	fprintf(stderr, "aerstat: %s: query-balloon answers but no virtio-balloon device is under /machine/peripheral or /machine/peripheral-anon; name it with --balloon QOM-PATH\n",
		c->q.path);
	return 1;
}

/* free-page-reporting lives on the virtio device, behind a PCI proxy. */
static void read_reporting(struct ctx *c)
{
	char path[300];
	struct jv v;

	c->reporting = -1;
	snprintf(path, sizeof(path), "%s/virtio-backend", c->balloon);
	if (qom_get(c, path, "free-page-reporting", &v) &&
	    qom_get(c, c->balloon, "free-page-reporting", &v))
		return;
	c->reporting = jis(v, "true") ? 1 : jis(v, "false") ? 0 : -1;
}

/* Stats come only while QEMU polls the guest for them: start it if off. */
static int start_polling(struct ctx *c)
{
	char args[600], esc[512];
	struct jv v;
	int rc;

	rc = qom_get(c, c->balloon, "guest-stats-polling-interval", &v);
	if (rc)
		return refused(c, rc, "reading guest-stats-polling-interval (is --balloon the balloon device?)");
	if (!ju64(v, &c->poll_s))
		c->poll_s = 0;
	if (c->poll_s)
		return 0;
	snprintf(args, sizeof(args),
		 "{\"path\":\"%s\",\"property\":\"guest-stats-polling-interval\",\"value\":%d}",
		 jesc(c->balloon, esc, sizeof(esc)), POLL_S);
	rc = qmp_cmd(&c->q, "qom-set", args, &v);
	if (rc)
		return refused(c, rc, "setting guest-stats-polling-interval");
	c->poll_s = POLL_S;
	c->polling_started = true;
	return 0;
}

static int setup(struct ctx *c)
{
	struct jv v;
	int rc;

	rc = qmp_cmd(&c->q, "query-balloon", NULL, &v);
	if (rc > 0 && !strcmp(c->q.cls, "DeviceNotActive")) {
		fprintf(stderr, "aerstat: %s: this guest has no balloon device (QEMU: %s); start it with -device virtio-balloon-pci,free-page-reporting=on\n",
			c->q.path, c->q.desc);
		return 1;
	}
	if (rc)
		return refused(c, rc, "query-balloon");
	if (!c->balloon[0]) {
		rc = find_balloon(c);
		if (rc)
			return 1;
	}
	rc = start_polling(c);
	if (!rc)
		read_reporting(c);
	return rc;
}

static void read_stats(struct sample *s, struct jv stats)
{
	const char *cur = NULL;
	struct jv key, val;
	char name[48];
	uint64_t x;
	char *p;

	while (s->nstats < MAX_STATS && jmember(stats, &cur, &key, &val)) {
		if (!jstr(key, name, sizeof(name)) || !ju64(val, &x) || x == NO_STAT)
			continue;
		/* The names go into our JSON unescaped: QEMU's own only. */
		if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-")])
			continue;
		p = strncmp(name, "stat-", 5) ? name : name + 5;
		snprintf(s->stats[s->nstats].name, sizeof(s->stats[0].name), "%s", p);
		s->stats[s->nstats++].val = x;
	}
}

static int take_sample(struct ctx *c, struct sample *s)
{
	struct jv v, m;
	int rc;

	read_rss(s->pid, &s->rss);
	rc = qmp_cmd(&c->q, "query-balloon", NULL, &v);
	if (rc)
		return refused(c, rc, "query-balloon");
	if (!jget(v, "actual", &m) || !ju64(m, &s->actual)) {
		fprintf(stderr, "aerstat: %s: query-balloon has no actual size\n",
			c->q.path);
		return 1;
	}
	rc = qom_get(c, c->balloon, "guest-stats", &v);
	if (rc)
		return refused(c, rc, "reading guest-stats");
	s->nstats = 0;
	if (!jget(v, "last-update", &m) || !ju64(m, &s->last_update))
		s->last_update = 0;
	if (s->last_update && jget(v, "stats", &m))
		read_stats(s, m);
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static const struct {
	const char *name, *label;
	bool bytes;
} known[] = {
	{ "total-memory", "total memory", true },
	{ "free-memory", "free memory", true },
	{ "available-memory", "available memory", true },
	{ "disk-caches", "disk caches", true },
	{ "swap-in", "swapped in", true },
	{ "swap-out", "swapped out", true },
	{ "major-faults", "major faults", false },
	{ "minor-faults", "minor faults", false },
	{ "htlb-pgalloc", "hugetlb allocations", false },
	{ "htlb-pgfail", "hugetlb failures", false },
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

static long age_s(const struct sample *s)
{
	long age = (long)time(NULL) - (long)s->last_update;

	return age > 0 ? age : 0;
}

static void print_rss(const struct sample *s)
{
	const struct rss *r = &s->rss;

	if (s->pid <= 0) {
		printf("qemu: pid unknown (QEMU runs in another PID namespace?), rss unknown\n");
		return;
	}
	if (r->err) {
		printf("qemu: pid %d, rss unknown (/proc/%d/status: %s)\n",
		       (int)s->pid, (int)s->pid, strerror(r->err));
		return;
	}
	printf("qemu: pid %d (%s), rss %.1f MiB: anon %.1f, file %.1f, shmem %.1f MiB\n",
	       (int)s->pid, r->name, r->vm / 1024.0, r->anon / 1024.0,
	       r->file / 1024.0, r->shmem / 1024.0);
}

static void print_stats(const struct ctx *c, const struct sample *s)
{
	bool shown[MAX_STATS] = { false };
	size_t k;
	int i;

	if (!s->last_update) {
		printf("no guest stats yet: the guest has not answered (QEMU asks every %llu s%s)\n",
		       (unsigned long long)c->poll_s,
		       c->polling_started ? "; polling was off, aerstat turned it on" : "");
		return;
	}
	printf("guest stats, %ld s old:\n", age_s(s));
	for (k = 0; k < NKNOWN; k++)
		for (i = 0; i < s->nstats; i++) {
			if (strcmp(s->stats[i].name, known[k].name))
				continue;
			shown[i] = true;
			if (known[k].bytes)
				printf("  %-20s %12.1f MiB\n", known[k].label,
				       s->stats[i].val / 1048576.0);
			else
				printf("  %-20s %12llu\n", known[k].label,
				       (unsigned long long)s->stats[i].val);
		}
	for (i = 0; i < s->nstats; i++)	/* newer QEMU, newer names */
		if (!shown[i])
			printf("  %-20s %12llu\n", s->stats[i].name,
			       (unsigned long long)s->stats[i].val);
}

static void print_text(const struct ctx *c, const struct sample *s, bool stamp)
{
	char clock[16];
	time_t t = time(NULL);

	if (stamp) {
		strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
		printf("%s\n", clock);
	}
	print_rss(s);
	printf("balloon: %s, actual %.1f MiB, free page reporting %s\n",
	       c->balloon, s->actual / 1048576.0,
	       c->reporting < 0 ? "unknown" : c->reporting ? "on" : "off");
	print_stats(c, s);
}

static void json_kib(const char *key, bool ok, long v)
{
	if (ok)
		printf(",\"%s\":%ld", key, v);
	else
		printf(",\"%s\":null", key);
}

static void print_json(const struct ctx *c, const struct sample *s)
{
	bool rss = s->pid > 0 && !s->rss.err;
	struct timespec ts;
	char esc[512];
	const char *p;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("{\"time\":%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	json_kib("qemu_pid", s->pid > 0, s->pid);
	json_kib("rss_kib", rss, s->rss.vm);
	json_kib("rss_anon_kib", rss && s->rss.anon >= 0, s->rss.anon);
	json_kib("rss_file_kib", rss && s->rss.file >= 0, s->rss.file);
	json_kib("rss_shmem_kib", rss && s->rss.shmem >= 0, s->rss.shmem);
	printf(",\"balloon\":\"%s\",\"balloon_actual_bytes\":%llu,\"free_page_reporting\":%s,\"stats_polling_s\":%llu,\"guest_stats\":",
	       jesc(c->balloon, esc, sizeof(esc)), (unsigned long long)s->actual,
	       c->reporting < 0 ? "null" : c->reporting ? "true" : "false",
	       (unsigned long long)c->poll_s);
	if (!s->last_update) {
		printf("null}\n");
		return;
	}
	printf("{\"last_update\":%llu,\"age_s\":%ld",
	       (unsigned long long)s->last_update, age_s(s));
	for (i = 0; i < s->nstats; i++) {
		putchar(',');
		putchar('"');
		for (p = s->stats[i].name; *p; p++)
			putchar(*p == '-' ? '_' : *p);
		printf("\":%llu", (unsigned long long)s->stats[i].val);
	}
	printf("}}\n");
}

/* ---- options and main -------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: aerstat --qmp PATH [--balloon QOM-PATH] [-i SECONDS] [-n COUNT] [--json]\n"
"\n"
"One QEMU guest's memory as the host sees it, through its QMP socket\n"
"(QEMU started with -qmp unix:PATH,server=on,wait=off):\n"
"\n"
"  qemu         the QEMU process's resident memory (VmRSS, and its anon,\n"
"               file and shmem parts, from /proc/PID/status; the PID comes\n"
"               from the socket).  Guest RAM is anon memory, or shmem with a\n"
"               memfd or shared memory backend; hugetlbfs pages do not count.\n"
"  balloon      the balloon's actual size (query-balloon): guest RAM minus\n"
"               what the balloon holds.  Free page reporting does not change\n"
"               it: reported pages leave the RSS, not the balloon.\n"
"  guest stats  the guest's own figures (free, available, caches, faults),\n"
"               sent by its balloon driver when QEMU asks.  QEMU asks only\n"
"               with guest-stats-polling-interval set: if it is 0, aerstat\n"
"               sets it to 2 s and leaves it so (set it back with qom-set).\n"
"               Until the guest answers there are no stats, and aerstat says\n"
"               so.\n"
"\n"
"  --qmp PATH            the QMP unix socket (required)\n"
"  --balloon QOM-PATH    the balloon device, if aerstat does not find it\n"
"                        under /machine/peripheral{,-anon}\n"
"  -i SECONDS            a sample every SECONDS (fractions allowed);\n"
"                        without -n, until interrupted\n"
"  -n COUNT              COUNT samples (default 1), 1 s apart unless -i\n"
"  --json                one JSON object per line and sample; RSS in KiB,\n"
"                        balloon and memory stats in bytes, null if unknown\n"
"  -h, --help            this text\n"
"\n"
"QEMU serves one QMP client per socket: aerstat waits 5 s for the greeting.\n"
"Exit status: 0 done, 1 no QEMU, not QMP or no balloon, 2 bad usage.\n");
}

static int bad_usage(const char *what, const char *val)
{
	fprintf(stderr, "aerstat: %s%s%s%s\ntry 'aerstat --help'\n", what,
		val ? ": '" : "", val ? val : "", val ? "'" : "");
	return 2;
}

static int parse_opts(int argc, char **argv, struct ctx *c)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "qmp", required_argument, NULL, 'q' },
		{ "balloon", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_i = false, have_n = false;
	unsigned long n;
	int o;

	c->count = 1;
	c->interval = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":i:n:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'q':
			c->q.path = optarg;
			break;
		case 'b':
			if (!*optarg || strlen(optarg) >= sizeof(c->balloon))
				return bad_usage("--balloon wants a QOM path", optarg);
			strcpy(c->balloon, optarg);
			break;
		case 'i':
			if (!parse_seconds(optarg, &c->interval))
				return bad_usage("-i wants seconds from 0 to 86400", optarg);
			have_i = true;
			break;
		case 'n':
			if (!parse_ulong(optarg, LONG_MAX, &n) || !n)
				return bad_usage("-n wants a count of 1 or more", optarg);
			c->count = n;
			have_n = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			return bad_usage("option needs a value", opt_name(argv));
		default:
			return bad_usage("unknown option", opt_name(argv));
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);
	if (!c->q.path || !*c->q.path)
		return bad_usage("--qmp PATH is required", NULL);
	if (have_i && !have_n)
		c->count = 0;
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s };

	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int run(struct ctx *c)
{
	struct sample s = { 0 };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int rc;
	long i;

	if (qmp_connect(&c->q))
		return 1;
	/* The peer is QEMU itself: its PID finds its memory in /proc. */
	if (!getsockopt(c->q.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		s.pid = cred.pid;
	rc = setup(c);
	for (i = 0; !rc && (!c->count || i < c->count); i++) {
		if (i)
			sleep_s(c->interval);
		rc = take_sample(c, &s);
		if (rc)
			break;
		if (c->json)
			print_json(c, &s);
		else
			print_text(c, &s, c->count != 1);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct ctx c = { .q = { .fd = -1 } };
	int rc;

	rc = parse_opts(argc, argv, &c);
	if (rc)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = run(&c);
	if (c.q.fd >= 0)
		close(c.q.fd);
	free(c.q.buf);
	return rc;
}
