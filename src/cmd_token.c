/* `tessera token add|list|revoke`: bearer tokens for scripts, printed once, stored hashed. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bearer.h"
#include "rule.h"
#include "text.h"

#define TOKEN_LABEL_MAX		64
#define TOKEN_EXPIRES_MAX	(3650L * 86400)		/* ten years */

/*
 * `token add NAME --label L [--expires DURATION]`: makes a token, stores
 * its hash and prints it, once. Returns the exit status.
 */
static int
token_add(struct config *cfg, int argc, char **argv)
{
	char		 text[BEARER_TEXT_SIZE], hex[2 * TOKEN_BYTES + 1], secs[24];
	unsigned char	 hash[TOKEN_BYTES];
	const char	*label = NULL, *values[4];
	long		 expires = 0;
	struct db	*db;
	PGresult	*res;
	int		 i, rc = CMD_FAILED;

	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--label") == 0 && label == NULL)
			label = argv[i + 1];
		else if (strcmp(argv[i], "--expires") == 0 && expires == 0) {
			if (rule_duration(argv[i + 1], strlen(argv[i + 1]),
			    TOKEN_EXPIRES_MAX, &expires) == -1) {
				cmd_fail("--expires %s: a duration like 90d (units "
				    "s, m, h, d), at most 3650d", argv[i + 1]);
				return CMD_USAGE;
			}
		} else
			break;
	}
	if (i != argc || label == NULL) {
		cmd_fail("usage: tessera [-c FILE] token add NAME --label LABEL "
		    "[--expires DURATION]");
		return CMD_USAGE;
	}
	if (strlen(label) == 0 || strlen(label) > TOKEN_LABEL_MAX ||
	    !text_utf8_valid(label, strlen(label)) ||
	    text_has_control(label, strlen(label))) {
		cmd_fail("a label is 1 to %d bytes of text without control "
		    "characters", TOKEN_LABEL_MAX);
		return CMD_USAGE;
	}
	bearer_new(text, hash);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	snprintf(secs, sizeof(secs), "%ld", expires);
	values[0] = argv[2];
	values[1] = label;
	values[2] = hex;
	values[3] = expires > 0 ? secs : NULL;
	if ((db = cmd_db_open(cfg)) != NULL &&
	    (res = cmd_db_query(db, SQL_ADMIN_TOKEN_ADD, values)) != NULL) {
		if (PQgetisnull(res, 0, 0)) {
			cmd_fail("no user named %s", argv[2]);
			rc = CMD_NO_USER;
		} else {
			fprintf(stderr, "token %s for %s; it is shown only now:\n",
			    PQgetvalue(res, 0, 0), argv[2]);
			printf("%s\n", text);
			rc = CMD_OK;
		}
		PQclear(res);
	}
	sodium_memzero(text, sizeof(text));
	db_free(db);
	return rc;
}

/* `token list [--user NAME]`: every token (or one user's), never the token itself. Returns the exit status. */
static int
token_list(struct config *cfg, const char *user)
{
	static const char *const headers[] = { "ID", "USER", "LABEL", "CREATED",
	    "EXPIRES", "LAST USED" };
	const char	*values[1] = { user };

	return cmd_db_list(cfg, SQL_ADMIN_TOKENS, values, headers, 0);
}

/* `token revoke ID`: refused from the next request on. Returns the exit status. */
static int
token_revoke(struct config *cfg, const char *id)
{
	char	 v[8], *end;
	int	 rc;

	if (strtoll(id, &end, 10) <= 0 || *end != '\0' || strlen(id) > 18) {
		cmd_fail("a token id is a positive number (from token list)");
		return CMD_USAGE;
	}
	if ((rc = cmd_db_value(cfg, SQL_ADMIN_TOKEN_REVOKE, id, v, sizeof(v))) < 0)
		return CMD_FAILED;
	if (rc == 0 || v[0] != 't') {
		cmd_fail("no token has id %s", id);
		return CMD_NO_TOKEN;
	}
	printf("revoked token %s\n", id);
	return CMD_OK;
}

/* `tessera token add|list|revoke ...`. Returns the exit status. */
int
cmd_token(struct config *cfg, int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "add") == 0)
		return token_add(cfg, argc, argv);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return token_list(cfg, NULL);
	if (argc == 4 && strcmp(argv[1], "list") == 0 &&
	    strcmp(argv[2], "--user") == 0)
		return token_list(cfg, argv[3]);
	if (argc == 3 && strcmp(argv[1], "revoke") == 0)
		return token_revoke(cfg, argv[2]);
	cmd_fail("%s", CMD_USAGE_TOKEN);
	return CMD_USAGE;
}
