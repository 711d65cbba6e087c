/* Second-factor secrets encrypted at rest (secretbox) under a key derived from the configured secrets. */
#ifndef TESSERA_VAULT_H
#define TESSERA_VAULT_H

#include <stddef.h>

#include <sodium.h>

#include "token.h"

#define VAULT_PLAIN_MAX	64
/* nonce || MAC || user id || plain text */
#define VAULT_SEALED_SIZE(n) \
	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 8 + (n))

int	vault_seal(const struct token_keys *, long long user_id,
	    const unsigned char *plain, size_t len, unsigned char *out,
	    size_t outsz) __attribute__((warn_unused_result));
int	vault_open(const struct token_keys *, long long user_id,
	    const unsigned char *in, size_t inlen, unsigned char *plain,
	    size_t plainsz) __attribute__((warn_unused_result));

#endif
