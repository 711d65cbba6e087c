/* Tokens: random session tokens, their signed cookie form, hashes at rest, CSRF values. */
#include "token.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Labels the BLAKE2b MAC's key, so that it differs from the HMAC's made from the same secret. */
static const char token_mac_label[] = "tessera cookie and CSRF MAC";

/*
 * Adds a secret: the HMAC key is BLAKE2b-256 of it, the BLAKE2b MAC's key
 * BLAKE2b-256 of it keyed with token_mac_label, so secrets of any length
 * give full-size keys. Returns 0, or -1 if the secret is too short or there
 * are already TOKEN_MAX_KEYS.
 */
int
token_keys_add(struct token_keys *keys, const char *secret, size_t len)
{
	unsigned char	 key[TOKEN_KEY_BYTES];

	if (len < TOKEN_MIN_SECRET || keys->n >= TOKEN_MAX_KEYS)
		return -1;
	crypto_generichash(key, sizeof(key), (const unsigned char *)secret, len,
	    NULL, 0);
	crypto_auth_hmacsha512256_init(&keys->hmac[keys->n], key, sizeof(key));
	crypto_generichash(key, sizeof(key), (const unsigned char *)secret, len,
	    (const unsigned char *)token_mac_label, sizeof(token_mac_label) - 1);
	crypto_generichash_init(&keys->mac[keys->n], key, sizeof(key),
	    TOKEN_MAC_BYTES);
	sodium_memzero(key, sizeof(key));
	keys->n++;
	return 0;
}

/*
 * Reads secrets from path, one per line (blank lines skipped); the first
 * signs, all verify. Returns 0, or -1 with a one-line reason in err.
 */
int
token_keys_load(struct token_keys *keys, const char *path, char *err,
    size_t errsz)
{
	char	 line[1024];
	FILE	*fp;
	size_t	 len;
	int	 lineno = 0, rc = -1;

	memset(keys, 0, sizeof(*keys));
	if (path == NULL || *path == '\0') {
		snprintf(err, errsz, "secret_file: not set");
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "secret_file: %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errsz, "secret_file: %s:%d: line too long",
			    path, lineno);
			goto out;
		}
		len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		if (token_keys_add(keys, line, len) == -1) {
			snprintf(err, errsz, keys->n >= TOKEN_MAX_KEYS ?
			    "secret_file: %s:%d: more than 8 secrets" :
			    "secret_file: %s:%d: secret shorter than 32 bytes",
			    path, lineno);
			goto out;
		}
	}
	if (keys->n == 0) {
		snprintf(err, errsz, "secret_file: %s: no secret in it", path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(line, sizeof(line));
	fclose(fp);
	if (rc == -1)
		token_keys_wipe(keys);
	return rc;
}

/* Erases every key from memory. */
void
token_keys_wipe(struct token_keys *keys)
{
	sodium_memzero(keys, sizeof(*keys));
}

/* Fills token with 256 bits from the system's CSPRNG. */
void
token_new(unsigned char token[TOKEN_BYTES])
{
	randombytes_buf(token, TOKEN_BYTES);
}

/* What the database stores: BLAKE2b-256 of the token, so a copied table replays nothing. */
void
token_hash(const unsigned char token[TOKEN_BYTES], unsigned char out[TOKEN_BYTES])
{
	crypto_generichash(out, TOKEN_BYTES, token, TOKEN_BYTES, NULL, 0);
}

/* Computes HMAC-SHA-512/256 of purpose || the len bytes at data under key i (crypto_auth's MAC). */
static void
token_hmac_data(const struct token_keys *keys, int i, enum token_purpose purpose,
    const void *data, size_t len, unsigned char mac[crypto_auth_BYTES])
{
	crypto_auth_hmacsha512256_state st = keys->hmac[i];
	unsigned char	 tag = (unsigned char)purpose;

	crypto_auth_hmacsha512256_update(&st, &tag, 1);
	crypto_auth_hmacsha512256_update(&st, data, len);
	crypto_auth_hmacsha512256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

/*
 * Computes keyed BLAKE2b-256 of purpose || the len bytes at data under key
 * i: the MAC of cookies and CSRF values (a fraction of the HMAC's cost).
 */
static void
token_mac_data(const struct token_keys *keys, int i, enum token_purpose purpose,
    const void *data, size_t len, unsigned char mac[TOKEN_MAC_BYTES])
{
	crypto_generichash_state st = keys->mac[i];
	unsigned char	 tag = (unsigned char)purpose;

	crypto_generichash_update(&st, &tag, 1);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, mac, TOKEN_MAC_BYTES);
	sodium_memzero(&st, sizeof(st));
}

/* A MAC of purpose || data under key i: token_mac_data or token_hmac_data. */
typedef void token_mac_fn(const struct token_keys *, int, enum token_purpose,
    const void *, size_t, unsigned char *);

/* Returns the function computing MAC m: token_hmac_data or token_mac_data. */
static token_mac_fn *
token_mac_of(enum token_mac m)
{
	return m == TOKEN_MAC_HMAC ? token_hmac_data : token_mac_data;
}

/* Computes the MAC keys->sign names (cookie_mac) of purpose || data under the signing key. */
static void
token_sign_data(const struct token_keys *keys, enum token_purpose purpose,
    const void *data, size_t len, unsigned char mac[TOKEN_MAC_BYTES])
{
	token_mac_of(keys->sign)(keys, 0, purpose, data, len, mac);
}

/* Returns 1 if mac is fn's MAC of purpose || data under any key, every key tried in constant time, else 0. */
static int
token_mac_any(const struct token_keys *keys, token_mac_fn *fn,
    enum token_purpose purpose, const void *data, size_t len,
    const unsigned char mac[TOKEN_MAC_BYTES])
{
	unsigned char	 want[TOKEN_MAC_BYTES];
	int		 i, ok = 0;

	for (i = 0; i < keys->n; i++) {
		fn(keys, i, purpose, data, len, want);
		ok |= sodium_memcmp(want, mac, TOKEN_MAC_BYTES) == 0;
	}
	sodium_memzero(want, sizeof(want));
	return ok;
}

/*
 * Returns 1 if mac is the MAC of purpose || the len bytes at data under
 * any key, else 0, whatever cookie_mac says: first the form we sign with,
 * then, only when no key matched, the other one, so that cookies and forms
 * issued by hosts of an earlier version (HMAC-SHA-512/256), or before a
 * change of cookie_mac, stay valid while they live.
 */
static int
token_mac_check(const struct token_keys *keys, enum token_purpose purpose,
    const void *data, size_t len, const unsigned char mac[TOKEN_MAC_BYTES])
{
	enum token_mac other = keys->sign == TOKEN_MAC_HMAC ?
	    TOKEN_MAC_BLAKE2B : TOKEN_MAC_HMAC;

	return token_mac_any(keys, token_mac_of(keys->sign), purpose, data,
	    len, mac) ||
	    token_mac_any(keys, token_mac_of(other), purpose, data, len, mac);
}

/*
 * Writes a key for purpose derived from secret i (0: the first, which
 * signs): the MAC of purpose || "derive" under it, so a configured secret
 * yields one key per purpose and rotation keeps every one of them.
 */
void
token_derive(const struct token_keys *keys, int i, enum token_purpose purpose,
    unsigned char out[TOKEN_KEY_BYTES])
{
	token_hmac_data(keys, i, purpose, "derive", 6, out);
}

/*
 * Writes the keyed hash that stands for a typed name wherever it may not
 * appear in clear (an account that does not exist: perhaps a password typed
 * in the wrong field): hex of the first 16 bytes of the MAC of 'n' || name
 * under the signing key. An operator holding the secret can compute it for
 * a name and find its rows and log lines.
 */
void
token_name_hash(const struct token_keys *keys, const char *name, size_t len,
    char out[TOKEN_NAME_HASH_SIZE])
{
	unsigned char	 mac[crypto_auth_BYTES];

	token_hmac_data(keys, 0, TOKEN_NAME, name, len, mac);
	sodium_bin2hex(out, TOKEN_NAME_HASH_SIZE, mac, (TOKEN_NAME_HASH_SIZE - 1) / 2);
	sodium_memzero(mac, sizeof(mac));
}

/*
 * Writes the cookie form of the len bytes at data (at most
 * TOKEN_SEALED_MAX): base64url(data || MAC of purpose || data under the
 * first key, of the form keys->sign names), NUL-terminated, into out of
 * TOKEN_SEALED_SIZE(len) bytes.
 */
void
token_seal(const struct token_keys *keys, enum token_purpose purpose,
    const unsigned char *data, size_t len, char *out)
{
	unsigned char	 raw[TOKEN_SEALED_MAX + TOKEN_MAC_BYTES];

	memcpy(raw, data, len);
	token_sign_data(keys, purpose, data, len, raw + len);
	sodium_bin2base64(out, TOKEN_SEALED_SIZE(len), raw, len + TOKEN_MAC_BYTES,
	    B64_VARIANT);
	sodium_memzero(raw, sizeof(raw));
}

/* Writes the cookie form of token: base64url(token || MAC under the first key). */
void
token_sign(const struct token_keys *keys, enum token_purpose purpose,
    const unsigned char token[TOKEN_BYTES], char out[TOKEN_COOKIE_SIZE])
{
	token_seal(keys, purpose, token, TOKEN_BYTES, out);
}

/* Returns 0xff when a >= b, else 0 (a and b are bytes): no branch, so its time says nothing of them. */
static unsigned
token_ct_ge(unsigned a, unsigned b)
{
	return ((b - a - 1) >> 8) & 0xffU;
}

/* Returns 0xff when a == b, else 0 (a and b are bytes), without a branch. */
static unsigned
token_ct_eq(unsigned a, unsigned b)
{
	return (((a ^ b) - 1) >> 8) & 0xffU;
}

/*
 * Returns the 6-bit value of the base64url character c, or 0x100 set in
 * it when c is none (any other byte, NUL and bytes >= 0x80 included):
 * computed with masks instead of branches or a table, so that decoding a
 * secret token takes the same time whatever it holds.
 */
static unsigned
token_b64url_value(unsigned char c)
{
	unsigned upper = token_ct_ge(c, 'A') & token_ct_ge('Z', c);
	unsigned lower = token_ct_ge(c, 'a') & token_ct_ge('z', c);
	unsigned digit = token_ct_ge(c, '0') & token_ct_ge('9', c);
	unsigned minus = token_ct_eq(c, '-'), under = token_ct_eq(c, '_');
	unsigned valid = upper | lower | digit | minus | under;
	unsigned v = (upper & (c - 'A')) | (lower & (c - 'a' + 26)) |
	    (digit & (c - '0' + 52)) | (minus & 62) | (under & 63);

	return (v & 0x3fU) | ((valid ^ 0xffU) << 1 & 0x100U);
}

/*
 * Decodes the len characters at s, base64url without padding, into exactly
 * outlen bytes at out, in time that depends on len only. Returns 0, or -1
 * if a character is not base64url, len does not encode outlen bytes, or
 * the unused bits of the last character are not zero (each value has one
 * spelling only).
 */
static int
token_b64url_decode(const char *s, size_t len, unsigned char *out,
    size_t outlen)
{
	unsigned	 acc = 0, bad = 0, v;
	size_t		 i, o = 0;
	int		 bits = 0;

	if (len != (outlen * 4 + 2) / 3)
		return -1;
	for (i = 0; i < len; i++) {
		v = token_b64url_value((unsigned char)s[i]);
		bad |= v;
		acc = acc << 6 | (v & 0x3fU);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	bad = (bad & 0x100U) | acc;	/* acc: the last character's unused bits */
	return bad == 0 ? 0 : -1;
}

/*
 * Checks a cookie value sealed by token_seal over exactly len bytes (at
 * most TOKEN_SEALED_MAX) against every key, in constant time. Returns 1
 * and the data if it was sealed by us for purpose, else 0.
 */
int
token_open(const struct token_keys *keys, enum token_purpose purpose,
    const char *cookie, size_t cookielen, unsigned char *data, size_t len)
{
	unsigned char	 raw[TOKEN_SEALED_MAX + TOKEN_MAC_BYTES];
	int		 ok;

	if (len > TOKEN_SEALED_MAX)
		return 0;
	ok = token_b64url_decode(cookie, cookielen, raw, len + TOKEN_MAC_BYTES) == 0 &&
	    token_mac_check(keys, purpose, raw, len, raw + len);
	if (ok)
		memcpy(data, raw, len);
	sodium_memzero(raw, sizeof(raw));
	return ok;
}

/*
 * Checks a cookie value's MAC against every key, in constant time.
 * Returns 1 and the token if it was signed by us for purpose, else 0.
 */
int
token_verify(const struct token_keys *keys, enum token_purpose purpose,
    const char *cookie, size_t len, unsigned char token[TOKEN_BYTES])
{
	return token_open(keys, purpose, cookie, len, token, TOKEN_BYTES);
}

/* Writes the CSRF value bound to token, under the signing key: base64url(MAC of purpose || token). */
void
token_csrf(const struct token_keys *keys, enum token_purpose purpose,
    const unsigned char token[TOKEN_BYTES], char out[TOKEN_CSRF_SIZE])
{
	unsigned char	 mac[TOKEN_MAC_BYTES];

	token_sign_data(keys, purpose, token, TOKEN_BYTES, mac);
	sodium_bin2base64(out, TOKEN_CSRF_SIZE, mac, sizeof(mac), B64_VARIANT);
	sodium_memzero(mac, sizeof(mac));
}

/* Returns 1 if given is the CSRF value of token under any key (constant time), else 0. */
int
token_csrf_check(const struct token_keys *keys, enum token_purpose purpose,
    const unsigned char token[TOKEN_BYTES], const char *given)
{
	unsigned char	 mac[TOKEN_MAC_BYTES];
	int		 ok;

	ok = given != NULL && token_b64url_decode(given, strlen(given), mac,
	    sizeof(mac)) == 0 && token_mac_check(keys, purpose, token,
	    TOKEN_BYTES, mac);
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

/* Stores v big-endian in the 8 bytes at p (sealed data is the same on every host). */
void
token_put_u64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* Returns the big-endian 64-bit number in the 8 bytes at p. */
uint64_t
token_get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
