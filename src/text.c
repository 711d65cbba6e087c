/* Text checks shared by the pages and the command line. */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "db.h"

/*
 * Returns 1 if the len bytes at s are well-formed UTF-8 (no overlong forms,
 * no surrogates, nothing above U+10FFFF), else 0.
 */
int
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned int		 cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1; cp = p[i] & 0x1f; min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2; cp = p[i] & 0x0f; min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3; cp = p[i] & 0x07; min = 0x10000;
		} else
			return 0;
		if (n >= len - i)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Returns 1 if the len bytes at s hold an ASCII control character or DEL, else 0. */
int
text_has_control(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Returns NULL if name is an acceptable username (1 to DB_USERNAME_MAX
 * bytes of UTF-8 text, no control character, no space at either end),
 * else why not, in one sentence.
 */
const char *
text_username_problem(const char *name)
{
	size_t	 len = strlen(name);

	if (len == 0 || len > DB_USERNAME_MAX)
		return "a username has 1 to " DB_STR(DB_USERNAME_MAX) " bytes";
	if (!text_utf8_valid(name, len) || text_has_control(name, len))
		return "a username must be UTF-8 text without control characters";
	if (name[0] == ' ' || name[len - 1] == ' ')
		return "a username may not begin or end with a space";
	return NULL;
}

/*
 * Writes in percent-encoded into out: letters, digits, "-._~" and the
 * characters in keep stay, every other byte becomes %XX. Returns 0, or -1
 * if it does not fit in outsz (out is then "").
 */
int
text_percent_encode(const char *in, const char *keep, char *out, size_t outsz)
{
	const unsigned char *p;
	size_t		 o = 0;
	int		 n;

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || strchr("-._~", *p) != NULL ||
		    strchr(keep, *p) != NULL)
			n = snprintf(out + o, outsz - o, "%c", *p);
		else
			n = snprintf(out + o, outsz - o, "%%%02X", *p);
		if (n < 0 || (size_t)n >= outsz - o) {
			out[0] = '\0';
			return -1;
		}
		o += (size_t)n;
	}
	if (outsz > 0)
		out[o] = '\0';
	return outsz > 0 ? 0 : -1;
}
