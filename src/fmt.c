/*
 * Bounded copies and decimal numbers without printf, for what every request
 * formats. snprintf parses its format at every call: on the dashboard its
 * dozen calls (a path, a name, a counter, the times, the status line) were
 * about a tenth of a worker's instructions per request.
 */
#include "fmt.h"

#include <string.h>

/*
 * Copies at most n bytes of src (less if it ends first) into dst, which
 * holds size bytes, always NUL-terminated when size > 0. Returns how long
 * the whole copy would be: size or more means it was cut.
 */
size_t
fmt_copy_n(char *dst, size_t size, const char *src, size_t n)
{
	size_t	 len = strnlen(src, n), kept;

	if (size > 0) {
		kept = len < size ? len : size - 1;
		memcpy(dst, src, kept);
		dst[kept] = '\0';
	}
	return len;
}

/* Copies src into dst as fmt_copy_n does, with no limit but dst's size. */
size_t
fmt_copy(char *dst, size_t size, const char *src)
{
	return fmt_copy_n(dst, size, src, (size_t)-1);
}

/* Writes v in decimal into dst, NUL-terminated. Returns its length. */
size_t
fmt_int(char dst[FMT_INT_MAX], long long v)
{
	char		 rev[FMT_INT_MAX];
	/* the magnitude as unsigned: -LLONG_MIN does not fit in a long long */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
			    (unsigned long long)v;
	size_t		 n = 0, len = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		dst[len++] = '-';
	while (n > 0)
		dst[len++] = rev[--n];
	dst[len] = '\0';
	return len;
}

/* Writes the two digits of v (0 to 99) at dst. */
static void
fmt_two(char *dst, int v)
{
	dst[0] = (char)('0' + v / 10);
	dst[1] = (char)('0' + v % 10);
}

/*
 * Writes t as an ISO 8601 time in UTC, like 2026-01-31T23:59:59Z, into dst.
 * Returns its length, or 0 with dst empty for a time whose year is not
 * between 0 and 9999.
 */
size_t
fmt_iso_time(char dst[FMT_ISO_MAX], time_t t)
{
	struct tm	 tm;
	int		 year;

	dst[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return 0;
	year = tm.tm_year + 1900;
	fmt_two(dst, year / 100);
	fmt_two(dst + 2, year % 100);
	dst[4] = '-';
	fmt_two(dst + 5, tm.tm_mon + 1);
	dst[7] = '-';
	fmt_two(dst + 8, tm.tm_mday);
	dst[10] = 'T';
	fmt_two(dst + 11, tm.tm_hour);
	dst[13] = ':';
	fmt_two(dst + 14, tm.tm_min);
	dst[16] = ':';
	fmt_two(dst + 17, tm.tm_sec);
	dst[19] = 'Z';
	dst[20] = '\0';
	return 20;
}
