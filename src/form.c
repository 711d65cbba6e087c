/* application/x-www-form-urlencoded parsing (request bodies and query strings). */
#include "form.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Returns the value of hex digit c, or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes %XX escapes and '+' in the len bytes at s, in place, and
 * NUL-terminates the result. Returns 0, or -1 on a broken escape or an
 * encoded NUL byte.
 */
int
url_decode(char *s, size_t len, size_t *outlen)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			s[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '\0') {
			return -1;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	*outlen = o;
	return 0;
}

/*
 * Parses name=value pairs separated by '&' from the len bytes at text.
 * Returns 0, or -1 if the encoding is malformed or there are more than
 * FORM_MAX_FIELDS pairs. The form must be freed with form_free either way.
 */
int
form_parse(struct form *f, const char *text, size_t len)
{
	char	*p, *end, *amp, *eq;
	size_t	 nlen, vlen;

	memset(f, 0, sizeof(*f));
	f->store_len = len;
	if ((f->store = malloc(len + 1)) == NULL)
		return -1;
	memcpy(f->store, text, len);
	f->store[len] = '\0';
	for (p = f->store, end = f->store + len; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		*amp = '\0';
		if (amp == p)
			continue;
		if (f->n == FORM_MAX_FIELDS)
			return -1;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) != NULL)
			*eq = '\0';
		if (url_decode(p, (size_t)((eq != NULL ? eq : amp) - p), &nlen) == -1)
			return -1;
		f->field[f->n].name = p;
		if (eq != NULL) {
			if (url_decode(eq + 1, (size_t)(amp - eq - 1), &vlen) == -1)
				return -1;
			f->field[f->n].value = eq + 1;
			f->field[f->n].value_len = vlen;
		} else {
			f->field[f->n].value = amp;	/* the empty string */
			f->field[f->n].value_len = 0;
		}
		f->n++;
	}
	return 0;
}

/* Returns the first value of the named field, or NULL if absent. */
const char *
form_get(const struct form *f, const char *name)
{
	int	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->field[i].name, name) == 0)
			return f->field[i].value;
	return NULL;
}

/* Wipes and frees the decoded text (it may hold a password); safe on a zeroed form. */
void
form_free(struct form *f)
{
	if (f == NULL || f->store == NULL)
		return;
	sodium_memzero(f->store, f->store_len);
	free(f->store);
	memset(f, 0, sizeof(*f));
}
