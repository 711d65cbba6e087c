/*
 * Fuzzes the check of a connection's first FastCGI records (fcgi_check.c):
 * any bytes, and every answer consistent with the answer for a prefix
 * (what a prefix refused or admitted, the whole refuses or admits too);
 * only an admitted request can have ended.
 */
#include "fuzz.h"

#include "fcgi_check.h"

#define FUZZ_MAX_BODY	16384

/* Checks the input and its first half. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fcgi_check *c;
	const char	*why = NULL;
	int		 half, whole;

	if (c == NULL && (c = fcgi_check_new(FUZZ_MAX_BODY)) == NULL)
		abort();
	half = fcgi_check_records(c, data, size / 2, &why);
	FUZZ_ASSERT(half >= -1 && half <= 1 && (half != -1 || why != NULL));
	why = NULL;
	whole = fcgi_check_records(c, data, size, &why);
	FUZZ_ASSERT(whole >= -1 && whole <= 1 && (whole != -1 || why != NULL));
	FUZZ_ASSERT(whole == 1 || !fcgi_check_ended(c));
	FUZZ_ASSERT(half == 0 || whole == half);
	return 0;
}
