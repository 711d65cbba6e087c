/* Unit tests for netaddr.c: the address key of sign-in throttling (IPv6 by /64). */
#include "unit.h"

#include "netaddr.h"

/* Asserts that addr's throttling key is want. */
static void
key_is(const char *addr, const char *want)
{
	char	 out[NETADDR_KEY_SIZE];

	netaddr_throttle_key(addr, out);
	assert_string_equal(out, want);
}

TEST(ipv4_is_kept_whole)
{
	key_is("192.0.2.7", "192.0.2.7");
	key_is("127.0.0.1", "127.0.0.1");
}

TEST(ipv6_is_cut_to_its_64)
{
	key_is("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64");
	key_is("2001:db8:1:2::1", "2001:db8:1:2::/64");
	key_is("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
	key_is("::1", "::/64");
}

TEST(two_addresses_of_one_64_share_a_key_and_the_next_64_does_not)
{
	char	 a[NETADDR_KEY_SIZE], b[NETADDR_KEY_SIZE], c[NETADDR_KEY_SIZE];

	netaddr_throttle_key("2001:db8:0:7:a::1", a);
	netaddr_throttle_key("2001:db8:0:7:b::2", b);
	netaddr_throttle_key("2001:db8:0:8:a::1", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

TEST(ipv4_mapped_ipv6_is_the_ipv4_address)
{
	key_is("::ffff:192.0.2.7", "192.0.2.7");
}

TEST(anything_else_is_kept_as_given)
{
	char	 out[NETADDR_KEY_SIZE];
	char	 longer[200];

	key_is("-", "-");
	key_is("not:an:address", "not:an:address");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	netaddr_throttle_key(longer, out);
	assert_int_equal(strlen(out), NETADDR_KEY_SIZE - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_is_kept_whole),
		cmocka_unit_test(ipv6_is_cut_to_its_64),
		cmocka_unit_test(two_addresses_of_one_64_share_a_key_and_the_next_64_does_not),
		cmocka_unit_test(ipv4_mapped_ipv6_is_the_ipv4_address),
		cmocka_unit_test(anything_else_is_kept_as_given),
	};

	return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
