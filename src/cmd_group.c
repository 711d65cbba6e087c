/* `tessera group add|remove|list`, `user groups NAME`, `user set NAME`, `rule check`: groups, profiles, rules. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "rule.h"
#include "text.h"

#define PROFILE_NAME_MAX	256
#define PROFILE_EMAIL_MAX	254

/* Returns 1 if name is a valid group name, else 0 after saying why. */
static int
group_name_valid(const char *name)
{
	if (rule_group_name_ok(name, strlen(name)))
		return 1;
	cmd_fail("invalid group name \"%s\": 1 to %d letters, digits, '.', "
	    "'_' or '-'", name, RULE_GROUP_MAX);
	return 0;
}

/* `group add NAME` or `group remove NAME`. Returns the exit status. */
static int
group_change(struct config *cfg, const char *name, int add)
{
	char	 v[8];
	int	 rc;

	if (!group_name_valid(name))
		return CMD_USAGE;
	rc = cmd_db_value(cfg, add ? SQL_ADMIN_GROUP_ADD :
	    SQL_ADMIN_GROUP_REMOVE, name, v, sizeof(v));
	if (rc < 0)
		return CMD_FAILED;
	if (rc == 0 || v[0] != 't') {
		cmd_fail(add ? "group %s already exists" : "no group named %s",
		    name);
		return add ? CMD_FAILED : CMD_NO_GROUP;
	}
	printf("%s group %s\n", add ? "added" : "removed", name);
	return CMD_OK;
}

/* `group list`: every group, its creation and its members. Returns the exit status. */
static int
group_list(struct config *cfg)
{
	static const char *const headers[] = { "GROUP", "CREATED", "MEMBERS" };

	return cmd_db_list(cfg, SQL_ADMIN_GROUPS, NULL, headers, 0);
}

/* `tessera group add|remove NAME` or `group list`. Returns the exit status. */
int
cmd_group(struct config *cfg, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return group_change(cfg, argv[2], 1);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return group_change(cfg, argv[2], 0);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return group_list(cfg);
	cmd_fail("%s", CMD_USAGE_GROUP);
	return CMD_USAGE;
}

/*
 * Puts user in group (add) or takes them out, on db. Returns CMD_OK, or
 * another exit status after saying why.
 */
int
cmd_user_group(struct db *db, const char *user, const char *group, int add)
{
	const char	*values[2] = { user, group };
	PGresult	*res;
	int		 rc = CMD_FAILED;

	if (!group_name_valid(group))
		return CMD_USAGE;
	if ((res = cmd_db_query(db, add ? SQL_ADMIN_USER_GROUP_ADD :
	    SQL_ADMIN_USER_GROUP_REMOVE, values)) == NULL)
		return CMD_FAILED;
	switch (PQgetvalue(res, 0, 0)[0]) {
	case '0':
		rc = CMD_OK;
		break;
	case '1':
		cmd_fail("no user named %s", user);
		rc = CMD_NO_USER;
		break;
	default:
		cmd_fail("no group named %s", group);
		rc = CMD_NO_GROUP;
	}
	PQclear(res);
	return rc;
}

/* Prints user's profile and groups as name: value lines. Returns the exit status. */
static int
user_show(struct db *db, const char *user)
{
	const char	*values[1] = { user };
	PGresult	*res;

	if ((res = cmd_db_query(db, SQL_ADMIN_USER_PROFILE, values)) == NULL)
		return CMD_FAILED;
	if (PQntuples(res) != 1) {
		PQclear(res);
		cmd_fail("no user named %s", user);
		return CMD_NO_USER;
	}
	printf("user: %s\nname: %s\nemail: %s\ngroups: %s\n",
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	return CMD_OK;
}

/*
 * `user groups NAME [--add G]... [--remove G]...`: applies the changes in
 * order, then prints the user's groups. Returns the exit status.
 */
static int
user_groups(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	int		 i, rc = CMD_OK;

	for (i = 3; i < argc; i += 2)
		if (i + 1 == argc || (strcmp(argv[i], "--add") != 0 &&
		    strcmp(argv[i], "--remove") != 0)) {
			cmd_fail("usage: tessera [-c FILE] user groups NAME "
			    "[--add GROUP]... [--remove GROUP]...");
			return CMD_USAGE;
		}
	if ((db = cmd_db_open(cfg)) == NULL)
		return CMD_FAILED;
	for (i = 3; i < argc && rc == CMD_OK; i += 2)
		rc = cmd_user_group(db, argv[2], argv[i + 1],
		    strcmp(argv[i], "--add") == 0);
	if (rc == CMD_OK)
		rc = user_show(db, argv[2]);
	db_free(db);
	return rc;
}

/* Returns NULL if v may be stored as a display name ("" clears it), else why not. */
static const char *
profile_name_problem(const char *v)
{
	size_t	 len = strlen(v);

	if (len > PROFILE_NAME_MAX)
		return "a name has at most 256 bytes";
	if (!text_utf8_valid(v, len) || text_has_control(v, len))
		return "a name must be UTF-8 text without control characters";
	return NULL;
}

/* Returns NULL if v may be stored as an email address ("" clears it), else why not. */
static const char *
profile_email_problem(const char *v)
{
	size_t		 len = strlen(v), i;
	const char	*at = strchr(v, '@');

	if (len == 0)
		return NULL;
	if (len > PROFILE_EMAIL_MAX || at == NULL || at == v || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return "an email address is LOCAL@DOMAIN, at most 254 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return "an email address has no spaces or control characters";
	return text_utf8_valid(v, len) ? NULL : "an email address must be UTF-8";
}

/*
 * `user set NAME [--email E] [--name N]`: sets (or with "" clears) the
 * user's email and display name. Returns the exit status.
 */
static int
user_set(struct config *cfg, int argc, char **argv)
{
	const char	*values[3] = { argv[2], NULL, NULL }, *why = NULL;
	struct db	*db;
	PGresult	*res;
	int		 i, rc = CMD_FAILED;

	for (i = 3; i + 1 < argc && argc % 2 == 1; i += 2) {
		if (strcmp(argv[i], "--email") == 0 && values[1] == NULL)
			why = profile_email_problem(values[1] = argv[i + 1]);
		else if (strcmp(argv[i], "--name") == 0 && values[2] == NULL)
			why = profile_name_problem(values[2] = argv[i + 1]);
		else
			break;
		if (why != NULL) {
			cmd_fail("%s", why);
			return CMD_USAGE;
		}
	}
	if (i != argc || argc == 3) {
		cmd_fail("usage: tessera [-c FILE] user set NAME [--email ADDRESS] "
		    "[--name TEXT]");
		return CMD_USAGE;
	}
	if ((db = cmd_db_open(cfg)) != NULL &&
	    (res = cmd_db_query(db, SQL_ADMIN_USER_SET, values)) != NULL) {
		rc = PQgetvalue(res, 0, 0)[0] == 't' ? CMD_OK : CMD_NO_USER;
		PQclear(res);
		if (rc == CMD_OK)
			rc = user_show(db, argv[2]);
		else
			cmd_fail("no user named %s", argv[2]);
	}
	db_free(db);
	return rc;
}

/* `tessera user groups ...` or `user set ...`; returns -1 for any other user subcommand. */
int
cmd_user_profile(struct config *cfg, int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "groups") == 0)
		return user_groups(cfg, argc, argv);
	if (argc >= 3 && strcmp(argv[1], "set") == 0)
		return user_set(cfg, argc, argv);
	return -1;
}

/*
 * `tessera rule check RULE...`: parses each TESSERA_REQUIRE value as
 * /auth would, printing "ok: RULE" or a one-line reason. Returns CMD_OK
 * if all parse, else CMD_USAGE.
 */
int
cmd_rule(struct config *cfg, int argc, char **argv)
{
	struct rule	 r;
	char		 err[160];
	int		 i, rc = CMD_OK;

	(void)cfg;
	if (argc < 3 || strcmp(argv[1], "check") != 0) {
		cmd_fail("%s", CMD_USAGE_RULE);
		return CMD_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (rule_parse(argv[i], strlen(argv[i]), &r, err,
		    sizeof(err)) == 0)
			printf("ok: %s\n", argv[i]);
		else {
			cmd_fail("rule \"%s\": %s", argv[i], err);
			rc = CMD_USAGE;
		}
	}
	return rc;
}
