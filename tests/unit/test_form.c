/* Unit tests for form.c: application/x-www-form-urlencoded bodies and query strings. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "form.h"

/* Decodes text with url_decode on a writable copy; returns its result, the output in out. */
static int
decode(const char *text, char *out, size_t outsz, size_t *outlen)
{
	size_t	 len = strlen(text);

	assert_true(len < outsz);
	memcpy(out, text, len + 1);
	return url_decode(out, len, outlen);
}

/* Parses the len bytes at text; fails the test unless form_parse returns want. */
static void
parse_expect(struct form *f, const char *text, size_t len, int want)
{
	assert_int_equal(form_parse(f, text, len), want);
}

TEST(decode_plain_text_is_unchanged)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("abc", s, sizeof(s), &n), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(n, 3);
}

TEST(decode_plus_is_space)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("a+b++", s, sizeof(s), &n), 0);
	assert_string_equal(s, "a b  ");
	assert_int_equal(n, 5);
}

TEST(decode_percent_escapes_either_case)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("%41%62%2b%2F%7e", s, sizeof(s), &n), 0);
	assert_string_equal(s, "Ab+/~");
	assert_int_equal(n, 5);
}

TEST(decode_escaped_plus_stays_plus)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("1%2B1", s, sizeof(s), &n), 0);
	assert_string_equal(s, "1+1");
}

TEST(decode_high_bytes)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("%C3%A9%ff", s, sizeof(s), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "\xc3\xa9\xff", 3);
}

TEST(decode_escape_at_the_very_end)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("x%20", s, sizeof(s), &n), 0);
	assert_string_equal(s, "x ");
}

TEST(decode_rejects_truncated_escapes)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("%", s, sizeof(s), &n), -1);
	assert_int_equal(decode("%4", s, sizeof(s), &n), -1);
	assert_int_equal(decode("abc%", s, sizeof(s), &n), -1);
	assert_int_equal(decode("abc%2", s, sizeof(s), &n), -1);
}

TEST(decode_rejects_non_hex_escapes)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("%zz", s, sizeof(s), &n), -1);
	assert_int_equal(decode("%4g", s, sizeof(s), &n), -1);
	assert_int_equal(decode("%g4", s, sizeof(s), &n), -1);
	assert_int_equal(decode("% 1", s, sizeof(s), &n), -1);
	assert_int_equal(decode("%%41", s, sizeof(s), &n), -1);
}

TEST(decode_rejects_encoded_nul)
{
	char	 s[32];
	size_t	 n;

	assert_int_equal(decode("a%00b", s, sizeof(s), &n), -1);
}

TEST(decode_rejects_raw_nul)
{
	char	 s[8] = { 'a', '\0', 'b', '\0' };
	size_t	 n;

	assert_int_equal(url_decode(s, 3, &n), -1);
}

TEST(decode_only_len_bytes)
{
	char	 s[32] = "ab%41tail";
	size_t	 n;

	assert_int_equal(url_decode(s, 5, &n), 0);
	assert_string_equal(s, "abA");
	assert_int_equal(n, 3);
}

TEST(parse_two_fields)
{
	struct form	 f;
	const char	*t = "username=alice&password=s3cret";

	parse_expect(&f, t, strlen(t), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "username"), "alice");
	assert_string_equal(form_get(&f, "password"), "s3cret");
	assert_int_equal(f.field[1].value_len, 6);
	form_free(&f);
}

TEST(parse_decodes_names_and_values)
{
	struct form	 f;
	const char	*t = "user+name=J%C3%B6rg+M&a%3Db=c%26d";

	parse_expect(&f, t, strlen(t), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "user name"), "J\xc3\xb6rg M");
	assert_string_equal(form_get(&f, "a=b"), "c&d");
	form_free(&f);
}

TEST(parse_empty_body)
{
	struct form	 f;

	parse_expect(&f, "", 0, 0);
	assert_int_equal(f.n, 0);
	assert_null(form_get(&f, "a"));
	form_free(&f);
}

TEST(parse_skips_empty_pairs)
{
	struct form	 f;
	const char	*t = "&&a=1&&&b=2&";

	parse_expect(&f, t, strlen(t), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_string_equal(form_get(&f, "b"), "2");
	form_free(&f);
}

TEST(parse_field_without_equals_has_empty_value)
{
	struct form	 f;
	const char	*t = "flag&x=1";

	parse_expect(&f, t, strlen(t), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "flag"), "");
	assert_int_equal(f.field[0].value_len, 0);
	assert_string_equal(form_get(&f, "x"), "1");
	form_free(&f);
}

TEST(parse_empty_value_and_empty_name)
{
	struct form	 f;
	const char	*t = "a=&=b";

	parse_expect(&f, t, strlen(t), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "a"), "");
	assert_string_equal(form_get(&f, ""), "b");
	form_free(&f);
}

TEST(parse_value_may_hold_equals)
{
	struct form	 f;
	const char	*t = "k=a=b=c";

	parse_expect(&f, t, strlen(t), 0);
	assert_string_equal(form_get(&f, "k"), "a=b=c");
	form_free(&f);
}

TEST(parse_first_of_repeated_names_wins)
{
	struct form	 f;
	const char	*t = "a=first&a=second";

	parse_expect(&f, t, strlen(t), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "a"), "first");
	form_free(&f);
}

TEST(parse_missing_name_is_null)
{
	struct form	 f;
	const char	*t = "a=1";

	parse_expect(&f, t, strlen(t), 0);
	assert_null(form_get(&f, "b"));
	assert_null(form_get(&f, "A"));
	form_free(&f);
}

TEST(parse_reads_only_len_bytes)
{
	struct form	 f;
	const char	*t = "a=1&b=2";

	parse_expect(&f, t, 3, 0);
	assert_int_equal(f.n, 1);
	assert_null(form_get(&f, "b"));
	form_free(&f);
}

TEST(parse_does_not_change_the_input)
{
	struct form	 f;
	char		 t[] = "a=%41+b";

	parse_expect(&f, t, strlen(t), 0);
	assert_string_equal(t, "a=%41+b");
	form_free(&f);
}

/* Fills buf with n fields "fI=I&..." and returns its length. */
static size_t
many_fields(char *buf, size_t size, int n)
{
	size_t	 len = 0;
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, size - len, "%sf%d=%d",
		    i ? "&" : "", i, i);
	return len;
}

TEST(parse_accepts_the_maximum_number_of_fields)
{
	struct form	 f;
	char		 t[1024];
	size_t		 len = many_fields(t, sizeof(t), FORM_MAX_FIELDS);

	parse_expect(&f, t, len, 0);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	assert_string_equal(form_get(&f, "f31"), "31");
	form_free(&f);
}

TEST(parse_rejects_too_many_fields)
{
	struct form	 f;
	char		 t[1024];
	size_t		 len = many_fields(t, sizeof(t), FORM_MAX_FIELDS + 1);

	parse_expect(&f, t, len, -1);
	form_free(&f);
}

TEST(parse_empty_pairs_do_not_count_as_fields)
{
	struct form	 f;
	char		 t[1024];
	size_t		 len = many_fields(t, sizeof(t), FORM_MAX_FIELDS);

	memcpy(t + len, "&&&&", 5);
	parse_expect(&f, t, len + 4, 0);
	form_free(&f);
}

TEST(parse_rejects_bad_escape_in_value)
{
	struct form	 f;
	const char	*t = "a=1&b=%zz";

	parse_expect(&f, t, strlen(t), -1);
	form_free(&f);
}

TEST(parse_rejects_bad_escape_in_name)
{
	struct form	 f;
	const char	*t = "a%=1";

	parse_expect(&f, t, strlen(t), -1);
	form_free(&f);
}

TEST(parse_rejects_encoded_nul)
{
	struct form	 f;
	const char	*t = "password=abc%00def";

	parse_expect(&f, t, strlen(t), -1);
	form_free(&f);
}

TEST(parse_rejects_raw_nul_in_value)
{
	struct form	 f;
	const char	 t[] = "a=x\0y";

	parse_expect(&f, t, sizeof(t) - 1, -1);
	form_free(&f);
}

TEST(parse_rejects_raw_nul_in_name)
{
	struct form	 f;
	const char	 t[] = "user\0name=admin";

	parse_expect(&f, t, sizeof(t) - 1, -1);
	form_free(&f);
}

TEST(parse_rejects_raw_nul_in_field_without_equals)
{
	struct form	 f;
	const char	 t[] = "a\0b&c=1";

	parse_expect(&f, t, sizeof(t) - 1, -1);
	form_free(&f);
}

TEST(free_is_safe_twice_and_on_a_zeroed_form)
{
	struct form	 f;
	const char	*t = "a=1";

	memset(&f, 0, sizeof(f));
	form_free(&f);
	form_free(NULL);
	parse_expect(&f, t, strlen(t), 0);
	form_free(&f);
	form_free(&f);
	assert_null(f.store);
	assert_int_equal(f.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_plain_text_is_unchanged),
		cmocka_unit_test(decode_plus_is_space),
		cmocka_unit_test(decode_percent_escapes_either_case),
		cmocka_unit_test(decode_escaped_plus_stays_plus),
		cmocka_unit_test(decode_high_bytes),
		cmocka_unit_test(decode_escape_at_the_very_end),
		cmocka_unit_test(decode_rejects_truncated_escapes),
		cmocka_unit_test(decode_rejects_non_hex_escapes),
		cmocka_unit_test(decode_rejects_encoded_nul),
		cmocka_unit_test(decode_rejects_raw_nul),
		cmocka_unit_test(decode_only_len_bytes),
		cmocka_unit_test(parse_two_fields),
		cmocka_unit_test(parse_decodes_names_and_values),
		cmocka_unit_test(parse_empty_body),
		cmocka_unit_test(parse_skips_empty_pairs),
		cmocka_unit_test(parse_field_without_equals_has_empty_value),
		cmocka_unit_test(parse_empty_value_and_empty_name),
		cmocka_unit_test(parse_value_may_hold_equals),
		cmocka_unit_test(parse_first_of_repeated_names_wins),
		cmocka_unit_test(parse_missing_name_is_null),
		cmocka_unit_test(parse_reads_only_len_bytes),
		cmocka_unit_test(parse_does_not_change_the_input),
		cmocka_unit_test(parse_accepts_the_maximum_number_of_fields),
		cmocka_unit_test(parse_rejects_too_many_fields),
		cmocka_unit_test(parse_empty_pairs_do_not_count_as_fields),
		cmocka_unit_test(parse_rejects_bad_escape_in_value),
		cmocka_unit_test(parse_rejects_bad_escape_in_name),
		cmocka_unit_test(parse_rejects_encoded_nul),
		cmocka_unit_test(parse_rejects_raw_nul_in_value),
		cmocka_unit_test(parse_rejects_raw_nul_in_name),
		cmocka_unit_test(parse_rejects_raw_nul_in_field_without_equals),
		cmocka_unit_test(free_is_safe_twice_and_on_a_zeroed_form),
	};

	return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
