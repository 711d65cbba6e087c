/* Fuzzes bearer_parse: any Authorization value; an accepted one must re-encode to itself. */
#include "fuzz.h"

#include <strings.h>

#include <sodium.h>

#include "bearer.h"

/*
 * Parses the input as an Authorization header value. Accepted values are
 * exactly "Bearer " (any case), "tsr_" and 43 base64url characters.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 hash[TOKEN_BYTES];
	char		*s = fuzz_strndup(data, size);

	if (bearer_parse(s, hash)) {
		FUZZ_ASSERT(strlen(s) == 7 + BEARER_TEXT_SIZE - 1);
		FUZZ_ASSERT(strncasecmp(s, "bearer ", 7) == 0);
		FUZZ_ASSERT(strncmp(s + 7, BEARER_PREFIX, 4) == 0);
	}
	free(s);
	return 0;
}
