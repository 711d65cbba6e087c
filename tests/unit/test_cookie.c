/* Unit tests for http_cookie_next: finding a named cookie in a Cookie header. */
#include "unit.h"

#include <string.h>

#include "http.h"

#define NAME	"tessera_session"

/* Expects the next cookie called name at *cursor to have value want. */
static void
next_is(const char **cursor, const char *name, const char *want)
{
	const char	*value = NULL;
	size_t		 len = 0;

	assert_int_equal(http_cookie_next(cursor, name, &value, &len), 1);
	assert_non_null(value);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(value, want, len);
}

/* Expects no further cookie called name at *cursor. */
static void
no_more(const char **cursor, const char *name)
{
	const char	*value = NULL;
	size_t		 len = 0;

	assert_int_equal(http_cookie_next(cursor, name, &value, &len), 0);
}

TEST(empty_header_has_no_cookie)
{
	const char	*c = "";

	no_more(&c, NAME);
}

TEST(single_cookie)
{
	const char	*c = NAME "=abc";

	next_is(&c, NAME, "abc");
	no_more(&c, NAME);
}

TEST(found_among_several)
{
	const char	*c = "a=1; " NAME "=tok; b=2";

	next_is(&c, NAME, "tok");
	no_more(&c, NAME);
}

TEST(each_name_found_in_the_same_header)
{
	const char	*hdr = "a=1; b=2; c=3", *c;

	c = hdr;
	next_is(&c, "a", "1");
	c = hdr;
	next_is(&c, "b", "2");
	c = hdr;
	next_is(&c, "c", "3");
	c = hdr;
	no_more(&c, "d");
}

TEST(same_name_twice_gives_both_in_order)
{
	const char	*c = NAME "=first; x=y; " NAME "=second";

	next_is(&c, NAME, "first");
	next_is(&c, NAME, "second");
	no_more(&c, NAME);
}

TEST(no_more_stays_no_more)
{
	const char	*c = "a=1";

	next_is(&c, "a", "1");
	no_more(&c, "a");
	no_more(&c, "a");
}

TEST(no_spaces_between_cookies)
{
	const char	*c = "a=1;" NAME "=v;b=2";

	next_is(&c, NAME, "v");
}

TEST(extra_spaces_tabs_and_semicolons)
{
	const char	*c = "  ;; a=1 ;\t ;  " NAME "=v  ;;  ";

	next_is(&c, NAME, "v");
	no_more(&c, NAME);
}

TEST(trailing_spaces_are_not_part_of_the_value)
{
	const char	*c = NAME "=v   ";

	next_is(&c, NAME, "v");
}

TEST(empty_value)
{
	const char	*c = NAME "=; a=1";

	next_is(&c, NAME, "");
	no_more(&c, NAME);
}

TEST(name_without_value_is_skipped)
{
	const char	*c = NAME "; " NAME "=real";

	next_is(&c, NAME, "real");
	no_more(&c, NAME);
}

TEST(value_may_hold_equals)
{
	const char	*c = NAME "=a=b==";

	next_is(&c, NAME, "a=b==");
}

TEST(longer_name_ending_in_the_name_does_not_match)
{
	const char	*c = "x" NAME "=evil";

	no_more(&c, NAME);
}

TEST(longer_name_starting_with_the_name_does_not_match)
{
	const char	*c = NAME "_pre=other; " NAME "x=evil";

	no_more(&c, NAME);
}

TEST(prefixed_names_do_not_hide_the_real_one)
{
	const char	*c = "x" NAME "=evil; " NAME "_pre=p; " NAME "=good";

	next_is(&c, NAME, "good");
	no_more(&c, NAME);
}

TEST(shorter_name_does_not_match)
{
	const char	*c = "tessera=evil";

	no_more(&c, NAME);
}

TEST(name_is_case_sensitive)
{
	const char	*c = "TESSERA_SESSION=evil";

	no_more(&c, NAME);
}

TEST(name_appearing_inside_a_value_does_not_match)
{
	const char	*c = "other=" NAME "=evil";

	no_more(&c, NAME);
}

TEST(space_before_equals_is_another_name)
{
	const char	*c = NAME " =v";

	no_more(&c, NAME);
}

TEST(value_is_not_terminated_but_bounded)
{
	const char	*c = NAME "=abc; rest=1";
	const char	*value = NULL;
	size_t		 len = 0;

	assert_int_equal(http_cookie_next(&c, NAME, &value, &len), 1);
	assert_int_equal(len, 3);
	assert_int_equal(value[len], ';');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_header_has_no_cookie),
		cmocka_unit_test(single_cookie),
		cmocka_unit_test(found_among_several),
		cmocka_unit_test(each_name_found_in_the_same_header),
		cmocka_unit_test(same_name_twice_gives_both_in_order),
		cmocka_unit_test(no_more_stays_no_more),
		cmocka_unit_test(no_spaces_between_cookies),
		cmocka_unit_test(extra_spaces_tabs_and_semicolons),
		cmocka_unit_test(trailing_spaces_are_not_part_of_the_value),
		cmocka_unit_test(empty_value),
		cmocka_unit_test(name_without_value_is_skipped),
		cmocka_unit_test(value_may_hold_equals),
		cmocka_unit_test(longer_name_ending_in_the_name_does_not_match),
		cmocka_unit_test(longer_name_starting_with_the_name_does_not_match),
		cmocka_unit_test(prefixed_names_do_not_hide_the_real_one),
		cmocka_unit_test(shorter_name_does_not_match),
		cmocka_unit_test(name_is_case_sensitive),
		cmocka_unit_test(name_appearing_inside_a_value_does_not_match),
		cmocka_unit_test(space_before_equals_is_another_name),
		cmocka_unit_test(value_is_not_terminated_but_bounded),
	};

	return cmocka_run_group_tests_name("cookie", tests, NULL, NULL);
}
