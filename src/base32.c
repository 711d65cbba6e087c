/* Base32 (RFC 4648, no padding): how a TOTP secret is shown and put in an otpauth:// URI. */
#include "base32.h"

#include <string.h>

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/*
 * Writes len bytes at in as upper-case base32 without padding into out
 * (outsz must hold BASE32_LEN(len) + 1; otherwise out gets "").
 */
void
base32_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	unsigned	 acc = 0;
	int		 bits = 0;
	size_t		 i, o = 0;

	if (outsz < BASE32_LEN(len) + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = base32_alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = base32_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Returns the 5-bit value of base32 character ch (either case), or -1. */
static int
base32_value(unsigned char ch)
{
	if (ch >= 'a' && ch <= 'z')
		ch = (unsigned char)(ch - 'a' + 'A');
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= '2' && ch <= '7')
		return ch - '2' + 26;
	return -1;
}

/*
 * Decodes NUL-terminated base32 text (either case, no padding, no spaces)
 * into out. Only canonical text is taken: a length no encoding has, or
 * leftover bits that are not zero, is refused. Returns the number of
 * bytes, or -1 for text that is not base32 or does not fit in outsz.
 */
int
base32_decode(const char *in, unsigned char *out, size_t outsz)
{
	size_t		 len = strlen(in), i, o = 0, rem = len % 8;
	unsigned	 acc = 0;
	int		 bits = 0, v;

	if (rem == 1 || rem == 3 || rem == 6)	/* no byte count encodes to these */
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = base32_value((unsigned char)in[i])) == -1)
			return -1;
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= (1u << bits) - 1;
	}
	if (acc != 0)		/* trailing bits must be zero */
		return -1;
	return (int)o;
}
