/* Unit tests for buf.c: the bounded growable buffer. */
#include "unit.h"

#include <string.h>

#include "buf.h"

TEST(new_buffer_is_empty_string)
{
	struct buf	 b;

	buf_init(&b, 100);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.failed, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

TEST(append_and_puts_concatenate)
{
	struct buf	 b;

	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(buf_puts(&b, "def"), 0);
	assert_string_equal(buf_str(&b), "abcdef");
	assert_int_equal(b.len, 6);
	buf_free(&b);
}

TEST(append_keeps_binary_bytes_and_terminates)
{
	struct buf	 b;

	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 3);
	assert_int_equal(b.data[3], '\0');
	buf_free(&b);
}

TEST(append_nothing_is_fine)
{
	struct buf	 b;

	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

TEST(grows_past_its_first_allocation)
{
	struct buf	 b;
	char		 chunk[100];
	int		 i;

	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b, 100000);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap > b.len);
	assert_int_equal(strlen(buf_str(&b)), 100000);
	buf_free(&b);
}

TEST(exactly_max_bytes_fit)
{
	struct buf	 b;

	buf_init(&b, 5);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_string_equal(buf_str(&b), "12345");
	buf_free(&b);
}

TEST(one_byte_over_max_fails_and_changes_nothing)
{
	struct buf	 b;

	buf_init(&b, 5);
	assert_int_equal(buf_puts(&b, "123"), 0);
	assert_int_equal(buf_puts(&b, "456"), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(b.len, 3);
	assert_string_equal(buf_str(&b), "123");
	buf_free(&b);
}

TEST(zero_max_takes_nothing)
{
	struct buf	 b;

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "a", 1), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

TEST(huge_length_does_not_wrap)
{
	struct buf	 b;

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_append(&b, "x", (size_t)-1), -1);
	assert_int_equal(buf_append(&b, "x", (size_t)-1 - 2), -1);
	assert_int_equal(b.len, 3);
	buf_free(&b);
}

TEST(failure_is_sticky)
{
	struct buf	 b;

	buf_init(&b, 4);
	assert_int_equal(buf_puts(&b, "12345"), -1);
	assert_int_equal(buf_puts(&b, "1"), -1);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_int_equal(buf_append(&b, "", 0), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

TEST(reset_empties_and_clears_the_failure)
{
	struct buf	 b;

	buf_init(&b, 4);
	assert_int_equal(buf_puts(&b, "123"), 0);
	assert_int_equal(buf_puts(&b, "45"), -1);
	buf_reset(&b);
	assert_int_equal(b.failed, 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "1234"), 0);
	assert_string_equal(buf_str(&b), "1234");
	buf_free(&b);
}

TEST(reset_keeps_the_memory_and_the_bound)
{
	struct buf	 b;
	char		*mem;

	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	mem = b.data;
	buf_reset(&b);
	assert_ptr_equal(b.data, mem);
	assert_int_equal(b.max, 8);
	assert_int_equal(buf_puts(&b, "123456789"), -1);
	buf_free(&b);
}

TEST(reset_of_an_unused_buffer)
{
	struct buf	 b;

	buf_init(&b, 8);
	buf_reset(&b);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

TEST(printf_formats)
{
	struct buf	 b;

	buf_init(&b, 100);
	assert_int_equal(buf_printf(&b, "%s=%d;", "a", 42), 0);
	assert_int_equal(buf_printf(&b, "%05.1f|%x|%zu", 3.14159, 255, (size_t)7), 0);
	assert_string_equal(buf_str(&b), "a=42;003.1|ff|7");
	assert_int_equal(b.len, strlen("a=42;003.1|ff|7"));
	buf_free(&b);
}

TEST(printf_empty_result)
{
	struct buf	 b;

	buf_init(&b, 10);
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

TEST(printf_exactly_to_max)
{
	struct buf	 b;

	buf_init(&b, 6);
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_printf(&b, "%04d", 7), 0);
	assert_string_equal(buf_str(&b), "ab0007");
	buf_free(&b);
}

TEST(printf_past_max_fails_and_changes_nothing)
{
	struct buf	 b;

	buf_init(&b, 6);
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_printf(&b, "%05d", 7), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(b.len, 2);
	assert_string_equal(buf_str(&b), "ab");
	buf_free(&b);
}

TEST(printf_grows_the_buffer)
{
	struct buf	 b;
	char		 big[1000];

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 10000);
	assert_int_equal(buf_puts(&b, "start:"), 0);
	assert_int_equal(buf_printf(&b, "%s|%s", big, big), 0);
	assert_int_equal(b.len, 6 + 999 * 2 + 1);
	assert_int_equal(strlen(buf_str(&b)), b.len);
	assert_int_equal(b.data[b.len - 1], 'y');
	buf_free(&b);
}

TEST(free_is_safe_twice_and_on_null)
{
	struct buf	 b;

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "x"), 0);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_free(NULL);
	assert_string_equal(buf_str(&b), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_buffer_is_empty_string),
		cmocka_unit_test(append_and_puts_concatenate),
		cmocka_unit_test(append_keeps_binary_bytes_and_terminates),
		cmocka_unit_test(append_nothing_is_fine),
		cmocka_unit_test(grows_past_its_first_allocation),
		cmocka_unit_test(exactly_max_bytes_fit),
		cmocka_unit_test(one_byte_over_max_fails_and_changes_nothing),
		cmocka_unit_test(zero_max_takes_nothing),
		cmocka_unit_test(huge_length_does_not_wrap),
		cmocka_unit_test(failure_is_sticky),
		cmocka_unit_test(reset_empties_and_clears_the_failure),
		cmocka_unit_test(reset_keeps_the_memory_and_the_bound),
		cmocka_unit_test(reset_of_an_unused_buffer),
		cmocka_unit_test(printf_formats),
		cmocka_unit_test(printf_empty_result),
		cmocka_unit_test(printf_exactly_to_max),
		cmocka_unit_test(printf_past_max_fails_and_changes_nothing),
		cmocka_unit_test(printf_grows_the_buffer),
		cmocka_unit_test(free_is_safe_twice_and_on_null),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
