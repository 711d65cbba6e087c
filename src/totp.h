/* TOTP second factor (RFC 6238: 30 s steps, 6 digits, HMAC-SHA-1) over liboath, each code accepted once. */
#ifndef TESSERA_TOTP_H
#define TESSERA_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOTP_SECRET_BYTES	20	/* 160 bits, as RFC 4226 recommends */
#define TOTP_DIGITS		6
#define TOTP_STEP		30	/* seconds */
#define TOTP_SKEW		1	/* steps either side of now that still count */

int		totp_init(void) __attribute__((warn_unused_result));
void		totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES]);
int		totp_code_parse(const char *in, char out[TOTP_DIGITS + 1])
		    __attribute__((warn_unused_result));
int		totp_code(const unsigned char *secret, size_t len, int64_t step,
		    char out[TOTP_DIGITS + 1]) __attribute__((warn_unused_result));
int64_t		totp_step(time_t now);
int64_t		totp_verify(const unsigned char *secret, size_t len,
		    const char *code, time_t now, int64_t last_step)
		    __attribute__((warn_unused_result));

#endif
