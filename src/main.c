/* tessera's command line: options and help, then the command (cmd_*.c) that runs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "log.h"
#include "totp.h"

/* Prints how to call tessera to fp (stdout for --help, stderr for a mistake). */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: tessera [-c FILE] COMMAND | tessera -t | tessera --version\n"
	    "  serve [--listen ADDR]   run the FastCGI worker pool\n"
	    "  check                   check the configuration, secrets, templates and\n"
	    "                          database schema as serve would (also -t)\n"
	    "  migrate                 apply database migrations\n"
	    "  user add NAME [--group GROUP]...\n"
	    "                          create a user (password on stdin), in groups\n"
	    "  user passwd NAME        change a user's password, ending their sessions\n"
	    "  user list [--json]      every user: created, disabled, live sessions\n"
	    "  user disable NAME       refuse the user's sign-ins, end their sessions\n"
	    "  user enable NAME        let a disabled user sign in again\n"
	    "  user 2fa NAME           whether the user has a second factor, codes left\n"
	    "  user 2fa-reset NAME     remove the user's second factor, end their sessions\n"
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
	    "  COMMAND --help          how to call that command\n"
	    "options: -c FILE (default " CONFIG_DEFAULT_PATH "), -h/--help, --version\n"
	    "exit status: 0 done, 1 failed (database, system, a problem check found),\n"
	    "  2 usage, 3 no user has that name, 4 no session has that id,\n"
	    "  5 no group has that name, 6 no token has that id\n");
}

/* The commands: name and usage line, in the order of usage(). */
static const struct command {
	const char	*name;
	const char	*usage;
} commands[] = {
	{ "serve", CMD_USAGE_SERVE },
	{ "check", CMD_USAGE_CHECK },
	{ "migrate", CMD_USAGE_MIGRATE },
	{ "user", CMD_USAGE_USER },
	{ "group", CMD_USAGE_GROUP },
	{ "token", CMD_USAGE_TOKEN },
	{ "rule", CMD_USAGE_RULE },
	{ "sessions", CMD_USAGE_SESSIONS },
};

/* Returns the command called name, or NULL. */
static const struct command *
command_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Returns 1 if argv (argc words) asks for help: -h or --help anywhere, else 0. */
static int
wants_help(int argc, char **argv)
{
	int	 i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

/*
 * Reads the options before the command (-c FILE, -t, -h, --help,
 * --version) into *path and *check. Returns -1 to go on, else the exit
 * status (help and version printed, or a mistake named).
 */
static int
main_options(int argc, char **argv, const char **path, int *check)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:ht", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			*path = optarg;
			break;
		case 't':
			*check = 1;
			break;
		case 'h':
			usage(stdout);
			return CMD_OK;
		case 'V':
			printf("tessera %s\n", TESSERA_VERSION);
			return CMD_OK;
		case ':':
			cmd_fail("option -%c needs an argument (tessera --help)", optopt);
			return CMD_USAGE;
		default:
			if (optopt != 0)
				cmd_fail("unknown option -%c (tessera --help)", optopt);
			else
				cmd_fail("unknown option %s (tessera --help)",
				    argv[optind - 1]);
			return CMD_USAGE;
		}
	return -1;
}

int
main(int argc, char **argv)
{
	struct config		 cfg;
	const struct command	*cmd = NULL;
	const char		*path = CONFIG_DEFAULT_PATH;
	char			 err[1024], check_word[] = "check";
	char			*check_argv[] = { check_word, NULL };
	int			 rc, check = 0;

	if ((rc = main_options(argc, argv, &path, &check)) != -1)
		return rc;
	argc -= optind;
	argv += optind;
	if (check && argc > 0) {
		cmd_fail("-t is check: it takes no command, not \"%.64s\"", argv[0]);
		return CMD_USAGE;
	}
	if (check) {
		argc = 1;
		argv = check_argv;
	}
	if (argc < 1) {
		usage(stderr);
		return CMD_USAGE;
	}
	if ((cmd = command_find(argv[0])) == NULL) {
		cmd_fail("unknown command \"%.64s\" (tessera --help lists them)",
		    argv[0]);
		return CMD_USAGE;
	}
	if (wants_help(argc, argv)) {
		printf("%s\n", cmd->usage);
		return CMD_OK;
	}
	if (sodium_init() < 0 || totp_init() == -1) {
		cmd_fail("libsodium or liboath failed to initialise");
		return CMD_FAILED;
	}
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		return CMD_FAILED;
	}
	if (strcmp(cmd->name, "serve") != 0 && (cfg.log_file[0] == '\0' ||
	    log_open(cfg.log_file) == -1))
		log_open("/dev/null");	/* commands speak for themselves */
	if (strcmp(cmd->name, "serve") == 0)
		rc = cmd_serve(&cfg, path, argc, argv);
	else if (strcmp(cmd->name, "check") == 0)
		rc = cmd_check(&cfg, path, argc, argv);
	else if (strcmp(cmd->name, "migrate") == 0)
		rc = cmd_migrate(&cfg, argc, argv);
	else if (strcmp(cmd->name, "user") == 0)
		rc = cmd_user(&cfg, argc, argv);
	else if (strcmp(cmd->name, "group") == 0)
		rc = cmd_group(&cfg, argc, argv);
	else if (strcmp(cmd->name, "token") == 0)
		rc = cmd_token(&cfg, argc, argv);
	else if (strcmp(cmd->name, "rule") == 0)
		rc = cmd_rule(&cfg, argc, argv);
	else
		rc = cmd_sessions(&cfg, argc, argv);
	config_free(&cfg);
	return rc;
}
