/* Unit tests for totp.c: RFC 6238's SHA-1 vectors, the accepted window, single use, what a code may look like. */
#include "unit.h"

#include "totp.h"

/* RFC 6238 appendix B: the SHA-1 seed is the ASCII of "12345678901234567890". */
#define RFC_SEED	"12345678901234567890"

static const unsigned char *seed = (const unsigned char *)RFC_SEED;

TEST(rfc6238_sha1_vectors_as_six_digits)
{
	static const struct { time_t t; const char *code; } v[] = {
		{ 59, "287082" }, { 1111111109, "081804" },
		{ 1111111111, "050471" }, { 1234567890, "005924" },
		{ 2000000000, "279037" }, { 20000000000LL, "353130" },
	};
	char	 out[TOTP_DIGITS + 1];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(seed, 20, totp_step(v[i].t), out), 0);
		assert_string_equal(out, v[i].code);
	}
}

TEST(a_code_counts_one_step_either_side_and_no_further)
{
	time_t	 now = 1234567890;
	int64_t	 at = totp_step(now);
	char	 code[TOTP_DIGITS + 1];

	assert_int_equal(totp_code(seed, 20, at, code), 0);
	assert_true(totp_verify(seed, 20, code, now, 0) == at);
	assert_int_equal(totp_code(seed, 20, at - 1, code), 0);
	assert_true(totp_verify(seed, 20, code, now, 0) == at - 1);
	assert_int_equal(totp_code(seed, 20, at + 1, code), 0);
	assert_true(totp_verify(seed, 20, code, now, 0) == at + 1);
	assert_int_equal(totp_code(seed, 20, at - 2, code), 0);
	assert_true(totp_verify(seed, 20, code, now, 0) == 0);
	assert_int_equal(totp_code(seed, 20, at + 2, code), 0);
	assert_true(totp_verify(seed, 20, code, now, 0) == 0);
}

TEST(a_used_step_and_every_earlier_one_is_refused)
{
	time_t	 now = 1234567890;
	int64_t	 at = totp_step(now);
	char	 code[TOTP_DIGITS + 1];

	assert_int_equal(totp_code(seed, 20, at, code), 0);
	assert_true(totp_verify(seed, 20, code, now, at) == 0);
	assert_true(totp_verify(seed, 20, code, now, at + 1) == 0);
	assert_true(totp_verify(seed, 20, code, now, at - 1) == at);
	assert_int_equal(totp_code(seed, 20, at - 1, code), 0);
	assert_true(totp_verify(seed, 20, code, now + TOTP_STEP, at) == 0);
}

TEST(a_wrong_code_or_secret_is_refused)
{
	time_t	 now = 1234567890;
	char	 code[TOTP_DIGITS + 1];
	unsigned char other[20];

	assert_true(totp_verify(seed, 20, "005925", now, 0) == 0);
	memset(other, 7, sizeof(other));
	assert_int_equal(totp_code(seed, 20, totp_step(now), code), 0);
	assert_true(totp_verify(other, 20, code, now, 0) == 0);
}

TEST(codes_are_read_as_people_type_them)
{
	char	 out[TOTP_DIGITS + 1];

	assert_int_equal(totp_code_parse("005924", out), 0);
	assert_string_equal(out, "005924");
	assert_int_equal(totp_code_parse(" 005 924 ", out), 0);
	assert_string_equal(out, "005924");
	assert_int_equal(totp_code_parse("005-924", out), 0);
	assert_string_equal(out, "005924");
}

TEST(anything_else_is_not_a_code)
{
	static const char *bad[] = {
		"", "     ", "12345", "1234567", "12345a", "+12345", "-12345",
		"12 3456", "123  456", "123--456", "123\t456", "１２３４５６",
		"123456\n", "0x1234", "１23456",
	};
	char	 out[TOTP_DIGITS + 1];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(totp_code_parse(bad[i], out), -1);
}

TEST(fresh_secrets_differ)
{
	unsigned char	 a[TOTP_SECRET_BYTES], b[TOTP_SECRET_BYTES];

	totp_secret_new(a);
	totp_secret_new(b);
	assert_memory_not_equal(a, b, sizeof(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6238_sha1_vectors_as_six_digits),
		cmocka_unit_test(a_code_counts_one_step_either_side_and_no_further),
		cmocka_unit_test(a_used_step_and_every_earlier_one_is_refused),
		cmocka_unit_test(a_wrong_code_or_secret_is_refused),
		cmocka_unit_test(codes_are_read_as_people_type_them),
		cmocka_unit_test(anything_else_is_not_a_code),
		cmocka_unit_test(fresh_secrets_differ),
	};

	if (totp_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
