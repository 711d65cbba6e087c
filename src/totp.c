/* TOTP second factor (RFC 6238: 30 s steps, 6 digits, HMAC-SHA-1) over liboath, each code accepted once. */
#include "totp.h"

#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

/* Initialises liboath once per process. Returns 0, or -1 if it cannot start. */
int
totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : -1;
}

/* Fills secret with fresh random bytes from the system's CSPRNG. */
void
totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES])
{
	randombytes_buf(secret, TOTP_SECRET_BYTES);
}

/*
 * Reads what a person typed as a code: six digits, optionally split by one
 * space or '-' in the middle ("123 456") and surrounded by spaces. Returns
 * 0 with the six digits in out, or -1 for anything else.
 */
int
totp_code_parse(const char *in, char out[TOTP_DIGITS + 1])
{
	size_t	 len, i;
	int	 n = 0;

	while (*in == ' ')
		in++;
	for (len = strlen(in); len > 0 && in[len - 1] == ' '; len--)
		;
	if (len != TOTP_DIGITS && !(len == TOTP_DIGITS + 1 &&
	    (in[TOTP_DIGITS / 2] == ' ' || in[TOTP_DIGITS / 2] == '-')))
		return -1;
	for (i = 0; i < len; i++) {
		if (len > TOTP_DIGITS && i == TOTP_DIGITS / 2)
			continue;
		if (in[i] < '0' || in[i] > '9')
			return -1;
		out[n++] = in[i];
	}
	out[n] = '\0';
	return 0;
}

/* The time step a moment falls in: seconds since the epoch over TOTP_STEP. */
int64_t
totp_step(time_t now)
{
	return (int64_t)now / TOTP_STEP;
}

/* Writes the code of step into out. Returns 0, or -1 if liboath refused. */
int
totp_code(const unsigned char *secret, size_t len, int64_t step,
    char out[TOTP_DIGITS + 1])
{
	return oath_totp_generate((const char *)secret, len,
	    (time_t)(step * TOTP_STEP), TOTP_STEP, 0, TOTP_DIGITS, out) ==
	    OATH_OK ? 0 : -1;
}

/*
 * Checks code (as totp_code_parse left it) against the steps within
 * TOTP_SKEW of now, skipping every step at or before last_step (a code
 * is accepted once). Every candidate is computed and compared in constant
 * time. Returns the step it matched (store it as the new last_step), 0
 * when it matched none, -1 if liboath failed.
 */
int64_t
totp_verify(const unsigned char *secret, size_t len, const char *code,
    time_t now, int64_t last_step)
{
	char	 want[TOTP_DIGITS + 1];
	int64_t	 step, at = totp_step(now), found = 0;

	for (step = at - TOTP_SKEW; step <= at + TOTP_SKEW; step++) {
		if (totp_code(secret, len, step, want) == -1) {
			found = -1;
			break;
		}
		if (sodium_memcmp(want, code, TOTP_DIGITS) == 0 &&
		    step > last_step && found == 0)
			found = step;
	}
	sodium_memzero(want, sizeof(want));
	return found;
}
