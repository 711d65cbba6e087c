/* Growable, bounded byte buffer: the one way text is built. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepares an empty buffer that will refuse to grow past max bytes. */
void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/* Releases the buffer's memory; safe on a zeroed or already freed buffer. */
void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

/* Empties the buffer but keeps its memory for reuse. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Ensures room for n more bytes plus a NUL. Returns 0, or -1 past max or on ENOMEM. */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, ncap;
	char	*p;

	if (b->failed || n > b->max || b->len > b->max - n) {
		b->failed = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

/* Appends n bytes. Returns 0, or -1 (and marks the buffer failed) if it would exceed max. */
int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends a NUL-terminated string. Returns 0 or -1 as buf_append. */
int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/*
 * Appends printf-formatted text: formatted once into the room the buffer
 * already has, a second time only when it did not fit. Returns 0 or -1 as
 * buf_append.
 */
int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	size_t	 room = b->cap > b->len ? b->cap - b->len : 0;
	int	 n;

	va_copy(ap2, ap);
	n = b->failed ? -1 : vsnprintf(room > 0 ? b->data + b->len : NULL, room,
	    fmt, ap2);
	va_end(ap2);
	if (n >= 0 && (size_t)n < room && (size_t)n <= b->max - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	if (n < 0 || buf_reserve(b, (size_t)n) == -1) {
		b->failed = 1;
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return -1;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

/* Appends printf-formatted text. Returns 0 or -1 as buf_append. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Returns the contents as a string; "" for an empty buffer. */
const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}
