/* Bearer tokens for scripts at /auth: "tsr_" and 32 random bytes in base64url; only their hash is kept. */
#include "bearer.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#define BEARER_SCHEME	"Bearer "

/* Makes a new token: its text in out (shown once), its BLAKE2b hash (stored) in hash. */
void
bearer_new(char out[BEARER_TEXT_SIZE], unsigned char hash[TOKEN_BYTES])
{
	unsigned char	 raw[TOKEN_BYTES];

	token_new(raw);
	memcpy(out, BEARER_PREFIX, sizeof(BEARER_PREFIX) - 1);
	sodium_bin2base64(out + sizeof(BEARER_PREFIX) - 1, BEARER_B64_LEN + 1,
	    raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_hash(raw, hash);
	sodium_memzero(raw, sizeof(raw));
}

/* Returns 1 if an Authorization header value uses the Bearer scheme (any case), else 0. */
int
bearer_is_scheme(const char *authorization)
{
	return strncasecmp(authorization, BEARER_SCHEME,
	    sizeof(BEARER_SCHEME) - 1) == 0;
}

/*
 * Reads "Bearer tsr_..." exactly: the scheme (any case), one space, the
 * prefix and 43 base64url characters that decode to 32 bytes, nothing
 * else. Returns 1 with the token's hash, or 0 for anything else.
 */
int
bearer_parse(const char *authorization, unsigned char hash[TOKEN_BYTES])
{
	unsigned char	 raw[TOKEN_BYTES];
	const char	*text, *end;
	size_t		 len;
	int		 ok;

	if (!bearer_is_scheme(authorization))
		return 0;
	text = authorization + sizeof(BEARER_SCHEME) - 1;
	if (strncmp(text, BEARER_PREFIX, sizeof(BEARER_PREFIX) - 1) != 0)
		return 0;
	text += sizeof(BEARER_PREFIX) - 1;
	if (strlen(text) != BEARER_B64_LEN)
		return 0;
	ok = sodium_base642bin(raw, sizeof(raw), text, BEARER_B64_LEN, NULL,
	    &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
	    len == sizeof(raw) && end == text + BEARER_B64_LEN;
	if (ok)
		token_hash(raw, hash);
	sodium_memzero(raw, sizeof(raw));
	return ok;
}
