/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A QMP client and just enough JSON to read QMP replies, for the host
 * tools: aerstat reads a guest's memory with it, hostrun removes a device.
 * No libraries.  Errors are printed to stderr as "WHO: ...".
 */
#ifndef AER_QMP_H
#define AER_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GREETING_MS	5000
#define REPLY_MS	10000

/* One value inside a message: [p, end). */
struct jv {
	const char *p, *end;
};

struct qmp {
	const char *who;		/* the program, for messages */
	const char *path;
	int fd;
	char *buf;
	size_t len, cap, used;		/* used: the message handed out last */
	unsigned int id;
	char cls[64], desc[256];	/* the last QMP error */
};

/* Connect to the socket at q->path and leave capabilities negotiation. */
int qmp_connect(struct qmp *q);
/*
 * Run one command.  0: *ret is its "return" value; 1: QMP said no, in
 * q->cls and q->desc; -1: the connection failed, and we said so.
 */
int qmp_cmd(struct qmp *q, const char *cmd, const char *args, struct jv *ret);
/* The next message, valid until the next call.  what: for messages. */
int qmp_next(struct qmp *q, int timeout_ms, const char *what, struct jv *msg);
void qmp_close(struct qmp *q);

/* The member @name of object @o. */
bool jget(struct jv o, const char *name, struct jv *val);
/* Walk an object's members or an array's elements; *cur starts at NULL. */
bool jmember(struct jv o, const char **cur, struct jv *key, struct jv *val);
bool jelem(struct jv a, const char **cur, struct jv *val);
bool ju64(struct jv v, uint64_t *out);
bool jis(struct jv v, const char *word);
bool jstr(struct jv v, char *buf, size_t size);
/* Text for a JSON string literal: quotes and backslashes escaped. */
const char *jesc(const char *s, char *buf, size_t size);

#endif /* AER_QMP_H */
