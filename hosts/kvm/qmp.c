// SPDX-License-Identifier: GPL-2.0
/* The QMP client of qmp.h. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"
#include "../cli.h"

#define MSG_MAX		(1 << 20)	/* a qom-list reply is a few KiB */
#define JSON_DEPTH	32

/* ---- JSON: just enough to read QMP replies ---------------------------- */


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
bool jmember(struct jv o, const char **cur, struct jv *key, struct jv *val)
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
bool jelem(struct jv a, const char **cur, struct jv *val)
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

bool jget(struct jv o, const char *name, struct jv *val)
{
	const char *cur = NULL;
	struct jv key;

	while (jmember(o, &cur, &key, val))
		if (jkey_is(key, name))
			return true;
	return false;
}

/* A non-negative integer that fits in 64 bits. */
bool ju64(struct jv v, uint64_t *out)
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

bool jis(struct jv v, const char *word)
{
	return (size_t)(v.end - v.p) == strlen(word) && !memcmp(v.p, word, v.end - v.p);
}

/* A string's text, truncated to size; \u escapes past ASCII become '?'. */
bool jstr(struct jv v, char *buf, size_t size)
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
const char *jesc(const char *s, char *buf, size_t size)
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
	double left = deadline - now();
	char *grown;
	ssize_t n;
	int r;

	if (q->len == q->cap) {
		if (q->cap >= MSG_MAX) {
			fprintf(stderr, "%s: %s: a QMP message over %d bytes\n", q->who,
				q->path, MSG_MAX);
			return -1;
		}
		grown = realloc(q->buf, q->cap * 2);
		if (!grown) {
			fprintf(stderr, "%s: out of memory\n", q->who);
			return -1;
		}
		q->buf = grown;
		q->cap *= 2;
	}
	r = left > 0 ? poll(&pfd, 1, (int)(left * 1000) + 1) : 0;
	if (r < 0 && errno == EINTR)
		return 0;
	if (r == 0) {
		fprintf(stderr, "%s: %s: no %s from QEMU within %d s%s\n", q->who,
			q->path, what, timeout_ms / 1000,
			timeout_ms == GREETING_MS ? " (QEMU serves one QMP client per socket: is another connected?)" : "");
		return -1;
	}
	n = r < 0 ? -1 : read(q->fd, q->buf + q->len, q->cap - q->len);
	if (n <= 0) {
		fprintf(stderr, "%s: %s: QEMU closed the connection%s%s\n", q->who,
			q->path, n ? ": " : "", n ? strerror(errno) : "");
		return -1;
	}
	q->len += n;
	return 0;
}

/* The next message, valid until the next call.  what: for messages. */
int qmp_next(struct qmp *q, int timeout_ms, const char *what, struct jv *msg)
{
	double deadline = now() + timeout_ms / 1e3;
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
			fprintf(stderr, "%s: %s does not speak QMP: it said \"%s\"\n", q->who,
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
		fprintf(stderr, "%s: %s: QEMU sent JSON we cannot read: \"%s\"\n", q->who,
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
int qmp_cmd(struct qmp *q, const char *cmd, const char *args, struct jv *ret)
{
	char line[1024];
	struct jv msg, v;
	uint64_t id;
	int n;

	n = snprintf(line, sizeof(line), "{\"execute\":\"%s\"%s%s,\"id\":%u}\n",
		     cmd, args ? ",\"arguments\":" : "", args ? args : "", ++q->id);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "%s: %s: %s: arguments too long\n", q->who, q->path, cmd);
		return -1;
	}
	if (send_all(q->fd, line, n)) {
		fprintf(stderr, "%s: %s: QEMU closed the connection (sending %s: %s)\n", q->who,
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

int qmp_connect(struct qmp *q)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct jv msg, v;

	if (strlen(q->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: %s: path too long for a unix socket\n", q->who,
			q->path);
		return -1;
	}
	strcpy(sa.sun_path, q->path);
	q->cap = 4096;
	q->buf = malloc(q->cap);
	if (!q->buf) {
		fprintf(stderr, "%s: out of memory\n", q->who);
		return -1;
	}
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "%s: cannot connect to %s: %s (is QEMU running with -qmp unix:%s,server=on,wait=off?)\n", q->who,
			q->path, strerror(errno), q->path);
		return -1;
	}
	if (qmp_next(q, GREETING_MS, "greeting", &msg))
		return -1;
	if (!jget(msg, "QMP", &v)) {
		fprintf(stderr, "%s: %s does not speak QMP: no QMP greeting\n", q->who,
			q->path);
		return -1;
	}
	switch (qmp_cmd(q, "qmp_capabilities", NULL, &v)) {
	case 0:
		return 0;
	case 1:
		fprintf(stderr, "%s: %s: qmp_capabilities: %s\n", q->who, q->path,
			q->desc);
	}
	return -1;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->buf);
	q->buf = NULL;
}
