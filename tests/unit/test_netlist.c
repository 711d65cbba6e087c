/* Unit tests for netlist.c: status_allow's addresses and prefixes, checked and matched. */
#include "unit.h"

#include <stdio.h>

#include "netlist.h"

TEST(addresses_match_themselves_only)
{
	assert_true(netlist_match("127.0.0.1, ::1", "127.0.0.1"));
	assert_true(netlist_match("127.0.0.1, ::1", "::1"));
	assert_false(netlist_match("127.0.0.1, ::1", "127.0.0.2"));
	assert_false(netlist_match("127.0.0.1, ::1", "::2"));
}

TEST(prefixes_match_their_range)
{
	assert_true(netlist_match("10.0.0.0/8", "10.255.1.2"));
	assert_false(netlist_match("10.0.0.0/8", "11.0.0.1"));
	assert_true(netlist_match("192.168.1.128/25", "192.168.1.200"));
	assert_false(netlist_match("192.168.1.128/25", "192.168.1.100"));
	assert_true(netlist_match("fd00::/8", "fd12::1"));
	assert_false(netlist_match("fd00::/8", "fe80::1"));
	assert_true(netlist_match("0.0.0.0/0", "203.0.113.9"));
}

TEST(families_never_cross)
{
	assert_false(netlist_match("0.0.0.0/0", "::1"));
	assert_false(netlist_match("::/0", "127.0.0.1"));
}

TEST(separators_and_empty_list)
{
	assert_true(netlist_match("1.2.3.4 ,  5.6.7.8", "5.6.7.8"));
	assert_false(netlist_match("", "127.0.0.1"));
	assert_int_equal(netlist_check("", NULL, 0), 0);
}

TEST(check_names_the_bad_entry)
{
	char	 err[128];

	assert_int_equal(netlist_check("127.0.0.1, banana", err, sizeof(err)), -1);
	assert_string_equal(err, "\"banana\": not an IP address");
	assert_int_equal(netlist_check("10.0.0.0/33", err, sizeof(err)), -1);
	assert_string_equal(err, "\"10.0.0.0/33\": an IPv4 prefix length is 0 to 32");
	assert_int_equal(netlist_check("::/129", err, sizeof(err)), -1);
	assert_int_equal(netlist_check("10.0.0.0/8x", err, sizeof(err)), -1);
	assert_int_equal(netlist_check("10.0.0.0//8", err, sizeof(err)), -1);
}

TEST(check_refuses_a_list_too_long)
{
	char	 list[NETLIST_MAX + 16], err[128];
	size_t	 i;

	for (i = 0; i + 10 < sizeof(list); i += 10)
		memcpy(list + i, "127.0.0.1,", 10);
	list[i] = '\0';
	assert_int_equal(netlist_check(list, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addresses_match_themselves_only),
		cmocka_unit_test(prefixes_match_their_range),
		cmocka_unit_test(families_never_cross),
		cmocka_unit_test(separators_and_empty_list),
		cmocka_unit_test(check_names_the_bad_entry),
		cmocka_unit_test(check_refuses_a_list_too_long),
	};

	return cmocka_run_group_tests_name("netlist", tests, NULL, NULL);
}
