/* Fuzzes TESSERA_REQUIRE: rule_parse on any bytes, then rule_eval of what it accepted. */
#include "fuzz.h"

#include "rule.h"

/*
 * Parses the input as a rule. An accepted rule must hold only valid
 * group names, a factor of 0 to 2 and a fresh= within bounds; a refused
 * one must say why. Then judges a few subjects against it.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rule_subject who[] = {
		{ "", 1, 0 }, { "admins,ops", 2, 5 }, { "a", 1, 1000000000LL },
	};
	struct rule	 r;
	char		 err[160];
	size_t		 i;
	int		 set, n;

	err[0] = '\0';
	if (rule_parse((const char *)data, size, &r, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(size <= RULE_TEXT_MAX);
	FUZZ_ASSERT(r.factor >= 0 && r.factor <= 2);
	FUZZ_ASSERT(r.fresh >= 0 && r.fresh <= RULE_FRESH_MAX);
	FUZZ_ASSERT(r.nsets >= 0 && r.nsets <= RULE_SETS_MAX);
	for (set = 0; set < r.nsets; set++) {
		FUZZ_ASSERT(r.nnames[set] >= 1 && r.nnames[set] <= RULE_NAMES_MAX);
		for (n = 0; n < r.nnames[set]; n++)
			FUZZ_ASSERT(rule_group_name_ok(r.names[set][n],
			    strlen(r.names[set][n])));
	}
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++)
		FUZZ_ASSERT(rule_eval(&r, &who[i]) <= RULE_NEED_FRESH);
	return 0;
}
