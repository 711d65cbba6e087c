/* Unit tests for recovery.c: the shape of a code, how it may be typed, its hash. */
#include "unit.h"

#include <sodium.h>

#include "recovery.h"

TEST(a_new_code_is_four_groups_of_four_and_reads_back)
{
	char		 code[RECOVERY_SIZE], canon[RECOVERY_CHARS + 1];
	size_t		 i;

	recovery_new(code);
	assert_int_equal(strlen(code), RECOVERY_SIZE - 1);
	for (i = 0; code[i] != '\0'; i++)
		assert_true(i % 5 == 4 ? code[i] == '-' :
		    strchr("abcdefghijklmnopqrstuvwxyz234567", code[i]) != NULL);
	assert_int_equal(recovery_parse(code, canon), 0);
	assert_int_equal(strlen(canon), RECOVERY_CHARS);
}

TEST(typed_forms_of_one_code_have_one_hash)
{
	static const char *forms[] = {
		"abcd-efgh-ijkl-mn23", "ABCD-EFGH-IJKL-MN23", "abcdefghijklmn23",
		" abcd efgh ijkl mn23 ", "Abcd-Efgh ijkl-MN23",
	};
	char		 canon[RECOVERY_CHARS + 1];
	unsigned char	 first[RECOVERY_HASH_BYTES], h[RECOVERY_HASH_BYTES];
	size_t		 i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(recovery_parse(forms[i], canon), 0);
		assert_string_equal(canon, "abcdefghijklmn23");
		recovery_hash(canon, i == 0 ? first : h);
		if (i > 0)
			assert_memory_equal(first, h, sizeof(h));
	}
	assert_int_equal(recovery_parse("abcd-efgh-ijkl-mn24", canon), 0);
	recovery_hash(canon, h);
	assert_memory_not_equal(first, h, sizeof(h));
}

TEST(anything_else_is_not_a_code)
{
	static const char *bad[] = {
		"", "abcd-efgh-ijkl-mn2", "abcd-efgh-ijkl-mn233", "abcd-efgh-ijkl-mn21",
		"abcd-efgh-ijkl-mn2\t", "abcd_efgh_ijkl_mn23", "abcd-efgh-ijkl-m\xc3\xa9",
		"123456",
	};
	char		 canon[RECOVERY_CHARS + 1];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(recovery_parse(bad[i], canon), -1);
}

TEST(fresh_codes_differ)
{
	char		 a[RECOVERY_SIZE], b[RECOVERY_SIZE];

	recovery_new(a);
	recovery_new(b);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_new_code_is_four_groups_of_four_and_reads_back),
		cmocka_unit_test(typed_forms_of_one_code_have_one_hash),
		cmocka_unit_test(anything_else_is_not_a_code),
		cmocka_unit_test(fresh_codes_differ),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}
