/* Unit tests for text.c: UTF-8 validity and control characters. */
#include "unit.h"

#include <string.h>

#include "text.h"

/* Returns text_utf8_valid for the NUL-terminated s. */
static int
valid(const char *s)
{
	return text_utf8_valid(s, strlen(s));
}

TEST(empty_is_valid)
{
	assert_int_equal(text_utf8_valid("", 0), 1);
}

TEST(ascii_is_valid)
{
	assert_int_equal(valid("hello, world ~!"), 1);
}

TEST(each_sequence_length_is_valid)
{
	assert_int_equal(valid("\xc3\xa9"), 1);			/* U+00E9 */
	assert_int_equal(valid("\xe2\x82\xac"), 1);		/* U+20AC */
	assert_int_equal(valid("\xf0\x9f\x98\x80"), 1);		/* U+1F600 */
	assert_int_equal(valid("a\xc3\xa9z\xe2\x82\xac\xf0\x9f\x98\x80!"), 1);
}

TEST(boundaries_are_valid)
{
	assert_int_equal(valid("\x7f"), 1);			/* U+007F */
	assert_int_equal(valid("\xc2\x80"), 1);			/* U+0080 */
	assert_int_equal(valid("\xdf\xbf"), 1);			/* U+07FF */
	assert_int_equal(valid("\xe0\xa0\x80"), 1);		/* U+0800 */
	assert_int_equal(valid("\xed\x9f\xbf"), 1);		/* U+D7FF */
	assert_int_equal(valid("\xee\x80\x80"), 1);		/* U+E000 */
	assert_int_equal(valid("\xef\xbf\xbf"), 1);		/* U+FFFF */
	assert_int_equal(valid("\xf0\x90\x80\x80"), 1);		/* U+10000 */
	assert_int_equal(valid("\xf4\x8f\xbf\xbf"), 1);		/* U+10FFFF */
}

TEST(nul_byte_is_valid_utf8)
{
	assert_int_equal(text_utf8_valid("a\0b", 3), 1);
}

TEST(overlong_forms_are_invalid)
{
	assert_int_equal(valid("\xc0\x80"), 0);			/* NUL in 2 bytes */
	assert_int_equal(valid("\xc0\xaf"), 0);			/* '/' in 2 bytes */
	assert_int_equal(valid("\xc1\xbf"), 0);			/* U+007F in 2 bytes */
	assert_int_equal(valid("\xe0\x80\xaf"), 0);		/* '/' in 3 bytes */
	assert_int_equal(valid("\xe0\x9f\xbf"), 0);		/* U+07FF in 3 bytes */
	assert_int_equal(valid("\xf0\x80\x80\xaf"), 0);		/* '/' in 4 bytes */
	assert_int_equal(valid("\xf0\x8f\xbf\xbf"), 0);		/* U+FFFF in 4 bytes */
}

TEST(surrogates_are_invalid)
{
	assert_int_equal(valid("\xed\xa0\x80"), 0);		/* U+D800 */
	assert_int_equal(valid("\xed\xaf\xbf"), 0);		/* U+DBFF */
	assert_int_equal(valid("\xed\xb0\x80"), 0);		/* U+DC00 */
	assert_int_equal(valid("\xed\xbf\xbf"), 0);		/* U+DFFF */
	assert_int_equal(valid("\xed\xa0\xbd\xed\xb8\x80"), 0);	/* CESU-8 pair */
}

TEST(above_u10ffff_is_invalid)
{
	assert_int_equal(valid("\xf4\x90\x80\x80"), 0);		/* U+110000 */
	assert_int_equal(valid("\xf7\xbf\xbf\xbf"), 0);		/* U+1FFFFF */
	assert_int_equal(valid("\xf5\x80\x80\x80"), 0);
}

TEST(five_and_six_byte_forms_are_invalid)
{
	assert_int_equal(valid("\xf8\x88\x80\x80\x80"), 0);
	assert_int_equal(valid("\xfc\x84\x80\x80\x80\x80"), 0);
	assert_int_equal(valid("\xfe"), 0);
	assert_int_equal(valid("\xff"), 0);
}

TEST(lone_continuation_bytes_are_invalid)
{
	assert_int_equal(valid("\x80"), 0);
	assert_int_equal(valid("a\xbf"), 0);
	assert_int_equal(valid("\xc3\xa9\xa9"), 0);
}

TEST(truncated_sequences_are_invalid)
{
	assert_int_equal(valid("\xc3"), 0);
	assert_int_equal(valid("\xe2\x82"), 0);
	assert_int_equal(valid("\xe2"), 0);
	assert_int_equal(valid("\xf0\x9f\x98"), 0);
	assert_int_equal(valid("\xf0\x9f"), 0);
	assert_int_equal(valid("abc\xf0"), 0);
}

TEST(truncated_by_length_not_by_nul)
{
	const char	*s = "\xe2\x82\xac";

	assert_int_equal(text_utf8_valid(s, 3), 1);
	assert_int_equal(text_utf8_valid(s, 2), 0);
	assert_int_equal(text_utf8_valid(s, 1), 0);
}

TEST(sequence_interrupted_by_ascii_is_invalid)
{
	assert_int_equal(valid("\xe2\x82z"), 0);
	assert_int_equal(valid("\xc3z"), 0);
	assert_int_equal(valid("\xf0\x9f\x98z"), 0);
}

TEST(no_control_characters)
{
	assert_int_equal(text_has_control("", 0), 0);
	assert_int_equal(text_has_control("plain text ~", 12), 0);
	assert_int_equal(text_has_control("\xc3\xa9\xc2\x85", 4), 0);
}

TEST(each_c0_control_and_del_is_found)
{
	char	 s[3] = { 'a', 0, 'b' };
	int	 c;

	for (c = 0; c < 0x20; c++) {
		s[1] = (char)c;
		assert_int_equal(text_has_control(s, 3), 1);
	}
	s[1] = 0x7f;
	assert_int_equal(text_has_control(s, 3), 1);
	s[1] = ' ';
	assert_int_equal(text_has_control(s, 3), 0);
}

TEST(control_character_beyond_len_is_not_looked_at)
{
	assert_int_equal(text_has_control("ab\n", 2), 0);
	assert_int_equal(text_has_control("ab\n", 3), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_is_valid),
		cmocka_unit_test(ascii_is_valid),
		cmocka_unit_test(each_sequence_length_is_valid),
		cmocka_unit_test(boundaries_are_valid),
		cmocka_unit_test(nul_byte_is_valid_utf8),
		cmocka_unit_test(overlong_forms_are_invalid),
		cmocka_unit_test(surrogates_are_invalid),
		cmocka_unit_test(above_u10ffff_is_invalid),
		cmocka_unit_test(five_and_six_byte_forms_are_invalid),
		cmocka_unit_test(lone_continuation_bytes_are_invalid),
		cmocka_unit_test(truncated_sequences_are_invalid),
		cmocka_unit_test(truncated_by_length_not_by_nul),
		cmocka_unit_test(sequence_interrupted_by_ascii_is_invalid),
		cmocka_unit_test(no_control_characters),
		cmocka_unit_test(each_c0_control_and_del_is_found),
		cmocka_unit_test(control_character_beyond_len_is_not_looked_at),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
