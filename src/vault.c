/* Second-factor secrets encrypted at rest (secretbox) under a key derived from the configured secrets. */
#include "vault.h"

#include <string.h>

/*
 * Encrypts the len bytes at plain for user user_id under the first
 * secret's vault key: a fresh random nonce, then the secretbox of the user
 * id and the plain text (so a box moved to another user's row does not
 * open). Returns the bytes written to out, or -1 if they do not fit.
 */
int
vault_seal(const struct token_keys *keys, long long user_id,
    const unsigned char *plain, size_t len, unsigned char *out, size_t outsz)
{
	unsigned char	 key[crypto_secretbox_KEYBYTES];
	unsigned char	 msg[8 + VAULT_PLAIN_MAX];

	if (keys->n < 1 || len > VAULT_PLAIN_MAX || outsz < VAULT_SEALED_SIZE(len))
		return -1;
	token_put_u64(msg, (uint64_t)user_id);
	memcpy(msg + 8, plain, len);
	token_derive(keys, 0, TOKEN_VAULT, key);
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, msg, 8 + len,
	    out, key);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(msg, sizeof(msg));
	return (int)VAULT_SEALED_SIZE(len);
}

/*
 * Decrypts what vault_seal wrote for user_id, trying every configured
 * secret (rotation keeps old boxes readable). Returns the plain text's
 * length, or -1 if no key opens it, it belongs to another user or it does
 * not fit in plainsz.
 */
int
vault_open(const struct token_keys *keys, long long user_id,
    const unsigned char *in, size_t inlen, unsigned char *plain, size_t plainsz)
{
	unsigned char	 key[crypto_secretbox_KEYBYTES];
	unsigned char	 msg[8 + VAULT_PLAIN_MAX];
	size_t		 len;
	int		 i, rc = -1;

	if (inlen < VAULT_SEALED_SIZE(0) || inlen > VAULT_SEALED_SIZE(VAULT_PLAIN_MAX))
		return -1;
	len = inlen - VAULT_SEALED_SIZE(0);
	for (i = 0; i < keys->n && rc == -1; i++) {
		token_derive(keys, i, TOKEN_VAULT, key);
		if (crypto_secretbox_open_easy(msg, in + crypto_secretbox_NONCEBYTES,
		    inlen - crypto_secretbox_NONCEBYTES, in, key) == 0 &&
		    token_get_u64(msg) == (uint64_t)user_id && len <= plainsz) {
			memcpy(plain, msg + 8, len);
			rc = (int)len;
		}
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(msg, sizeof(msg));
	return rc;
}
