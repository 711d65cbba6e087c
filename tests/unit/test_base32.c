/* Unit tests for base32.c: RFC 4648's vectors, either case in, one spelling per value. */
#include "unit.h"

#include "base32.h"

static const struct { const char *plain, *coded; } rfc4648[] = {
	{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
	{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
};

TEST(rfc4648_vectors_encode_without_padding)
{
	char	 out[32];
	size_t	 i;

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		base32_encode((const unsigned char *)rfc4648[i].plain,
		    strlen(rfc4648[i].plain), out, sizeof(out));
		assert_string_equal(out, rfc4648[i].coded);
		assert_int_equal(strlen(out), BASE32_LEN(strlen(rfc4648[i].plain)));
	}
}

TEST(rfc4648_vectors_decode_in_either_case)
{
	unsigned char	 out[16];
	char		 lower[16];
	size_t		 i, j;

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		assert_int_equal(base32_decode(rfc4648[i].coded, out, sizeof(out)),
		    (int)strlen(rfc4648[i].plain));
		assert_memory_equal(out, rfc4648[i].plain, strlen(rfc4648[i].plain));
		for (j = 0; rfc4648[i].coded[j] != '\0'; j++)
			lower[j] = (char)(rfc4648[i].coded[j] | 0x20);
		lower[j] = '\0';
		assert_int_equal(base32_decode(lower, out, sizeof(out)),
		    (int)strlen(rfc4648[i].plain));
	}
}

TEST(a_twenty_byte_secret_round_trips)
{
	unsigned char	 in[20], out[20];
	char		 text[BASE32_LEN(20) + 1];
	size_t		 i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	base32_encode(in, sizeof(in), text, sizeof(text));
	assert_int_equal(strlen(text), 32);
	assert_int_equal(base32_decode(text, out, sizeof(out)), 20);
	assert_memory_equal(in, out, sizeof(in));
}

TEST(non_canonical_or_foreign_text_is_refused)
{
	static const char *bad[] = {
		"M", "MZX", "MZXW6Y", "MZ", "MZXR", "MY======", "MZ XQ", "M1",
		"MZXW8", "MZ\xc3\x9f",
	};
	unsigned char	 out[16];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base32_decode(bad[i], out, sizeof(out)), -1);
}

TEST(output_space_is_never_exceeded)
{
	unsigned char	 out[2];
	char		 small[4];

	assert_int_equal(base32_decode("MZXW6", out, sizeof(out)), -1);
	base32_encode((const unsigned char *)"foo", 3, small, sizeof(small));
	assert_string_equal(small, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4648_vectors_encode_without_padding),
		cmocka_unit_test(rfc4648_vectors_decode_in_either_case),
		cmocka_unit_test(a_twenty_byte_secret_round_trips),
		cmocka_unit_test(non_canonical_or_foreign_text_is_refused),
		cmocka_unit_test(output_space_is_never_exceeded),
	};

	return cmocka_run_group_tests_name("base32", tests, NULL, NULL);
}
