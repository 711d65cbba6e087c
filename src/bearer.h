/* Bearer tokens for scripts at /auth: their text form, made once and parsed strictly. */
#ifndef TESSERA_BEARER_H
#define TESSERA_BEARER_H

#include "token.h"

#define BEARER_PREFIX		"tsr_"	/* marks the secret for scanners and people */
#define BEARER_B64_LEN		43	/* 32 bytes, base64url without padding */
#define BEARER_TEXT_SIZE	(sizeof(BEARER_PREFIX) - 1 + BEARER_B64_LEN + 1)

void	bearer_new(char out[BEARER_TEXT_SIZE], unsigned char hash[TOKEN_BYTES]);
int	bearer_is_scheme(const char *authorization);
int	bearer_parse(const char *authorization, unsigned char hash[TOKEN_BYTES])
	    __attribute__((warn_unused_result));

#endif
