/* TESSERA_REQUIRE: the one parser of a location's rule (and of durations), and its evaluation. */
#include "rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RULE_SPACE	" \t"

/* A span of the rule's text: start and length, never NUL-terminated. */
struct span {
	const char	*p;
	size_t		 len;
};

/* Writes a formatted reason into err and returns -1. */
static int
rule_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
rule_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns s without the spaces and tabs at either end. */
static struct span
rule_trim(struct span s)
{
	while (s.len > 0 && strchr(RULE_SPACE, s.p[0]) != NULL) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && strchr(RULE_SPACE, s.p[s.len - 1]) != NULL)
		s.len--;
	return s;
}

/* Returns 1 if s equals the NUL-terminated word, else 0. */
static int
rule_is(struct span s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

/* Splits *rest at the first sep: returns the part before it, leaves *rest after it (or empty). */
static struct span
rule_next(struct span *rest, char sep)
{
	struct span	 head = *rest;
	const char	*at = memchr(rest->p, sep, rest->len);

	if (at == NULL) {
		rest->p += rest->len;
		rest->len = 0;
		return head;
	}
	head.len = (size_t)(at - rest->p);
	rest->len -= head.len + 1;
	rest->p = at + 1;
	return head;
}

/* Returns 1 if name (len bytes) is a group name: 1 to 64 of A-Z a-z 0-9 . _ -, else 0. */
int
rule_group_name_ok(const char *name, size_t len)
{
	size_t	 i;

	if (len == 0 || len > RULE_GROUP_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

/* Parses group=a,b into the next set of r. Returns 0 or -1 with err. */
static int
rule_parse_group(struct span v, struct rule *r, char *err, size_t errsz)
{
	struct span	 name;
	int		 set = r->nsets, more;

	if (set == RULE_SETS_MAX)
		return rule_fail(err, errsz, "more than %d group= clauses",
		    RULE_SETS_MAX);
	r->nnames[set] = 0;
	do {
		more = memchr(v.p, ',', v.len) != NULL;
		name = rule_trim(rule_next(&v, ','));
		if (!rule_group_name_ok(name.p, name.len))
			return rule_fail(err, errsz, "group \"%.*s\": a group name "
			    "has 1 to %d letters, digits, '.', '_' or '-'",
			    (int)(name.len > RULE_GROUP_MAX ? RULE_GROUP_MAX : name.len),
			    name.p, RULE_GROUP_MAX);
		if (r->nnames[set] == RULE_NAMES_MAX)
			return rule_fail(err, errsz, "more than %d groups in one "
			    "group= clause", RULE_NAMES_MAX);
		memcpy(r->names[set][r->nnames[set]], name.p, name.len);
		r->names[set][r->nnames[set]++][name.len] = '\0';
	} while (more);
	r->nsets++;
	return 0;
}

/*
 * Reads len bytes of text as a duration: digits then s, m, h or d, from
 * 1 s to max. Returns 0 with *secs, or -1.
 */
int
rule_duration(const char *text, size_t len, long max, long *secs)
{
	long	 n = 0, unit;
	size_t	 i;

	for (i = 0; i + 1 < len && text[i] >= '0' && text[i] <= '9'; i++)
		if ((n = n * 10 + (text[i] - '0')) > max)
			break;
	unit = i + 1 != len || i == 0 ? 0 : text[i] == 's' ? 1 :
	    text[i] == 'm' ? 60 : text[i] == 'h' ? 3600 : text[i] == 'd' ? 86400 : 0;
	if (unit == 0 || n == 0 || n > max / unit)
		return -1;
	*secs = n * unit;
	return 0;
}

/* Parses fresh=N followed by s, m, h or d into seconds. Returns 0 or -1 with err. */
static int
rule_parse_fresh(struct span v, struct rule *r, char *err, size_t errsz)
{
	if (rule_duration(v.p, v.len, RULE_FRESH_MAX, &r->fresh) == -1)
		return rule_fail(err, errsz, "fresh=%.*s: a duration from 1s to "
		    "30d, like 10m (units s, m, h, d)", (int)(v.len > 32 ? 32 :
		    v.len), v.p);
	return 0;
}

/* Parses one key=value clause into r. Returns 0 or -1 with err. */
static int
rule_parse_clause(struct span clause, struct rule *r, char *err, size_t errsz)
{
	struct span	 key, value;

	if (memchr(clause.p, '=', clause.len) == NULL)
		return rule_fail(err, errsz, "\"%.*s\": a requirement is "
		    "key=value", (int)(clause.len > 32 ? 32 : clause.len), clause.p);
	key = rule_trim(rule_next(&clause, '='));
	value = rule_trim(clause);
	if (rule_is(key, "group"))
		return rule_parse_group(value, r, err, errsz);
	if (rule_is(key, "factor")) {
		if (r->factor != 0)
			return rule_fail(err, errsz, "factor= given twice");
		if (!rule_is(value, "1") && !rule_is(value, "2"))
			return rule_fail(err, errsz, "factor= is 1 or 2");
		r->factor = value.p[0] - '0';
		return 0;
	}
	if (rule_is(key, "fresh")) {
		if (r->fresh != 0)
			return rule_fail(err, errsz, "fresh= given twice");
		return rule_parse_fresh(value, r, err, errsz);
	}
	return rule_fail(err, errsz, "unknown requirement \"%.*s\" (group, "
	    "factor or fresh)", (int)(key.len > 32 ? 32 : key.len), key.p);
}

/*
 * Parses len bytes of text, clauses like "group=admins,ops; factor=2;
 * fresh=10m" separated by ';' (empty ones ignored; "" asks only for a
 * session). Returns 0 with *r filled, or -1 with the reason in err.
 */
int
rule_parse(const char *text, size_t len, struct rule *r, char *err,
    size_t errsz)
{
	struct span	 rest = { text, len }, clause;
	size_t		 i;

	memset(r, 0, sizeof(*r));
	if (len > RULE_TEXT_MAX)
		return rule_fail(err, errsz, "longer than %d bytes", RULE_TEXT_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\t')
			return rule_fail(err, errsz, "a control character at "
			    "byte %zu", i);
	while (rest.len > 0) {
		clause = rule_trim(rule_next(&rest, ';'));
		if (clause.len > 0 &&
		    rule_parse_clause(clause, r, err, errsz) == -1)
			return -1;
	}
	return 0;
}

/* Returns 1 if the comma-separated list holds name exactly, else 0. */
static int
rule_member(const char *list, const char *name)
{
	size_t	 n = strlen(name), len;

	while (*list != '\0') {
		len = strcspn(list, ",");
		if (len == n && memcmp(list, name, n) == 0)
			return 1;
		list += len + (list[len] == ',');
	}
	return 0;
}

/*
 * Judges who against r: RULE_DENY when a group= clause names none of
 * their groups (checked first: no proof would change it), then
 * RULE_NEED_FACTOR, then RULE_NEED_FRESH, else RULE_ALLOW.
 */
enum rule_verdict
rule_eval(const struct rule *r, const struct rule_subject *who)
{
	int	 set, i, found;

	for (set = 0; set < r->nsets; set++) {
		for (found = i = 0; !found && i < r->nnames[set]; i++)
			found = rule_member(who->groups, r->names[set][i]);
		if (!found)
			return RULE_DENY;
	}
	if (who->assurance < r->factor)
		return RULE_NEED_FACTOR;
	if (r->fresh > 0 && (who->proof_age < 0 || who->proof_age > r->fresh))
		return RULE_NEED_FRESH;
	return RULE_ALLOW;
}

/* Returns the word a verdict is logged and passed on as. */
const char *
rule_verdict_name(enum rule_verdict v)
{
	switch (v) {
	case RULE_ALLOW:	return "allow";
	case RULE_DENY:		return "group";
	case RULE_NEED_FACTOR:	return "factor";
	case RULE_NEED_FRESH:	return "fresh";
	}
	return "group";
}
