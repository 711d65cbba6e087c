/* A FastCGI request's records, checked before libfcgi reads (and allocates for) them. */
#include "fcgi_check.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "clock.h"

#define FCGI_HEADER_LEN		8
#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_AUTHORIZER		2	/* Apache mod_authnz_fcgi: PARAMS only, no STDIN follows */
#define FCGI_ROLE_MAX		3	/* responder, authorizer, filter: the roles libfcgi takes */
#define FCGI_CHECK_SLACK	4096	/* BEGIN_REQUEST, record headers and padding */
#define FCGI_CHECK_NAP_MS	2	/* between looks at a request that is arriving in parts */

/* Where a request is in the only sequence a web server sends. */
enum fcgi_stage {
	STAGE_BEGIN,		/* expecting FCGI_BEGIN_REQUEST */
	STAGE_PARAMS,		/* FCGI_PARAMS until an empty one */
	STAGE_STDIN,		/* FCGI_STDIN until an empty one or max_body bytes */
};

struct fcgi_check {
	size_t		 max_body;
	size_t		 cap;		/* bytes of buf: the largest request admitted */
	unsigned char	*buf;		/* what recv(MSG_PEEK) shows of the connection */
	int		 ended;		/* the last request admitted came with its last record */
	unsigned char	 params[FCGI_PARAMS_MAX];	/* the PARAMS stream, joined */
};

/*
 * Makes a checker for requests whose bodies are at most max_body bytes
 * (larger bodies are seen up to max_body: the worker reads no more).
 * Returns it, or NULL when out of memory.
 */
struct fcgi_check *
fcgi_check_new(size_t max_body)
{
	struct fcgi_check *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->max_body = max_body;
	c->cap = FCGI_PARAMS_MAX + FCGI_CHECK_SLACK + max_body + max_body / 4;
	if ((c->buf = malloc(c->cap)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

/* Frees a checker; NULL is fine. */
void
fcgi_check_free(struct fcgi_check *c)
{
	if (c == NULL)
		return;
	free(c->buf);
	free(c);
}

/*
 * Reads one name-value length (one byte, or four with the high bit set)
 * at *off in p[0..len). Returns 0 with *out and *off advanced, or -1.
 */
static int
fcgi_check_length(const unsigned char *p, size_t len, size_t *off,
    size_t *out)
{
	if (*off >= len)
		return -1;
	if ((p[*off] & 0x80) == 0) {
		*out = p[(*off)++];
		return 0;
	}
	if (len - *off < 4)
		return -1;
	*out = ((size_t)(p[*off] & 0x7f) << 24) | ((size_t)p[*off + 1] << 16) |
	    ((size_t)p[*off + 2] << 8) | p[*off + 3];
	*off += 4;
	return 0;
}

/*
 * Checks that every name-value pair of the joined PARAMS stream fits in
 * it, so that libfcgi never allocates more than the stream holds.
 * Returns 0, or -1 with why.
 */
static int
fcgi_check_pairs(const unsigned char *p, size_t len, const char **why)
{
	size_t	 off = 0, nlen, vlen;

	while (off < len) {
		if (fcgi_check_length(p, len, &off, &nlen) == -1 ||
		    fcgi_check_length(p, len, &off, &vlen) == -1) {
			*why = "name-value length cut short";
			return -1;
		}
		if (nlen > len - off || vlen > len - off - nlen) {
			*why = "name-value pair longer than the parameters sent";
			return -1;
		}
		off += nlen + vlen;
	}
	return 0;
}

/*
 * Checks one complete-enough record header h (for a request whose id is
 * *id, 0 before FCGI_BEGIN_REQUEST) against the stage. Returns 0, or -1
 * with why.
 */
static int
fcgi_check_header(const unsigned char *h, enum fcgi_stage stage,
    unsigned id, const char **why)
{
	static const int want[] = {
		[STAGE_BEGIN] = FCGI_BEGIN_REQUEST,
		[STAGE_PARAMS] = FCGI_PARAMS,
		[STAGE_STDIN] = FCGI_STDIN,
	};
	unsigned rid = (unsigned)h[2] << 8 | h[3];

	if (h[0] != FCGI_VERSION_1)
		*why = "not FastCGI version 1";
	else if (rid == 0)
		*why = "management record";
	else if (h[1] != want[stage])
		*why = "record of an unexpected type";
	else if (stage != STAGE_BEGIN && rid != id)
		*why = "record for another request";
	else if (stage == STAGE_BEGIN &&
	    ((unsigned)h[4] << 8 | h[5]) != FCGI_HEADER_LEN)
		*why = "malformed FCGI_BEGIN_REQUEST";
	else
		return 0;
	return -1;
}

/*
 * Checks the records at data[0..len), the start of a connection: one
 * request as a web server sends it (BEGIN_REQUEST with a role libfcgi
 * takes, PARAMS whose pairs fit in at most FCGI_PARAMS_MAX bytes, then
 * STDIN), nothing else. Returns 1 when the request is complete up to what
 * the worker will read (an empty STDIN record, or max_body bytes of it; for
 * an AUTHORIZER request, which has no body, the empty PARAMS record),
 * 0 when it is well-formed so far but incomplete, -1 with why when it is
 * malformed. After a 1, fcgi_check_ended tells which of the two it was.
 */
int
fcgi_check_records(struct fcgi_check *c, const unsigned char *data,
    size_t len, const char **why)
{
	enum fcgi_stage	 stage = STAGE_BEGIN;
	const unsigned char *h, *body;
	size_t		 off = 0, plen = 0, stdin_len = 0, clen;
	unsigned	 id = 0, role = 0;

	c->ended = 0;
	while (len - off >= FCGI_HEADER_LEN) {
		h = data + off;
		if (fcgi_check_header(h, stage, id, why) == -1)
			return -1;
		clen = (size_t)h[4] << 8 | h[5];
		if (len - off - FCGI_HEADER_LEN < clen + h[6])
			return 0;
		body = h + FCGI_HEADER_LEN;
		off += FCGI_HEADER_LEN + clen + h[6];
		switch (stage) {
		case STAGE_BEGIN:
			role = (unsigned)body[0] << 8 | body[1];
			if (role == 0 || role > FCGI_ROLE_MAX) {
				*why = "unknown FastCGI role";
				return -1;
			}
			id = (unsigned)h[2] << 8 | h[3];
			stage = STAGE_PARAMS;
			break;
		case STAGE_PARAMS:
			if (clen == 0) {
				if (fcgi_check_pairs(c->params, plen, why) == -1)
					return -1;
				if (role == FCGI_AUTHORIZER)
					return c->ended = 1;
				stage = STAGE_STDIN;
				break;
			}
			if (clen > sizeof(c->params) - plen) {
				*why = "parameters too large";
				return -1;
			}
			memcpy(c->params + plen, body, clen);
			plen += clen;
			break;
		case STAGE_STDIN:
			stdin_len += clen;
			c->ended = clen == 0;
			if (clen == 0 || stdin_len >= c->max_body)
				return 1;
			break;
		}
	}
	return 0;
}

/*
 * Waits until more than have bytes are queued on fd, or until the
 * deadline (CLOCK_MONOTONIC ms). Returns 0, or -1 with why.
 */
static int
fcgi_check_more(int fd, size_t have, int64_t deadline, const char **why)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	int64_t		 left;
	int		 queued;

	for (;;) {
		if ((left = deadline - clock_ms()) <= 0) {
			*why = "request incomplete after request_read_timeout";
			return -1;
		}
		pfd.revents = 0;
		if (poll(&pfd, 1, have == 0 ? (int)left : 0) == -1 &&
		    errno != EINTR) {
			*why = "cannot poll the connection";
			return -1;
		}
		if (ioctl(fd, FIONREAD, &queued) == -1) {
			*why = "cannot read the connection";
			return -1;
		}
		if (queued > 0 && (size_t)queued > have)
			return 0;
		if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			*why = "connection closed before the request was complete";
			return -1;
		}
		if (have > 0)
			poll(NULL, 0, left < FCGI_CHECK_NAP_MS ? (int)left :
			    FCGI_CHECK_NAP_MS);
	}
}

/*
 * Looks at what arrives on the accepted connection fd without consuming
 * it, for at most timeout_ms, until one whole well-formed request is
 * there (see fcgi_check_records). Returns 1 then (libfcgi will read the
 * same bytes), or -1 with why: malformed, larger than the checker admits,
 * closed, or incomplete at the deadline.
 */
int
fcgi_check_wait(struct fcgi_check *c, int fd, int timeout_ms,
    const char **why)
{
	int64_t	 deadline = clock_ms() + timeout_ms;
	ssize_t	 n;
	int	 rc;

	for (;;) {
		/* a web server sends a request in one write: look before waiting */
		if ((n = recv(fd, c->buf, c->cap, MSG_PEEK | MSG_DONTWAIT)) < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			*why = "cannot read the connection";
			return -1;
		}
		if (n <= 0)	/* nothing yet, or closed: fcgi_check_more tells which */
			n = 0;
		else if ((rc = fcgi_check_records(c, c->buf, (size_t)n, why)) != 0)
			return rc;
		else if ((size_t)n == c->cap) {
			*why = "request larger than its parameters and max_body allow";
			return -1;
		}
		if (fcgi_check_more(fd, (size_t)n, deadline, why) == -1)
			return -1;
	}
}

/*
 * Whether the request fcgi_check_records (or fcgi_check_wait) last
 * admitted arrived with its last record (the empty FCGI_STDIN, or an
 * AUTHORIZER's empty FCGI_PARAMS): then the web server sends nothing more
 * on the connection unless it asked to keep it. Not so for a request cut at
 * max_body bytes of its body.
 */
int
fcgi_check_ended(const struct fcgi_check *c)
{
	return c->ended;
}
