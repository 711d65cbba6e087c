/* Passwords: the acceptance rule, Argon2id hashing and verification (libsodium). */
#include "passwd.h"

#include <string.h>

#include "text.h"

/* A hash of a random password, verified against when a user does not exist. */
static char	dummy_hash[crypto_pwhash_STRBYTES];

/* Returns NULL if pw is an acceptable password, else why not (one sentence). */
const char *
passwd_check(const char *pw, size_t len)
{
	if (len < PASSWD_MIN)
		return "a password needs at least 8 bytes";
	if (len > PASSWD_MAX)
		return "a password may have at most 1024 bytes";
	if (!text_utf8_valid(pw, len) || memchr(pw, '\0', len) != NULL)
		return "a password must be UTF-8 text";
	return NULL;
}

/* Hashes pw with Argon2id at libsodium's interactive limits. Returns 0, or -1 when out of memory. */
int
passwd_hash(const char *pw, size_t len, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str_alg(out, pw, len,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    crypto_pwhash_ALG_ARGON2ID13);
}

/* Returns 1 if pw matches hash (libsodium compares in constant time), else 0. */
int
passwd_verify(const char *hash, const char *pw, size_t len)
{
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

/* Returns 1 if hash was made with weaker limits (or another algorithm) than passwd_hash uses. */
int
passwd_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

/*
 * Makes the dummy hash, once, before the workers fork, so a sign-in for an
 * unknown user costs the same as one for a real user. Returns 0 or -1.
 */
int
passwd_dummy_init(void)
{
	unsigned char	 pw[32];
	int		 rc;

	randombytes_buf(pw, sizeof(pw));
	rc = passwd_hash((const char *)pw, sizeof(pw), dummy_hash);
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

/* Returns the dummy hash made by passwd_dummy_init. */
const char *
passwd_dummy_hash(void)
{
	return dummy_hash;
}
