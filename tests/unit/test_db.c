/* Unit tests for db.c's decoder of the session list its statements return (SESSION_LIST's text format). */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "db.h"

TEST(a_list_entry_decodes_every_field)
{
	/* id.created.last_seen.hex(address).hex(agent), as SESSION_LIST encodes it */
	const char	*cursor = "42.2026-01-31T23:59:59Z.2026-02-01T00:00:01Z."
			    "3132372e302e302e31.4d6f7a696c6c612f352e30&7.a.b..";
	struct db_list_entry e;

	assert_int_equal(db_list_next(&cursor, &e), 1);
	assert_string_equal(e.id, "42");
	assert_string_equal(e.created, "2026-01-31T23:59:59Z");
	assert_string_equal(e.last_seen, "2026-02-01T00:00:01Z");
	assert_string_equal(e.addr, "127.0.0.1");
	assert_string_equal(e.agent, "Mozilla/5.0");
	assert_int_equal(db_list_next(&cursor, &e), 1);
	assert_string_equal(e.id, "7");
	assert_string_equal(e.addr, "");
	assert_string_equal(e.agent, "");
	assert_int_equal(db_list_next(&cursor, &e), 0);
}

TEST(a_list_entry_short_of_a_field_is_skipped)
{
	const char	*cursor = "1.a.b.61&2.a.b.61.62";
	struct db_list_entry e;

	assert_int_equal(db_list_next(&cursor, &e), -1);
	assert_int_equal(db_list_next(&cursor, &e), 1);
	assert_string_equal(e.id, "2");
	assert_string_equal(e.agent, "b");
}

TEST(a_list_entry_with_bad_hex_or_a_nul_is_skipped)
{
	const char	*cursor = "1.a.b.6.62&2.a.b.61.00&3.a.b.61.62";
	struct db_list_entry e;

	assert_int_equal(db_list_next(&cursor, &e), -1);
	assert_int_equal(db_list_next(&cursor, &e), -1);
	assert_int_equal(db_list_next(&cursor, &e), 1);
	assert_string_equal(e.id, "3");
}

TEST(a_list_entry_that_does_not_fit_is_skipped)
{
	struct db_list_entry e;
	char		 text[2 * (DB_USER_AGENT_MAX + 1) + 64], *p;
	const char	*cursor;
	int		 i;

	/* an agent of DB_USER_AGENT_MAX bytes fits; one byte more does not */
	for (i = 0; i < 2; i++) {
		p = text + sprintf(text, "1.a.b.61.");
		memset(p, '6', 2 * (DB_USER_AGENT_MAX + (size_t)i));
		p[2 * (DB_USER_AGENT_MAX + i)] = '\0';
		cursor = text;
		assert_int_equal(db_list_next(&cursor, &e), i == 0 ? 1 : -1);
	}
	assert_int_equal(strlen(e.agent), DB_USER_AGENT_MAX);
	cursor = "123456789012345678901.a.b.61.62";		/* 21 digits */
	assert_int_equal(db_list_next(&cursor, &e), -1);
	cursor = "1.2026-01-31T23:59:59Z-too-long.b.61.62";
	assert_int_equal(db_list_next(&cursor, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_list_entry_decodes_every_field),
		cmocka_unit_test(a_list_entry_short_of_a_field_is_skipped),
		cmocka_unit_test(a_list_entry_with_bad_hex_or_a_nul_is_skipped),
		cmocka_unit_test(a_list_entry_that_does_not_fit_is_skipped),
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
