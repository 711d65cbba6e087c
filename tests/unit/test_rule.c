/* Unit tests for rule.c: TESSERA_REQUIRE's syntax, its refusals, and the verdicts. */
#include "unit.h"

#include <string.h>

#include "rule.h"

/* Parses s; returns rule_parse's result, the reason in err. */
static int
parse(const char *s, struct rule *r, char err[160])
{
	err[0] = '\0';
	return rule_parse(s, strlen(s), r, err, 160);
}

/* Asserts that s is refused with a reason containing why. */
static void
refused(const char *s, const char *why)
{
	struct rule	 r;
	char		 err[160];

	assert_int_equal(parse(s, &r, err), -1);
	assert_non_null(strstr(err, why));
}

/* Returns the verdict of rule s for groups, assurance and proof age. */
static enum rule_verdict
judge(const char *s, const char *groups, int assurance, long long age)
{
	struct rule		 r;
	struct rule_subject	 who = { groups, assurance, age };
	char			 err[160];

	assert_int_equal(parse(s, &r, err), 0);
	return rule_eval(&r, &who);
}

TEST(the_full_example_parses)
{
	struct rule	 r;
	char		 err[160];

	assert_int_equal(parse(" group=admins, ops ;factor=2; fresh=10m ", &r, err), 0);
	assert_int_equal(r.nsets, 1);
	assert_int_equal(r.nnames[0], 2);
	assert_string_equal(r.names[0][0], "admins");
	assert_string_equal(r.names[0][1], "ops");
	assert_int_equal(r.factor, 2);
	assert_int_equal(r.fresh, 600);
}

TEST(empty_rule_and_empty_clauses_ask_only_for_a_session)
{
	assert_int_equal(judge("", "", 1, 99999999), RULE_ALLOW);
	assert_int_equal(judge(" ; ;", "", 1, 0), RULE_ALLOW);
}

TEST(durations_take_each_unit)
{
	struct rule	 r;
	char		 err[160];

	assert_int_equal(parse("fresh=45s", &r, err), 0);
	assert_int_equal(r.fresh, 45);
	assert_int_equal(parse("fresh=2h", &r, err), 0);
	assert_int_equal(r.fresh, 7200);
	assert_int_equal(parse("fresh=30d", &r, err), 0);
	assert_int_equal(r.fresh, RULE_FRESH_MAX);
}

TEST(syntax_errors_are_refused_with_the_reason)
{
	refused("group", "key=value");
	refused("groups=admins", "unknown requirement \"groups\"");
	refused("user=alice", "unknown requirement");
	refused("group=", "a group name has");
	refused("group=admins,", "a group name has");
	refused("group=ad mins", "a group name has");
	refused("group=a\"b", "a group name has");
	refused("factor=3", "factor= is 1 or 2");
	refused("factor=", "factor= is 1 or 2");
	refused("factor=2; factor=2", "given twice");
	refused("fresh=10", "a duration");
	refused("fresh=m", "a duration");
	refused("fresh=0s", "a duration");
	refused("fresh=31d", "a duration");
	refused("fresh=99999999999999999999s", "a duration");
	refused("fresh=10m; fresh=5m", "given twice");
	refused("group=a\nfactor=2", "control character");
}

TEST(limits_are_refused)
{
	char	 long_rule[RULE_TEXT_MAX + 2], name[RULE_GROUP_MAX + 8];

	memset(long_rule, ';', sizeof(long_rule) - 1);
	long_rule[sizeof(long_rule) - 1] = '\0';
	refused(long_rule, "longer than");
	memset(name, 'g', sizeof(name) - 1);
	memcpy(name, "group=", 6);
	name[sizeof(name) - 1] = '\0';
	refused(name, "a group name has");
	refused("group=a;group=a;group=a;group=a;group=a;group=a;group=a;group=a;"
	    "group=a", "more than 8 group=");
	refused("group=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "more than 16 groups");
}

TEST(a_group_clause_needs_any_one_of_its_groups)
{
	assert_int_equal(judge("group=admins,ops", "ops", 1, 0), RULE_ALLOW);
	assert_int_equal(judge("group=admins,ops", "dev,admins", 1, 0), RULE_ALLOW);
	assert_int_equal(judge("group=admins,ops", "dev", 1, 0), RULE_DENY);
	assert_int_equal(judge("group=admins", "", 1, 0), RULE_DENY);
}

TEST(group_names_match_whole_names_only)
{
	assert_int_equal(judge("group=admin", "admins", 1, 0), RULE_DENY);
	assert_int_equal(judge("group=admins", "admin,sadmins", 1, 0), RULE_DENY);
	assert_int_equal(judge("group=Admins", "admins", 1, 0), RULE_DENY);
}

TEST(every_group_clause_must_hold)
{
	assert_int_equal(judge("group=staff; group=ops", "staff,ops", 1, 0), RULE_ALLOW);
	assert_int_equal(judge("group=staff; group=ops", "staff", 1, 0), RULE_DENY);
}

TEST(factor_two_needs_a_second_factor)
{
	assert_int_equal(judge("factor=2", "", 1, 0), RULE_NEED_FACTOR);
	assert_int_equal(judge("factor=2", "", 2, 0), RULE_ALLOW);
	assert_int_equal(judge("factor=1", "", 1, 0), RULE_ALLOW);
}

TEST(fresh_compares_the_age_of_the_proof)
{
	assert_int_equal(judge("fresh=10m", "", 1, 600), RULE_ALLOW);
	assert_int_equal(judge("fresh=10m", "", 1, 601), RULE_NEED_FRESH);
	assert_int_equal(judge("fresh=10m", "", 1, -1), RULE_NEED_FRESH);
}

TEST(a_missing_group_is_judged_before_proof)
{
	assert_int_equal(judge("group=admins; factor=2; fresh=1s", "", 1, 99), RULE_DENY);
	assert_int_equal(judge("group=admins; factor=2; fresh=1s", "admins", 1, 99),
	    RULE_NEED_FACTOR);
	assert_int_equal(judge("group=admins; factor=2; fresh=1s", "admins", 2, 99),
	    RULE_NEED_FRESH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_full_example_parses),
		cmocka_unit_test(empty_rule_and_empty_clauses_ask_only_for_a_session),
		cmocka_unit_test(durations_take_each_unit),
		cmocka_unit_test(syntax_errors_are_refused_with_the_reason),
		cmocka_unit_test(limits_are_refused),
		cmocka_unit_test(a_group_clause_needs_any_one_of_its_groups),
		cmocka_unit_test(group_names_match_whole_names_only),
		cmocka_unit_test(every_group_clause_must_hold),
		cmocka_unit_test(factor_two_needs_a_second_factor),
		cmocka_unit_test(fresh_compares_the_age_of_the_proof),
		cmocka_unit_test(a_missing_group_is_judged_before_proof),
	};

	return cmocka_run_group_tests_name("rule", tests, NULL, NULL);
}
