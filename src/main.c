/* tessera's command line: serve, migrate, user, group, token, rule, sessions. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

#define DEFAULT_CONFIG	"/etc/tessera/tessera.conf"

/* Prints "tessera: message" on one line to standard error (newlines folded). */
void
cmd_fail(const char *fmt, ...)
{
	char	 msg[1024], *p;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	while (p > msg && p[-1] == ' ')
		*--p = '\0';
	fprintf(stderr, "tessera: %s\n", msg);
}

/* `tessera migrate`: applies what is missing. Returns the exit status. */
int
cmd_migrate(struct config *cfg, int argc, char **argv)
{
	struct db	*db;
	PGconn		*conn;
	char		 err[1024];
	int		 n, rc = 1;

	(void)argv;
	if (argc != 1) {
		cmd_fail("usage: tessera [-c FILE] migrate");
		return 2;
	}
	if ((db = db_new(cfg->database, cfg->connect_timeout, 600, 0)) == NULL)
		return 1;
	if ((conn = db_conn(db)) == NULL)
		cmd_fail("database: %s", db_error(db));
	else if ((n = migrate_apply(conn, cfg->migrations, err, sizeof(err))) < 0)
		cmd_fail("%s", err);
	else {
		printf("migrations: %d applied, schema at version %d\n", n,
		    migrate_version(conn, err, sizeof(err)));
		rc = 0;
	}
	db_free(db);
	return rc;
}

/* Prints how to call tessera. */
static void
usage(void)
{
	fprintf(stderr, "usage: tessera [-c FILE] COMMAND\n"
	    "  serve [--listen ADDR]   run the FastCGI worker pool\n"
	    "  migrate                 apply database migrations\n"
	    "  user add NAME [--group GROUP]...\n"
	    "                          create a user (password on stdin), in groups\n"
	    "  user passwd NAME        change a user's password, ending their sessions\n"
	    "  user list               every user: created, disabled, live sessions\n"
	    "  user disable NAME       refuse the user's sign-ins, end their sessions\n"
	    "  user enable NAME        let a disabled user sign in again\n"
	    "  user groups NAME [--add GROUP]... [--remove GROUP]...\n"
	    "                          change and show a user's groups\n"
	    "  user set NAME [--email ADDRESS] [--name TEXT]\n"
	    "                          set (\"\": clear) a user's email and display name\n"
	    "  group add|remove NAME   create a group, or remove it and its memberships\n"
	    "  group list              every group and its members\n"
	    "  token add NAME --label LABEL [--expires DURATION]\n"
	    "                          a bearer token for NAME, printed once\n"
	    "  token list [--user NAME] tokens: id, user, label, created, expiry, last use\n"
	    "  token revoke ID         refuse a token from its next use on\n"
	    "  rule check RULE...      check TESSERA_REQUIRE values as /auth reads them\n"
	    "  sessions list [--user NAME] [--json]\n"
	    "                          live sessions (all of them, or one user's)\n"
	    "  sessions revoke ID      end one session (its id from sessions list)\n"
	    "  sessions revoke --user NAME\n"
	    "                          end every session of a user\n"
	    "  sessions purge [--batch N] [--pause MS]\n"
	    "                          delete expired sessions, N (1000) at a time,\n"
	    "                          MS (20) milliseconds apart\n"
	    "exit status: 0 done, 1 failed (database, system), 2 usage,\n"
	    "  3 no user has that name, 4 no session has that id,\n"
	    "  5 no group has that name, 6 no token has that id\n");
}

int
main(int argc, char **argv)
{
	struct config	 cfg;
	const char	*path = DEFAULT_CONFIG, *cmd;
	char		 err[1024];
	int		 rc, ch;

	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		if (ch != 'c') {
			usage();
			return ch == 'h' ? 0 : 2;
		}
		path = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
		return 2;
	}
	if (sodium_init() < 0) {
		cmd_fail("libsodium failed to initialise");
		return 1;
	}
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		return 1;
	}
	cmd = argv[0];
	if (strcmp(cmd, "serve") != 0 && (cfg.log_file[0] == '\0' ||
	    log_open(cfg.log_file) == -1))
		log_open("/dev/null");	/* commands speak for themselves */
	if (strcmp(cmd, "serve") == 0)
		rc = cmd_serve(&cfg, path, argc, argv);
	else if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(&cfg, argc, argv);
	else if (strcmp(cmd, "user") == 0)
		rc = cmd_user(&cfg, argc, argv);
	else if (strcmp(cmd, "sessions") == 0)
		rc = cmd_sessions(&cfg, argc, argv);
	else if (strcmp(cmd, "group") == 0)
		rc = cmd_group(&cfg, argc, argv);
	else if (strcmp(cmd, "token") == 0)
		rc = cmd_token(&cfg, argc, argv);
	else if (strcmp(cmd, "rule") == 0)
		rc = cmd_rule(&cfg, argc, argv);
	else {
		usage();
		rc = 2;
	}
	config_free(&cfg);
	return rc;
}
