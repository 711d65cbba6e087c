/* Base32 (RFC 4648, no padding): how a TOTP secret is shown and put in an otpauth:// URI. */
#ifndef TESSERA_BASE32_H
#define TESSERA_BASE32_H

#include <stddef.h>

/* Characters (without NUL) that n bytes encode to. */
#define BASE32_LEN(n)	(((n) * 8 + 4) / 5)

void	base32_encode(const unsigned char *in, size_t len, char *out,
	    size_t outsz);
int	base32_decode(const char *in, unsigned char *out, size_t outsz)
	    __attribute__((warn_unused_result));

#endif
