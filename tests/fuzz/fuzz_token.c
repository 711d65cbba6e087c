/* Fuzzes token_verify, token_open and token_csrf_check (the sealed cookie and CSRF values) under fixed keys. */
#include "fuzz.h"

#include <sodium.h>

#include "proof.h"
#include "token.h"

/* The same secrets tests/fuzz/corpus/fuzz_token was signed with (see its README). */
#define SECRET_NEW	"fuzz-secret-new-0123456789abcdef0123456789abcdef"
#define SECRET_OLD	"fuzz-secret-old-0123456789abcdef0123456789abcdef"

static struct token_keys keys;

/* Each secret alone, signing as today (keyed BLAKE2b) and as earlier versions did (HMAC). */
static struct token_keys singles[4];

static const enum token_purpose purposes[] = {
	TOKEN_SESSION, TOKEN_PRESESSION, TOKEN_CSRF, TOKEN_LOGIN_CSRF,
	TOKEN_DEVICE, TOKEN_PENDING,
};

/* The other sizes of sealed data: the pre-session cookie (nonce, time), a proof, a pending sign-in (proof, binding). */
static const size_t sealed_sizes[] = { TOKEN_BYTES + 8, PROOF_BYTES, TOKEN_SEALED_MAX };

/* Prepares libsodium and the keys: the rotated pair, and each alone signing either MAC. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*secret;
	size_t		 i;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 ||
	    token_keys_add(&keys, SECRET_NEW, strlen(SECRET_NEW)) != 0 ||
	    token_keys_add(&keys, SECRET_OLD, strlen(SECRET_OLD)) != 0)
		abort();
	for (i = 0; i < 4; i++) {
		secret = i % 2 ? SECRET_OLD : SECRET_NEW;
		if (token_keys_add(&singles[i], secret, strlen(secret)) != 0)
			abort();
		singles[i].sign = i < 2 ? TOKEN_MAC_BLAKE2B : TOKEN_MAC_HMAC;
	}
	return 0;
}

/* Returns 1 if cookie is exactly the signature of token by one of the two keys, in either MAC. */
static int
canonical(enum token_purpose p, const unsigned char token[TOKEN_BYTES],
    const uint8_t *cookie, size_t size)
{
	char	 a[TOKEN_COOKIE_SIZE];
	size_t	 i;

	if (size != TOKEN_COOKIE_SIZE - 1)
		return 0;
	for (i = 0; i < 4; i++) {
		token_sign(&singles[i], p, token, a);
		if (memcmp(a, cookie, size) == 0)
			return 1;
	}
	return 0;
}

/* Returns 1 if cookie is exactly the sealing of the len bytes at data by one of the two keys, in either MAC. */
static int
canonical_sealed(enum token_purpose p, const unsigned char *data, size_t len,
    const uint8_t *cookie, size_t size)
{
	char	 a[TOKEN_SEALED_SIZE(TOKEN_SEALED_MAX)];
	size_t	 i;

	if (size != TOKEN_SEALED_SIZE(len) - 1)
		return 0;
	for (i = 0; i < 4; i++) {
		token_seal(&singles[i], p, data, len, a);
		if (memcmp(a, cookie, size) == 0)
			return 1;
	}
	return 0;
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
	unsigned char	 sealed[TOKEN_SEALED_MAX];
	struct proof	 proof;
	char		*given;
	size_t		 i, j;

	for (i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		if (token_verify(&keys, purposes[i], (const char *)data, size, token))
			FUZZ_ASSERT(canonical(purposes[i], token, data, size));
	for (i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		for (j = 0; j < sizeof(sealed_sizes) / sizeof(sealed_sizes[0]); j++)
			if (token_open(&keys, purposes[i], (const char *)data,
			    size, sealed, sealed_sizes[j])) {
				FUZZ_ASSERT(canonical_sealed(purposes[i], sealed,
				    sealed_sizes[j], data, size));
				if (sealed_sizes[j] >= PROOF_BYTES)
					(void)proof_unpack(sealed, &proof);
			}
	memset(fixed, 0x5a, sizeof(fixed));
	given = fuzz_strndup(data, size);
	for (i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		(void)token_csrf_check(&keys, purposes[i], fixed, given);
	free(given);
	return 0;
}
