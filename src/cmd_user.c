/* `tessera user add|passwd|disable|enable NAME`, `user list`: accounts; passwords read from standard input. */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "db.h"
#include "passwd.h"
#include "text.h"

/*
 * Reads one line of at most PASSWD_MAX bytes from fp into pw (its newline
 * dropped). Returns its length, or -1 at end of input or if it is longer.
 */
static int
user_read_line(FILE *fp, char pw[PASSWD_MAX + 2])
{
	size_t	 len;

	if (fgets(pw, PASSWD_MAX + 2, fp) == NULL)
		return -1;
	len = strcspn(pw, "\n");
	if (pw[len] != '\n' && !feof(fp))
		return -1;
	if (len > 0 && pw[len - 1] == '\r')
		len--;
	pw[len] = '\0';
	return (int)len;
}

/*
 * Prompts on the terminal with echo off and reads one line. Returns its
 * length, -1 at end of input or if it is longer, or -2 after saying why the
 * terminal could not be used (no password is read with echo on).
 */
static int
user_prompt(const char *prompt, char pw[PASSWD_MAX + 2])
{
	struct termios	 old, quiet;
	int		 len;

	fputs(prompt, stderr);
	if (tcgetattr(STDIN_FILENO, &old) == -1) {
		cmd_fail("terminal: %s", strerror(errno));
		return -2;
	}
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1) {
		cmd_fail("terminal: cannot turn echo off: %s", strerror(errno));
		return -2;
	}
	len = user_read_line(stdin, pw);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &old) == -1) {
		sodium_memzero(pw, PASSWD_MAX + 2);
		cmd_fail("terminal: cannot turn echo back on: %s", strerror(errno));
		return -2;
	}
	fputs("\n", stderr);
	return len;
}

/*
 * Reads a new password: prompted twice without echo on a terminal, else
 * the first line of standard input. Returns its length, or -1 after saying why.
 */
static int
user_read_password(char pw[PASSWD_MAX + 2])
{
	char		 again[PASSWD_MAX + 2];
	const char	*why;
	int		 len, len2;

	if (isatty(STDIN_FILENO)) {
		if ((len = user_prompt("New password: ", pw)) == -2)
			return -1;
		if (len >= 0 && ((len2 = user_prompt("Repeat it: ", again)) != len ||
		    sodium_memcmp(pw, again, (size_t)len) != 0)) {
			sodium_memzero(again, sizeof(again));
			if (len2 != -2)
				cmd_fail("the two passwords differ");
			return -1;
		}
		sodium_memzero(again, sizeof(again));
	} else
		len = user_read_line(stdin, pw);
	if (len < 0) {
		cmd_fail("no password on standard input, or longer than %d bytes",
		    PASSWD_MAX);
		return -1;
	}
	if ((why = passwd_check(pw, (size_t)len)) != NULL) {
		cmd_fail("%s", why);
		return -1;
	}
	return len;
}

/*
 * Checks that every group named after --group in argv exists (before a
 * user is added to them). Returns CMD_OK or another exit status after
 * saying why.
 */
static int
user_groups_exist(struct config *cfg, int argc, char **argv)
{
	char	 v[8];
	int	 i;

	for (i = 0; i < argc; i += 2) {
		if (i + 1 == argc || strcmp(argv[i], "--group") != 0) {
			cmd_fail("usage: tessera [-c FILE] user add NAME "
			    "[--group GROUP]...");
			return CMD_USAGE;
		}
		if (cmd_db_value(cfg, SQL_ADMIN_GROUP_EXISTS, argv[i + 1], v,
		    sizeof(v)) < 0)
			return CMD_FAILED;
		if (v[0] != 't') {
			cmd_fail("no group named %s", argv[i + 1]);
			return CMD_NO_GROUP;
		}
	}
	return CMD_OK;
}

/*
 * `user add NAME [--group G]...` (adding; argc, argv: the options after
 * NAME) or `user passwd NAME`. Returns the exit status.
 */
static int
user_set_password(struct config *cfg, const char *name, int adding,
    int argc, char **argv)
{
	char		 pw[PASSWD_MAX + 2], hash[crypto_pwhash_STRBYTES];
	const char	*values[2] = { name, hash }, *why;
	struct db	*db;
	PGresult	*res;
	int		 len, i, rc;

	if ((why = text_username_problem(name)) != NULL) {
		cmd_fail("invalid username: %s", why);
		return CMD_FAILED;
	}
	if ((rc = user_groups_exist(cfg, argc, argv)) != CMD_OK)
		return rc;
	rc = CMD_FAILED;
	if ((len = user_read_password(pw)) < 0)
		return CMD_FAILED;
	passwd_configure((unsigned long long)cfg->password_opslimit,
	    (size_t)cfg->password_memlimit);
	if (passwd_hash(pw, (size_t)len, hash) != 0) {
		sodium_memzero(pw, sizeof(pw));
		cmd_fail("out of memory while hashing the password");
		return CMD_FAILED;
	}
	sodium_memzero(pw, sizeof(pw));
	if ((db = cmd_db_open(cfg)) != NULL && (res = cmd_db_query(db,
	    adding ? SQL_USER_ADD : SQL_USER_PASSWD, values)) != NULL) {
		if (PQntuples(res) == 1) {
			printf("%s user %s\n", adding ? "added" : "changed the "
			    "password of", name);
			rc = CMD_OK;
			for (i = 1; i < argc && rc == CMD_OK; i += 2)
				rc = cmd_user_group(db, name, argv[i], 1);
		} else {
			cmd_fail(adding ? "user %s already exists" :
			    "no user named %s", name);
			rc = adding ? CMD_FAILED : CMD_NO_USER;
		}
		PQclear(res);
	}
	db_free(db);
	return rc;
}

/* `user list [--json]`: every account, disabled or not, with its live sessions. Returns the exit status. */
static int
user_list(struct config *cfg, int json)
{
	static const char *const headers[] = { "USER", "CREATED", "DISABLED",
	    "LIVE SESSIONS" };
	const char	*values[1] = { NULL };

	return cmd_db_list(cfg, json ? SQL_ADMIN_USERS_JSON : SQL_ADMIN_USERS,
	    values, headers, json);
}

/* `user disable NAME` (which ends the user's sessions) or `user enable NAME`. Returns the exit status. */
static int
user_set_disabled(struct config *cfg, const char *name, int disable)
{
	char	 v[24];
	int	 rc;

	rc = cmd_db_value(cfg, disable ? SQL_ADMIN_DISABLE : SQL_ADMIN_ENABLE,
	    name, v, sizeof(v));
	if (rc < 0)
		return CMD_FAILED;
	if (rc == 0 || v[0] == 'f') {
		cmd_fail("no user named %s", name);
		return CMD_NO_USER;
	}
	if (disable)
		printf("disabled user %s, ended %s session%s\n", name, v,
		    strcmp(v, "1") ? "s" : "");
	else
		printf("enabled user %s\n", name);
	return CMD_OK;
}

/* `user 2fa NAME`: whether the user has a second factor (on, being set up, off) and recovery codes left. Returns the exit status. */
static int
user_factor(struct config *cfg, const char *name)
{
	const char	*values[1] = { name };
	struct db	*db;
	PGresult	*res;
	int		 rc = CMD_FAILED;

	if ((db = cmd_db_open(cfg)) != NULL &&
	    (res = cmd_db_query(db, SQL_ADMIN_FACTOR, values)) != NULL) {
		if (PQntuples(res) != 1) {
			cmd_fail("no user named %s", name);
			rc = CMD_NO_USER;
		} else {
			printf("%s: second factor %s, %s recovery code%s left\n", name,
			    strcmp(PQgetvalue(res, 0, 0), "totp") == 0 ? "on (TOTP)" :
			    strcmp(PQgetvalue(res, 0, 0), "pending") == 0 ?
			    "being set up" : "off", PQgetvalue(res, 0, 1),
			    strcmp(PQgetvalue(res, 0, 1), "1") ? "s" : "");
			rc = CMD_OK;
		}
		PQclear(res);
	}
	db_free(db);
	return rc;
}

/* `user 2fa-reset NAME`: removes the user's second factor and recovery codes and ends their sessions. Returns the exit status. */
static int
user_factor_reset(struct config *cfg, const char *name)
{
	char	 v[24];
	int	 rc;

	if ((rc = cmd_db_value(cfg, SQL_ADMIN_FACTOR_RESET, name, v, sizeof(v))) < 0)
		return CMD_FAILED;
	if (rc == 0) {
		cmd_fail("no user named %s", name);
		return CMD_NO_USER;
	}
	printf("removed the second factor of %s, ended %s session%s\n", name, v,
	    strcmp(v, "1") ? "s" : "");
	return CMD_OK;
}

/* `tessera user add|passwd|disable|enable|2fa|2fa-reset NAME` or `user list [--json]`. Returns the exit status. */
int
cmd_user(struct config *cfg, int argc, char **argv)
{
	static const char *const verbs[] = { "add", "passwd", "disable", "enable",
	    "list", "2fa", "2fa-reset", "groups", "set" };
	size_t	 i;
	int	 rc;

	if (argc >= 3 && strcmp(argv[1], "add") == 0)
		return user_set_password(cfg, argv[2], 1, argc - 3, argv + 3);
	if (argc == 3 && strcmp(argv[1], "passwd") == 0)
		return user_set_password(cfg, argv[2], 0, 0, NULL);
	if ((rc = cmd_user_profile(cfg, argc, argv)) != -1)
		return rc;
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return user_list(cfg, 0);
	if (argc == 3 && strcmp(argv[1], "list") == 0 &&
	    strcmp(argv[2], "--json") == 0)
		return user_list(cfg, 1);
	if (argc == 3 && strcmp(argv[1], "disable") == 0)
		return user_set_disabled(cfg, argv[2], 1);
	if (argc == 3 && strcmp(argv[1], "enable") == 0)
		return user_set_disabled(cfg, argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "2fa") == 0)
		return user_factor(cfg, argv[2]);
	if (argc == 3 && strcmp(argv[1], "2fa-reset") == 0)
		return user_factor_reset(cfg, argv[2]);
	if (argc < 2)
		return cmd_usage_error(CMD_USAGE_USER, "user command", NULL);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i]) == 0)
			return argc == 2 ? cmd_usage_error(CMD_USAGE_USER, "NAME",
			    NULL) : cmd_usage_error(CMD_USAGE_USER, "argument",
			    argv[argc - 1]);
	return cmd_usage_error(CMD_USAGE_USER, "user command", argv[1]);
}
