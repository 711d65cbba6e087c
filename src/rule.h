/* TESSERA_REQUIRE: what a protected location asks of a session (groups, factors, freshness); durations. */
#ifndef TESSERA_RULE_H
#define TESSERA_RULE_H

#include <stddef.h>

#define RULE_TEXT_MAX	1024		/* bytes of one rule */
#define RULE_SETS_MAX	8		/* group= clauses in one rule */
#define RULE_NAMES_MAX	16		/* names in one group= clause */
#define RULE_GROUP_MAX	64		/* bytes of a group name */
#define RULE_FRESH_MAX	(30L * 86400)	/* seconds: the longest fresh= */

/* A parsed rule: every group= clause holds (any one name each), and so do factor= and fresh=. */
struct rule {
	int	 nsets;
	int	 nnames[RULE_SETS_MAX];
	char	 names[RULE_SETS_MAX][RULE_NAMES_MAX][RULE_GROUP_MAX + 1];
	int	 factor;	/* factors the session's proof must have; 0: any */
	long	 fresh;		/* seconds within which it was given; 0: any */
};

/* Who asks: the session's (or token's) user and proof, as /auth read them. */
struct rule_subject {
	const char	*groups;	/* comma-separated, "" for none */
	int		 assurance;	/* factors of the proof: 1 password, 2 second factor */
	long long	 proof_age;	/* seconds since the proof */
};

enum rule_verdict {
	RULE_ALLOW,
	RULE_DENY,		/* not in a required group: more proof would not help */
	RULE_NEED_FACTOR,	/* a second factor is missing */
	RULE_NEED_FRESH,	/* the proof is older than fresh= */
};

int		 rule_parse(const char *text, size_t len, struct rule *,
		    char *err, size_t errsz) __attribute__((warn_unused_result));
enum rule_verdict rule_eval(const struct rule *, const struct rule_subject *);
int		 rule_group_name_ok(const char *name, size_t len);
int		 rule_duration(const char *text, size_t len, long max, long *secs)
		    __attribute__((warn_unused_result));
const char	*rule_verdict_name(enum rule_verdict);

#endif
