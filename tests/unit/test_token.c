/* Unit tests for token.c: signed cookie values, key rotation, CSRF values, the secret file. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "token.h"

#define SECRET_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SECRET_B	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SECRET_C	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* Fills keys with the given secrets, in order (the first signs). */
static void
keys_of(struct token_keys *keys, const char *first, const char *second)
{
	memset(keys, 0, sizeof(*keys));
	assert_int_equal(token_keys_add(keys, first, strlen(first)), 0);
	if (second != NULL)
		assert_int_equal(token_keys_add(keys, second, strlen(second)), 0);
}

/* Returns a fresh token signed by keys for purpose, in cookie. */
static void
signed_cookie(const struct token_keys *keys, enum token_purpose purpose,
    unsigned char token[TOKEN_BYTES], char cookie[TOKEN_COOKIE_SIZE])
{
	token_new(token);
	token_sign(keys, purpose, token, cookie);
}

/* Returns token_verify's answer for the NUL-terminated cookie. */
static int
verifies(const struct token_keys *keys, enum token_purpose purpose,
    const char *cookie)
{
	unsigned char	 out[TOKEN_BYTES];

	return token_verify(keys, purpose, cookie, strlen(cookie), out);
}

/* Loads keys from a temporary file holding text. Returns token_keys_load's result; err filled. */
static int
load_text(struct token_keys *keys, const char *text, char *err, size_t errsz,
    char **pathp)
{
	char	*path = unit_temp_file(text);
	int	 rc;

	err[0] = '\0';
	rc = token_keys_load(keys, path, err, errsz);
	unit_temp_done(path, pathp);
	return rc;
}

/* Returns the base64url character that is not c (for tampering). */
static char
other_b64(char c)
{
	return c == 'A' ? 'B' : 'A';
}

TEST(sign_then_verify_round_trip)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], out[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	assert_int_equal(strlen(cookie), TOKEN_COOKIE_SIZE - 1);
	memset(out, 0, sizeof(out));
	assert_int_equal(token_verify(&keys, TOKEN_SESSION, cookie,
	    strlen(cookie), out), 1);
	assert_memory_equal(out, token, TOKEN_BYTES);
}

TEST(cookie_is_base64url_without_padding)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	assert_int_equal(strspn(cookie, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), strlen(cookie));
}

TEST(signing_is_deterministic_per_token_and_key)
{
	struct token_keys keys, other;
	unsigned char	 token[TOKEN_BYTES];
	char		 c1[TOKEN_COOKIE_SIZE], c2[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	keys_of(&other, SECRET_B, NULL);
	token_new(token);
	token_sign(&keys, TOKEN_SESSION, token, c1);
	token_sign(&keys, TOKEN_SESSION, token, c2);
	assert_string_equal(c1, c2);
	token_sign(&other, TOKEN_SESSION, token, c2);
	assert_string_not_equal(c1, c2);
}

TEST(fresh_tokens_differ)
{
	unsigned char	 a[TOKEN_BYTES], b[TOKEN_BYTES];

	token_new(a);
	token_new(b);
	assert_memory_not_equal(a, b, TOKEN_BYTES);
}

TEST(every_tampered_character_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], bad[TOKEN_COOKIE_SIZE];
	size_t		 i;

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	for (i = 0; i < TOKEN_COOKIE_SIZE - 1; i++) {
		memcpy(bad, cookie, sizeof(bad));
		bad[i] = other_b64(bad[i]);
		assert_int_equal(verifies(&keys, TOKEN_SESSION, bad), 0);
	}
}

TEST(padding_bits_of_the_last_character_are_checked)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];
	const char	*b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789-_";
	size_t		 last = TOKEN_COOKIE_SIZE - 2;
	int		 v;

	/* 64 bytes end in one 2-character group: the last one carries 4 zero bits. */
	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	v = (int)(strchr(b64, cookie[last]) - b64);
	assert_int_equal(v & 0x0f, 0);
	cookie[last] = b64[v | 1];
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 0);
}

TEST(wrong_purpose_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_PRESESSION, token, cookie);
	assert_int_equal(verifies(&keys, TOKEN_PRESESSION, cookie), 1);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 0);
	assert_int_equal(verifies(&keys, TOKEN_CSRF, cookie), 0);
	assert_int_equal(verifies(&keys, TOKEN_LOGIN_CSRF, cookie), 0);
}

TEST(unknown_key_is_refused)
{
	struct token_keys keys, other;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	keys_of(&other, SECRET_B, NULL);
	signed_cookie(&other, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 0);
}

TEST(no_keys_verify_nothing)
{
	struct token_keys keys, none;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	memset(&none, 0, sizeof(none));
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&none, TOKEN_SESSION, cookie), 0);
}

TEST(truncated_cookie_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], out[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];
	size_t		 len;

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	for (len = 0; len < TOKEN_COOKIE_SIZE - 1; len++)
		assert_int_equal(token_verify(&keys, TOKEN_SESSION, cookie,
		    len, out), 0);
}

TEST(overlong_cookie_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], longer[TOKEN_COOKIE_SIZE + 8];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	snprintf(longer, sizeof(longer), "%sA", cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, longer), 0);
	snprintf(longer, sizeof(longer), "%s==", cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, longer), 0);
	snprintf(longer, sizeof(longer), "A%s", cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, longer), 0);
}

TEST(non_base64_input_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], bad[TOKEN_COOKIE_SIZE];
	const char	*junk = "+/= .%\"\\\x01\xff";
	size_t		 i;

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	for (i = 0; junk[i] != '\0'; i++) {
		memcpy(bad, cookie, sizeof(bad));
		bad[10] = junk[i];
		assert_int_equal(verifies(&keys, TOKEN_SESSION, bad), 0);
	}
	memset(bad, '.', TOKEN_COOKIE_SIZE - 1);
	bad[TOKEN_COOKIE_SIZE - 1] = '\0';
	assert_int_equal(verifies(&keys, TOKEN_SESSION, bad), 0);
}

TEST(bytes_above_0x7f_are_refused_everywhere)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], bad[TOKEN_COOKIE_SIZE];
	size_t		 i;
	int		 c;

	/* libsodium's decoder once read some of these as '-' or '_'. */
	keys_of(&keys, SECRET_A, NULL);
	token_new(token);
	memset(token, 0xfb, 8);		/* base64url "-_-_..." at the start */
	token_sign(&keys, TOKEN_SESSION, token, cookie);
	for (i = 0; i < TOKEN_COOKIE_SIZE - 1; i++)
		for (c = 0x80; c <= 0xff; c++) {
			memcpy(bad, cookie, sizeof(bad));
			bad[i] = (char)c;
			assert_int_equal(verifies(&keys, TOKEN_SESSION, bad), 0);
		}
}

TEST(embedded_nul_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], out[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	cookie[40] = '\0';
	assert_int_equal(token_verify(&keys, TOKEN_SESSION, cookie,
	    TOKEN_COOKIE_SIZE - 1, out), 0);
}

TEST(refused_cookie_leaves_the_output_alone)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], out[TOKEN_BYTES], zero[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	cookie[5] = other_b64(cookie[5]);
	memset(out, 0, sizeof(out));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(token_verify(&keys, TOKEN_SESSION, cookie,
	    strlen(cookie), out), 0);
	assert_memory_equal(out, zero, TOKEN_BYTES);
}

TEST(rotation_old_key_second_still_verifies)
{
	struct token_keys old, rotated;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&old, SECRET_A, NULL);
	keys_of(&rotated, SECRET_B, SECRET_A);
	signed_cookie(&old, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&rotated, TOKEN_SESSION, cookie), 1);
}

TEST(rotation_new_key_signs)
{
	struct token_keys rotated, only_new, only_old;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&rotated, SECRET_B, SECRET_A);
	keys_of(&only_new, SECRET_B, NULL);
	keys_of(&only_old, SECRET_A, NULL);
	signed_cookie(&rotated, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&only_new, TOKEN_SESSION, cookie), 1);
	assert_int_equal(verifies(&only_old, TOKEN_SESSION, cookie), 0);
}

TEST(rotation_old_key_removed_no_longer_verifies)
{
	struct token_keys old, removed;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&old, SECRET_A, NULL);
	keys_of(&removed, SECRET_B, SECRET_C);
	signed_cookie(&old, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&removed, TOKEN_SESSION, cookie), 0);
}

TEST(keys_add_needs_32_bytes)
{
	struct token_keys keys;

	memset(&keys, 0, sizeof(keys));
	assert_int_equal(token_keys_add(&keys, SECRET_A, TOKEN_MIN_SECRET - 1), -1);
	assert_int_equal(keys.n, 0);
	assert_int_equal(token_keys_add(&keys, SECRET_A, TOKEN_MIN_SECRET), 0);
	assert_int_equal(keys.n, 1);
}

TEST(keys_add_stops_at_the_maximum)
{
	struct token_keys keys;
	int		 i;

	memset(&keys, 0, sizeof(keys));
	for (i = 0; i < TOKEN_MAX_KEYS; i++)
		assert_int_equal(token_keys_add(&keys, SECRET_A, 32), 0);
	assert_int_equal(token_keys_add(&keys, SECRET_A, 32), -1);
	assert_int_equal(keys.n, TOKEN_MAX_KEYS);
}

TEST(keys_wipe_forgets_every_key)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	token_keys_wipe(&keys);
	assert_int_equal(keys.n, 0);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 0);
}

TEST(hash_is_stable_and_not_the_token)
{
	unsigned char	 token[TOKEN_BYTES], h1[TOKEN_BYTES], h2[TOKEN_BYTES];

	token_new(token);
	token_hash(token, h1);
	token_hash(token, h2);
	assert_memory_equal(h1, h2, TOKEN_BYTES);
	assert_memory_not_equal(h1, token, TOKEN_BYTES);
}

TEST(csrf_round_trip)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 csrf[TOKEN_CSRF_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	token_new(token);
	token_csrf(&keys, TOKEN_CSRF, token, csrf);
	assert_int_equal(strlen(csrf), TOKEN_CSRF_SIZE - 1);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, csrf), 1);
}

TEST(csrf_of_another_token_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], other[TOKEN_BYTES];
	char		 csrf[TOKEN_CSRF_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	token_new(token);
	token_new(other);
	token_csrf(&keys, TOKEN_CSRF, other, csrf);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, csrf), 0);
}

TEST(csrf_for_another_purpose_is_refused)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 csrf[TOKEN_CSRF_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	token_new(token);
	token_csrf(&keys, TOKEN_LOGIN_CSRF, token, csrf);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, csrf), 0);
}

TEST(csrf_is_not_the_signed_cookie_mac)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], csrf[TOKEN_CSRF_SIZE];

	/* The cookie's MAC part must not double as a CSRF value, and vice versa. */
	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	token_csrf(&keys, TOKEN_CSRF, token, csrf);
	assert_null(strstr(cookie, csrf));
}

TEST(csrf_refuses_null_empty_short_long_and_tampered)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 csrf[TOKEN_CSRF_SIZE], bad[TOKEN_CSRF_SIZE + 1];

	keys_of(&keys, SECRET_A, NULL);
	token_new(token);
	token_csrf(&keys, TOKEN_CSRF, token, csrf);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, NULL), 0);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, ""), 0);
	memcpy(bad, csrf, sizeof(csrf));
	bad[TOKEN_CSRF_SIZE - 2] = '\0';
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, bad), 0);
	snprintf(bad, sizeof(bad), "%sA", csrf);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, bad), 0);
	memcpy(bad, csrf, sizeof(csrf));
	bad[0] = other_b64(bad[0]);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, bad), 0);
}

TEST(csrf_rotation_old_key_second_verifies_removed_does_not)
{
	struct token_keys old, rotated, removed;
	unsigned char	 token[TOKEN_BYTES];
	char		 csrf[TOKEN_CSRF_SIZE];

	keys_of(&old, SECRET_A, NULL);
	keys_of(&rotated, SECRET_B, SECRET_A);
	keys_of(&removed, SECRET_B, NULL);
	token_new(token);
	token_csrf(&old, TOKEN_CSRF, token, csrf);
	assert_int_equal(token_csrf_check(&rotated, TOKEN_CSRF, token, csrf), 1);
	assert_int_equal(token_csrf_check(&removed, TOKEN_CSRF, token, csrf), 0);
}

TEST(load_one_secret_per_line_first_signs)
{
	struct token_keys keys, a, b;
	unsigned char	 token[TOKEN_BYTES];
	char		 err[256], cookie[TOKEN_COOKIE_SIZE];

	assert_int_equal(load_text(&keys, SECRET_A "\n" SECRET_B "\n", err,
	    sizeof(err), NULL), 0);
	assert_int_equal(keys.n, 2);
	keys_of(&a, SECRET_A, NULL);
	keys_of(&b, SECRET_B, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&a, TOKEN_SESSION, cookie), 1);
	signed_cookie(&b, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 1);
}

TEST(load_skips_blank_lines_and_strips_crlf)
{
	struct token_keys keys, a;
	unsigned char	 token[TOKEN_BYTES];
	char		 err[256], cookie[TOKEN_COOKIE_SIZE];

	assert_int_equal(load_text(&keys, "\n\r\n" SECRET_A "\r\n\n", err,
	    sizeof(err), NULL), 0);
	assert_int_equal(keys.n, 1);
	keys_of(&a, SECRET_A, NULL);
	signed_cookie(&a, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 1);
}

TEST(load_last_line_without_newline)
{
	struct token_keys keys;
	char		 err[256];

	assert_int_equal(load_text(&keys, SECRET_A, err, sizeof(err), NULL), 0);
	assert_int_equal(keys.n, 1);
}

TEST(load_missing_file)
{
	struct token_keys keys;
	char		 err[256];

	assert_int_equal(token_keys_load(&keys, "/nonexistent/tessera-secret",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "secret_file"));
	assert_non_null(strstr(err, "/nonexistent/tessera-secret"));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(keys.n, 0);
}

TEST(load_unset_path)
{
	struct token_keys keys;
	char		 err[256];

	assert_int_equal(token_keys_load(&keys, "", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "secret_file"));
	assert_int_equal(token_keys_load(&keys, NULL, err, sizeof(err)), -1);
}

TEST(load_empty_file)
{
	struct token_keys keys;
	char		 err[256];

	assert_int_equal(load_text(&keys, "", err, sizeof(err), NULL), -1);
	assert_non_null(strstr(err, "secret_file"));
	assert_non_null(strstr(err, "no secret"));
	assert_int_equal(keys.n, 0);
}

TEST(load_blank_lines_only)
{
	struct token_keys keys;
	char		 err[256];

	assert_int_equal(load_text(&keys, "\n\n\r\n", err, sizeof(err), NULL), -1);
	assert_non_null(strstr(err, "no secret"));
}

TEST(load_short_secret_names_the_line)
{
	struct token_keys keys;
	char		 err[256], *path, want[128];

	assert_int_equal(load_text(&keys, SECRET_A "\n\nshort\n", err,
	    sizeof(err), &path), -1);
	snprintf(want, sizeof(want), "%s:3:", path);
	free(path);
	assert_non_null(strstr(err, "secret_file"));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "shorter than 32 bytes"));
	assert_int_equal(keys.n, 0);
}

TEST(load_secret_of_31_bytes_is_short)
{
	struct token_keys keys;
	char		 err[256];

	assert_int_equal(load_text(&keys, "0123456789012345678901234567890\n",
	    err, sizeof(err), NULL), -1);
	assert_non_null(strstr(err, "shorter than 32 bytes"));
}

TEST(load_too_many_secrets)
{
	struct token_keys keys;
	char		 err[256], text[(sizeof(SECRET_A) + 1) * (TOKEN_MAX_KEYS + 1)];
	int		 i;

	text[0] = '\0';
	for (i = 0; i <= TOKEN_MAX_KEYS; i++)
		strcat(text, SECRET_A "\n");
	assert_int_equal(load_text(&keys, text, err, sizeof(err), NULL), -1);
	assert_non_null(strstr(err, "more than 8"));
	assert_int_equal(keys.n, 0);
}

TEST(load_overlong_line_is_refused_not_split)
{
	struct token_keys keys;
	char		 err[256], text[3000];

	/* A line longer than the reader's buffer once became two secrets. */
	memset(text, 'x', 2000);
	text[2000] = '\n';
	text[2001] = '\0';
	assert_int_equal(load_text(&keys, text, err, sizeof(err), NULL), -1);
	assert_non_null(strstr(err, ":1: line too long"));
	assert_int_equal(keys.n, 0);
}

TEST(load_failure_wipes_keys_loaded_before_it)
{
	struct token_keys keys;
	char		 err[256];
	static const unsigned char zero[sizeof(keys.hmac)];
	static const unsigned char zero_mac[sizeof(keys.mac)];

	assert_int_equal(load_text(&keys, SECRET_A "\nshort\n", err,
	    sizeof(err), NULL), -1);
	assert_int_equal(keys.n, 0);
	assert_memory_equal(keys.hmac, zero, sizeof(zero));
	assert_memory_equal(keys.mac, zero_mac, sizeof(zero_mac));
}

/*
 * Writes the MAC of purpose || data as the given scheme makes it from
 * secret, computed here from its definition: keyed BLAKE2b-256 (key:
 * BLAKE2b-256 of the secret keyed with the label) when blake, else the
 * earlier versions' HMAC-SHA-512/256 (key: BLAKE2b-256 of the secret).
 */
static void
mac_by_definition(int blake, const char *secret, enum token_purpose purpose,
    const unsigned char *data, size_t len, unsigned char mac[32])
{
	static const char label[] = "tessera cookie and CSRF MAC";
	unsigned char	 key[32], msg[1 + TOKEN_SEALED_MAX];

	msg[0] = (unsigned char)purpose;
	memcpy(msg + 1, data, len);
	if (blake) {
		crypto_generichash(key, sizeof(key), (const unsigned char *)secret,
		    strlen(secret), (const unsigned char *)label, sizeof(label) - 1);
		crypto_generichash(mac, 32, msg, len + 1, key, sizeof(key));
	} else {
		crypto_generichash(key, sizeof(key), (const unsigned char *)secret,
		    strlen(secret), NULL, 0);
		crypto_auth_hmacsha512256(mac, msg, len + 1, key);
	}
}

/* Writes base64url(token || MAC by the scheme) into cookie: a cookie as that scheme signs it. */
static void
cookie_by_definition(int blake, const char *secret, enum token_purpose purpose,
    const unsigned char token[TOKEN_BYTES], char cookie[TOKEN_COOKIE_SIZE])
{
	unsigned char	 raw[TOKEN_BYTES + 32];

	memcpy(raw, token, TOKEN_BYTES);
	mac_by_definition(blake, secret, purpose, token, TOKEN_BYTES, raw + TOKEN_BYTES);
	sodium_bin2base64(cookie, TOKEN_COOKIE_SIZE, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

TEST(every_base64url_character_decodes_to_its_value)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct token_keys keys;
	unsigned char	 data[48], back[48];
	char		 cookie[TOKEN_SEALED_SIZE(48)];

	/* 48 bytes whose encoding is the alphabet in order: each character once, at its value */
	assert_int_equal(sodium_base642bin(data, sizeof(data), alphabet,
	    sizeof(alphabet) - 1, NULL, NULL, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	keys_of(&keys, SECRET_A, NULL);
	token_seal(&keys, TOKEN_DEVICE, data, sizeof(data), cookie);
	assert_memory_equal(cookie, alphabet, sizeof(alphabet) - 1);
	memset(back, 0, sizeof(back));
	assert_int_equal(token_open(&keys, TOKEN_DEVICE, cookie, strlen(cookie),
	    back, sizeof(back)), 1);
	assert_memory_equal(back, data, sizeof(data));
}

TEST(cookie_mac_is_keyed_blake2b_of_purpose_and_token)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], want[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	signed_cookie(&keys, TOKEN_SESSION, token, cookie);
	cookie_by_definition(1, SECRET_A, TOKEN_SESSION, token, want);
	assert_string_equal(cookie, want);
}

TEST(earlier_versions_hmac_cookie_still_verifies_under_any_key)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], out[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, SECRET_B);
	token_new(token);
	cookie_by_definition(0, SECRET_B, TOKEN_SESSION, token, cookie);
	assert_int_equal(token_verify(&keys, TOKEN_SESSION, cookie,
	    strlen(cookie), out), 1);
	assert_memory_equal(out, token, TOKEN_BYTES);
	/* still bound to its purpose and to a configured secret */
	assert_int_equal(verifies(&keys, TOKEN_PRESESSION, cookie), 0);
	cookie_by_definition(0, SECRET_C, TOKEN_SESSION, token, cookie);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 0);
}

TEST(csrf_is_blake2b_and_the_earlier_hmac_form_still_checks)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], mac[32];
	char		 csrf[TOKEN_CSRF_SIZE], want[TOKEN_CSRF_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	token_new(token);
	token_csrf(&keys, TOKEN_CSRF, token, csrf);
	mac_by_definition(1, SECRET_A, TOKEN_CSRF, token, TOKEN_BYTES, mac);
	sodium_bin2base64(want, sizeof(want), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_string_equal(csrf, want);
	mac_by_definition(0, SECRET_A, TOKEN_CSRF, token, TOKEN_BYTES, mac);
	sodium_bin2base64(want, sizeof(want), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, want), 1);
	assert_int_equal(token_csrf_check(&keys, TOKEN_LOGIN_CSRF, token, want), 0);
}

/* Writes base64url of the CSRF value by the scheme of token for purpose under secret into csrf. */
static void
csrf_by_definition(int blake, const char *secret, enum token_purpose purpose,
    const unsigned char token[TOKEN_BYTES], char csrf[TOKEN_CSRF_SIZE])
{
	unsigned char	 mac[32];

	mac_by_definition(blake, secret, purpose, token, TOKEN_BYTES, mac);
	sodium_bin2base64(csrf, TOKEN_CSRF_SIZE, mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

TEST(cookie_mac_hmac_signs_cookies_and_csrf_the_earlier_way)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], data[40], back[40];
	char		 got[TOKEN_SEALED_SIZE(40)], want[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, SECRET_B);
	keys.sign = TOKEN_MAC_HMAC;
	signed_cookie(&keys, TOKEN_SESSION, token, got);
	cookie_by_definition(0, SECRET_A, TOKEN_SESSION, token, want);
	assert_string_equal(got, want);
	token_csrf(&keys, TOKEN_CSRF, token, got);
	csrf_by_definition(0, SECRET_A, TOKEN_CSRF, token, want);
	assert_string_equal(got, want);
	/* sealed data too, and it opens again */
	randombytes_buf(data, sizeof(data));
	token_seal(&keys, TOKEN_DEVICE, data, sizeof(data), got);
	assert_int_equal(token_open(&keys, TOKEN_DEVICE, got, strlen(got), back,
	    sizeof(back)), 1);
	assert_memory_equal(back, data, sizeof(data));
	keys.sign = TOKEN_MAC_BLAKE2B;
	assert_int_equal(token_open(&keys, TOKEN_DEVICE, got, strlen(got), back,
	    sizeof(back)), 1);
}

TEST(either_setting_verifies_both_forms_under_any_key_only)
{
	static const enum token_mac settings[] = { TOKEN_MAC_BLAKE2B, TOKEN_MAC_HMAC };
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES], out[TOKEN_BYTES];
	char		 cookie[TOKEN_COOKIE_SIZE], csrf[TOKEN_CSRF_SIZE];
	size_t		 i;
	int		 blake;

	keys_of(&keys, SECRET_A, SECRET_B);
	token_new(token);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		keys.sign = settings[i];
		for (blake = 0; blake <= 1; blake++) {
			cookie_by_definition(blake, SECRET_B, TOKEN_SESSION, token, cookie);
			memset(out, 0, sizeof(out));
			assert_int_equal(token_verify(&keys, TOKEN_SESSION, cookie,
			    strlen(cookie), out), 1);
			assert_memory_equal(out, token, TOKEN_BYTES);
			assert_int_equal(verifies(&keys, TOKEN_PRESESSION, cookie), 0);
			cookie_by_definition(blake, SECRET_C, TOKEN_SESSION, token, cookie);
			assert_int_equal(verifies(&keys, TOKEN_SESSION, cookie), 0);
			csrf_by_definition(blake, SECRET_A, TOKEN_CSRF, token, csrf);
			assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, csrf), 1);
			assert_int_equal(token_csrf_check(&keys, TOKEN_LOGIN_CSRF, token,
			    csrf), 0);
			csrf_by_definition(blake, SECRET_C, TOKEN_CSRF, token, csrf);
			assert_int_equal(token_csrf_check(&keys, TOKEN_CSRF, token, csrf), 0);
		}
	}
}

TEST(a_cookie_signed_under_one_setting_verifies_after_the_switch)
{
	struct token_keys keys;
	unsigned char	 token[TOKEN_BYTES];
	char		 hmac[TOKEN_COOKIE_SIZE], blake[TOKEN_COOKIE_SIZE];

	keys_of(&keys, SECRET_A, NULL);
	keys.sign = TOKEN_MAC_HMAC;
	signed_cookie(&keys, TOKEN_SESSION, token, hmac);
	keys.sign = TOKEN_MAC_BLAKE2B;
	token_sign(&keys, TOKEN_SESSION, token, blake);
	assert_string_not_equal(hmac, blake);
	assert_int_equal(verifies(&keys, TOKEN_SESSION, hmac), 1);
	keys.sign = TOKEN_MAC_HMAC;
	assert_int_equal(verifies(&keys, TOKEN_SESSION, blake), 1);
}

TEST(loaded_keys_sign_with_blake2b)
{
	struct token_keys keys;
	char		 err[256];

	keys.sign = TOKEN_MAC_HMAC;
	assert_int_equal(load_text(&keys, SECRET_A "\n", err, sizeof(err), NULL), 0);
	assert_int_equal(keys.sign, TOKEN_MAC_BLAKE2B);
}

/* libsodium must be initialised before any token function runs. */
static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_then_verify_round_trip),
		cmocka_unit_test(cookie_is_base64url_without_padding),
		cmocka_unit_test(signing_is_deterministic_per_token_and_key),
		cmocka_unit_test(fresh_tokens_differ),
		cmocka_unit_test(every_tampered_character_is_refused),
		cmocka_unit_test(padding_bits_of_the_last_character_are_checked),
		cmocka_unit_test(wrong_purpose_is_refused),
		cmocka_unit_test(unknown_key_is_refused),
		cmocka_unit_test(no_keys_verify_nothing),
		cmocka_unit_test(truncated_cookie_is_refused),
		cmocka_unit_test(overlong_cookie_is_refused),
		cmocka_unit_test(non_base64_input_is_refused),
		cmocka_unit_test(bytes_above_0x7f_are_refused_everywhere),
		cmocka_unit_test(embedded_nul_is_refused),
		cmocka_unit_test(refused_cookie_leaves_the_output_alone),
		cmocka_unit_test(rotation_old_key_second_still_verifies),
		cmocka_unit_test(rotation_new_key_signs),
		cmocka_unit_test(rotation_old_key_removed_no_longer_verifies),
		cmocka_unit_test(keys_add_needs_32_bytes),
		cmocka_unit_test(keys_add_stops_at_the_maximum),
		cmocka_unit_test(keys_wipe_forgets_every_key),
		cmocka_unit_test(hash_is_stable_and_not_the_token),
		cmocka_unit_test(csrf_round_trip),
		cmocka_unit_test(csrf_of_another_token_is_refused),
		cmocka_unit_test(csrf_for_another_purpose_is_refused),
		cmocka_unit_test(csrf_is_not_the_signed_cookie_mac),
		cmocka_unit_test(csrf_refuses_null_empty_short_long_and_tampered),
		cmocka_unit_test(csrf_rotation_old_key_second_verifies_removed_does_not),
		cmocka_unit_test(load_one_secret_per_line_first_signs),
		cmocka_unit_test(load_skips_blank_lines_and_strips_crlf),
		cmocka_unit_test(load_last_line_without_newline),
		cmocka_unit_test(load_missing_file),
		cmocka_unit_test(load_unset_path),
		cmocka_unit_test(load_empty_file),
		cmocka_unit_test(load_blank_lines_only),
		cmocka_unit_test(load_short_secret_names_the_line),
		cmocka_unit_test(load_secret_of_31_bytes_is_short),
		cmocka_unit_test(load_too_many_secrets),
		cmocka_unit_test(load_overlong_line_is_refused_not_split),
		cmocka_unit_test(load_failure_wipes_keys_loaded_before_it),
		cmocka_unit_test(every_base64url_character_decodes_to_its_value),
		cmocka_unit_test(cookie_mac_is_keyed_blake2b_of_purpose_and_token),
		cmocka_unit_test(earlier_versions_hmac_cookie_still_verifies_under_any_key),
		cmocka_unit_test(csrf_is_blake2b_and_the_earlier_hmac_form_still_checks),
		cmocka_unit_test(cookie_mac_hmac_signs_cookies_and_csrf_the_earlier_way),
		cmocka_unit_test(either_setting_verifies_both_forms_under_any_key_only),
		cmocka_unit_test(a_cookie_signed_under_one_setting_verifies_after_the_switch),
		cmocka_unit_test(loaded_keys_sign_with_blake2b),
	};

	return cmocka_run_group_tests_name("token", tests, setup, NULL);
}
