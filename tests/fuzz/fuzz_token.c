/* Fuzzes token_verify and token_csrf_check (the signed cookie and CSRF values) under fixed keys. */
#include "fuzz.h"

#include <sodium.h>

#include "token.h"

/* The same secrets tests/fuzz/corpus/fuzz_token was signed with (see its README). */
#define SECRET_NEW	"fuzz-secret-new-0123456789abcdef0123456789abcdef"
#define SECRET_OLD	"fuzz-secret-old-0123456789abcdef0123456789abcdef"

static struct token_keys keys, key_new, key_old;

static const enum token_purpose purposes[] = {
	TOKEN_SESSION, TOKEN_PRESESSION, TOKEN_CSRF, TOKEN_LOGIN_CSRF,
};

/* Prepares libsodium and the keys: the rotated pair, and each alone. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 ||
	    token_keys_add(&keys, SECRET_NEW, strlen(SECRET_NEW)) != 0 ||
	    token_keys_add(&keys, SECRET_OLD, strlen(SECRET_OLD)) != 0 ||
	    token_keys_add(&key_new, SECRET_NEW, strlen(SECRET_NEW)) != 0 ||
	    token_keys_add(&key_old, SECRET_OLD, strlen(SECRET_OLD)) != 0)
		abort();
	return 0;
}

/* Returns 1 if cookie is exactly the canonical signature of token by one of the two keys. */
static int
canonical(enum token_purpose p, const unsigned char token[TOKEN_BYTES],
    const uint8_t *cookie, size_t size)
{
	char	 a[TOKEN_COOKIE_SIZE], b[TOKEN_COOKIE_SIZE];

	token_sign(&key_new, p, token, a);
	token_sign(&key_old, p, token, b);
	return size == TOKEN_COOKIE_SIZE - 1 &&
	    (memcmp(a, cookie, size) == 0 || memcmp(b, cookie, size) == 0);
}

/*
 * Verifies the input as a cookie for every purpose: anything accepted must
 * be a canonical signature (no second encoding of one token verifies).
 * Then checks it as a CSRF value for a fixed token.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 token[TOKEN_BYTES], fixed[TOKEN_BYTES];
	char		*given;
	size_t		 i;

	for (i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		if (token_verify(&keys, purposes[i], (const char *)data, size, token))
			FUZZ_ASSERT(canonical(purposes[i], token, data, size));
	memset(fixed, 0x5a, sizeof(fixed));
	given = fuzz_strndup(data, size);
	for (i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		(void)token_csrf_check(&keys, purposes[i], fixed, given);
	free(given);
	return 0;
}
