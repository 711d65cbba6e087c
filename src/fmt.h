/* Bounded copies and decimal numbers without printf, for what every request formats. */
#ifndef TESSERA_FMT_H
#define TESSERA_FMT_H

#include <stddef.h>
#include <time.h>

#define FMT_INT_MAX	21	/* "-9223372036854775808" and its NUL */
#define FMT_ISO_MAX	21	/* "2026-01-31T23:59:59Z" and its NUL */

size_t	fmt_copy(char *dst, size_t size, const char *src);
size_t	fmt_copy_n(char *dst, size_t size, const char *src, size_t n);
size_t	fmt_int(char dst[FMT_INT_MAX], long long v);
size_t	fmt_iso_time(char dst[FMT_ISO_MAX], time_t t);

#endif
