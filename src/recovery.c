/* Recovery codes: ten single-use codes shown once at enrolment, kept only as hashes. */
#include "recovery.h"

#include <string.h>

#include <sodium.h>

/* RFC 4648 base32 in lower case: letters and 2-7, nothing two glyphs could share but 0/o and 1/l, which it lacks. */
static const char recovery_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Writes a fresh code as four groups of four characters joined by '-'. */
void
recovery_new(char out[RECOVERY_SIZE])
{
	unsigned char	 rnd[RECOVERY_CHARS];
	int		 i, o = 0;

	randombytes_buf(rnd, sizeof(rnd));
	for (i = 0; i < RECOVERY_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = recovery_alphabet[rnd[i] & 31];
	}
	out[o] = '\0';
	sodium_memzero(rnd, sizeof(rnd));
}

/*
 * Reads a code as typed: either case, groups split by '-' or spaces (or
 * not at all). Returns 0 with the sixteen lower-case characters in canon,
 * or -1 for anything that is not a code.
 */
int
recovery_parse(const char *in, char canon[RECOVERY_CHARS + 1])
{
	const char	*hit;
	int		 n = 0;

	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		hit = strchr(recovery_alphabet, *in >= 'A' && *in <= 'Z' ?
		    *in - 'A' + 'a' : *in);
		if (n == RECOVERY_CHARS || hit == NULL)
			return -1;
		canon[n++] = *hit;
	}
	if (n != RECOVERY_CHARS)
		return -1;
	canon[n] = '\0';
	return 0;
}

/* What the database stores of a code: BLAKE2b-256 of its canonical form (like a session token). */
void
recovery_hash(const char canon[RECOVERY_CHARS + 1],
    unsigned char out[RECOVERY_HASH_BYTES])
{
	crypto_generichash(out, RECOVERY_HASH_BYTES,
	    (const unsigned char *)canon, RECOVERY_CHARS, NULL, 0);
}
