/* Tokens: random session tokens, their signed cookie form, hashes at rest, CSRF values. */
#ifndef TESSERA_TOKEN_H
#define TESSERA_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define TOKEN_BYTES		32
#define TOKEN_MAX_KEYS		8
#define TOKEN_KEY_BYTES		32
#define TOKEN_MIN_SECRET	32
/* a cookie's or CSRF value's MAC */
#define TOKEN_MAC_BYTES		32
/* Sealed data (token_seal): at most this many bytes, before the MAC. */
#define TOKEN_SEALED_MAX	64
/* base64url, no padding, of n bytes + MAC, plus NUL */
#define TOKEN_SEALED_SIZE(n)	((((n) + 32) * 4 + 2) / 3 + 1)
/* base64url, no padding, of token + MAC (64 bytes), plus NUL */
#define TOKEN_COOKIE_SIZE	TOKEN_SEALED_SIZE(TOKEN_BYTES)
/* base64url, no padding, of a 32-byte MAC, plus NUL */
#define TOKEN_CSRF_SIZE		44
/* hex of 16 bytes of a name's keyed hash, plus NUL */
#define TOKEN_NAME_HASH_SIZE	33

/* What a MAC is for: a MAC made for one purpose never verifies for another. */
enum token_purpose {
	TOKEN_SESSION = 's',	/* the session cookie */
	TOKEN_PRESESSION = 'p',	/* the pre-session cookie of the sign-in form */
	TOKEN_CSRF = 'c',	/* a signed-in form's CSRF value */
	TOKEN_LOGIN_CSRF = 'l',	/* the sign-in form's CSRF value */
	TOKEN_NAME = 'n',	/* the keyed hash of a name kept out of rows and logs */
	TOKEN_DEVICE = 'd',	/* the device cookie (a struct proof) */
	TOKEN_PENDING = 'm',	/* a sign-in waiting for its second factor (a struct proof + form binding) */
	TOKEN_VAULT = 'v',	/* the key that encrypts second-factor secrets at rest */
};

/* The MAC new cookies and CSRF values carry (tessera.conf cookie_mac); both always verify. */
enum token_mac {
	TOKEN_MAC_BLAKE2B,	/* keyed BLAKE2b-256: the default */
	TOKEN_MAC_HMAC,		/* HMAC-SHA-512/256: what earlier versions sign and read */
};

/*
 * MAC states keyed once at load, so a MAC costs no key schedule per
 * request: keyed BLAKE2b-256 for cookies and CSRF values, HMAC-SHA-512/256
 * for derived keys, name hashes and the cookies of earlier versions.
 */
struct token_keys {
	crypto_generichash_state	mac[TOKEN_MAX_KEYS];
	crypto_auth_hmacsha512256_state	hmac[TOKEN_MAX_KEYS];
	int				n;	/* [0] signs; every one verifies */
	enum token_mac			sign;	/* what token_seal and token_csrf sign with */
};

int	token_keys_load(struct token_keys *, const char *path, char *err,
	    size_t errsz) __attribute__((warn_unused_result));
int	token_keys_add(struct token_keys *, const char *secret, size_t len)
	    __attribute__((warn_unused_result));
void	token_keys_wipe(struct token_keys *);
void	token_new(unsigned char token[TOKEN_BYTES]);
void	token_hash(const unsigned char token[TOKEN_BYTES],
	    unsigned char out[TOKEN_BYTES]);
void	token_sign(const struct token_keys *, enum token_purpose,
	    const unsigned char token[TOKEN_BYTES], char out[TOKEN_COOKIE_SIZE]);
void	token_seal(const struct token_keys *, enum token_purpose,
	    const unsigned char *data, size_t len, char *out);
int	token_open(const struct token_keys *, enum token_purpose,
	    const char *cookie, size_t cookielen, unsigned char *data, size_t len)
	    __attribute__((warn_unused_result));
int	token_verify(const struct token_keys *, enum token_purpose,
	    const char *cookie, size_t len, unsigned char token[TOKEN_BYTES])
	    __attribute__((warn_unused_result));
void	token_csrf(const struct token_keys *, enum token_purpose,
	    const unsigned char token[TOKEN_BYTES], char out[TOKEN_CSRF_SIZE]);
void	token_name_hash(const struct token_keys *, const char *name,
	    size_t len, char out[TOKEN_NAME_HASH_SIZE]);
int	token_csrf_check(const struct token_keys *, enum token_purpose,
	    const unsigned char token[TOKEN_BYTES], const char *given)
	    __attribute__((warn_unused_result));
void	token_derive(const struct token_keys *, int i, enum token_purpose,
	    unsigned char out[TOKEN_KEY_BYTES]);
void	token_put_u64(unsigned char *p, uint64_t v);
uint64_t token_get_u64(const unsigned char *p);

#endif
