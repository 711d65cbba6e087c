/* `tessera check` (-t): what serve reads, checked before it is used; and the same as the pool's user. */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate.h"
#include "startup.h"
#include "token.h"
#include "view.h"

/*
 * Compares the database's schema version with the one this binary needs.
 * Returns 0 when it is recent enough, 1 when the database cannot be
 * reached (serve starts anyway: 503 until it is back), or -1 with why in err.
 */
int
check_schema(const struct config *cfg, char *err, size_t errsz)
{
	struct db	*db = db_new(cfg->database, cfg->connect_timeout,
			    cfg->statement_timeout, 0);
	PGconn		*conn;
	char		 why[512] = "";
	int		 v, rc = 0;

	if (db == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if ((conn = db_conn(db)) == NULL) {
		snprintf(err, errsz, "database unreachable: %s", db_error(db));
		rc = 1;
	} else if ((v = migrate_version(conn, why, sizeof(why))) < 0) {
		snprintf(err, errsz, "database: %s", why);
		rc = -1;
	} else if (v < SCHEMA_VERSION) {
		snprintf(err, errsz, "database schema is at version %d, this "
		    "tessera needs %d: run `tessera -c FILE migrate` first", v,
		    SCHEMA_VERSION);
		rc = -1;
	}
	db_free(db);
	return rc;
}

/*
 * Opens log_file for appending as serve will (created 0640 if missing, so
 * it belongs to whoever checks). Returns 0 (also when unset), or -1 with err.
 */
static int
check_log_file(const struct config *cfg, char *err, size_t errsz)
{
	int	 fd;

	if (cfg->log_file[0] == '\0')
		return 0;
	if ((fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
		snprintf(err, errsz, "log_file: %s: %s", cfg->log_file,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Reads secret_file as serve does (and wipes what it read). Returns 0 or -1 with err. */
static int
check_secret_file(const struct config *cfg, char *err, size_t errsz)
{
	struct token_keys keys;

	if (token_keys_load(&keys, cfg->secret_file, err, errsz) == -1)
		return -1;
	token_keys_wipe(&keys);
	return 0;
}

/* Loads the templates as serve does. Returns 0 or -1 with err. */
static int
check_templates(const struct config *cfg, char *err, size_t errsz)
{
	return view_init(cfg->templates, err, errsz);
}

/*
 * Reads what a reload reads (secret_file, the templates) and opens log_file.
 * Returns how many of them failed, each reported through problem (NULL:
 * stop at the first, its reason in err).
 */
static int
check_files(const struct config *cfg, char *err, size_t errsz,
    void (*problem)(const char *))
{
	static int (*const checks[])(const struct config *, char *, size_t) = {
		check_secret_file, check_templates, check_log_file,
	};
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (checks[i](cfg, err, errsz) == 0)
			continue;
		n++;
		if (problem == NULL)
			return n;
		problem(err);
	}
	return n;
}

/*
 * As root, gives an existing log_file to the pool's user (as nginx's master
 * does), so that the pool can reopen it after rotation even when a command
 * run as root created it. Only a regular file with one link, never through
 * a symbolic link: the directory may be the user's. Returns 0 or -1 with err.
 */
static int
check_own_log_file(const struct config *cfg, char *err, size_t errsz)
{
	struct stat	 st;
	uid_t		 uid;
	gid_t		 gid;
	int		 fd, rc = 0;

	if (cfg->log_file[0] == '\0' || startup_user_ids(cfg, &uid, &gid, err, errsz) == -1)
		return cfg->log_file[0] == '\0' ? 0 : -1;
	if ((fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : (snprintf(err, errsz, "log_file: "
		    "%s: %s", cfg->log_file, strerror(errno)), -1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) == -1)) {
		snprintf(err, errsz, "log_file: %s: not a plain file the pool's "
		    "user can be given", cfg->log_file);
		rc = -1;
	}
	close(fd);
	return rc;
}

static int	check_child_out = -1;	/* the child's end of the pipe to its parent */

/* In the child: sends one problem, a line, to the parent. */
static void
check_child_problem(const char *msg)
{
	char	 line[600];
	int	 len = snprintf(line, sizeof(line), "%s\n", msg);

	if (len > 0 && write(check_child_out, line, (size_t)len) == -1)
		_exit(2);
}

/*
 * In the child: gives log_file to the pool's user, becomes that user and
 * checks the files, sending each problem (all: every one; else the first) to
 * the parent. Returns how many there were.
 */
static int
check_as_user_child(const struct config *cfg, int all)
{
	char	 err[512] = "";
	int	 n;

	if (check_own_log_file(cfg, err, sizeof(err)) == -1 ||
	    startup_drop_privileges(cfg, err, sizeof(err)) == -1) {
		check_child_problem(err);
		return 1;
	}
	n = check_files(cfg, err, sizeof(err), all ? check_child_problem : NULL);
	if (n > 0 && !all)
		check_child_problem(err);
	return n;
}

/*
 * Started as root with user set: gives log_file to that user, and checks
 * that user can read the secret file and templates and write the log file,
 * so that no reload (which runs as that user) is refused for what the start
 * did not check. Not root: nothing to do. Each problem, "as user NAME: ...",
 * goes to problem; with problem NULL, only the first, into err. Returns how
 * many problems there were.
 */
int
check_as_user(const struct config *cfg, void (*problem)(const char *),
    char *err, size_t errsz)
{
	char	 lines[4096], msg[700], *line, *save = NULL;
	int	 fds[2], status, n = 0;
	size_t	 len = 0;
	ssize_t	 got;
	pid_t	 pid;

	if (geteuid() != 0 || cfg->user[0] == '\0')
		return 0;
	if (pipe2(fds, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(err, errsz, "cannot check as user %s: %s", cfg->user,
		    strerror(errno));
		if (problem != NULL)
			problem(err);
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		check_child_out = fds[1];
		_exit(check_as_user_child(cfg, problem != NULL) == 0 ? 0 : 1);
	}
	close(fds[1]);
	while (len < sizeof(lines) - 1 && ((got = read(fds[0], lines + len,
	    sizeof(lines) - 1 - len)) > 0 || (got == -1 && errno == EINTR)))
		len += got > 0 ? (size_t)got : 0;
	lines[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	for (line = strtok_r(lines, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		snprintf(msg, sizeof(msg), "as user %s: %s", cfg->user, line);
		if (problem != NULL)
			problem(msg);
		else if (n == 0)
			snprintf(err, errsz, "%s", msg);
	}
	if (n == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		snprintf(err, errsz, "as user %s: the check did not finish",
		    cfg->user);
		if (problem != NULL)
			problem(err);
		n = 1;
	}
	return n;
}

/* Prints one problem found by `tessera check`. */
static void
check_problem(const char *msg)
{
	cmd_fail("%s", msg);
}

/*
 * `tessera check`: the configuration (already loaded), the secret file, the
 * templates and log_file (as root: as the pool's user), then the database
 * schema. One line per problem on standard error, "FILE: ok" on standard
 * output when there is none. Returns the exit status.
 */
int
cmd_check(struct config *cfg, const char *config_path, int argc, char **argv)
{
	char		 err[1024];
	int		 problems = 0;

	if (argc != 1)
		return cmd_usage_error(CMD_USAGE_CHECK, "argument", argv[1]);
	if (geteuid() == 0 && cfg->user[0] == '\0') {
		check_problem("user: refusing to serve as root; set user (and "
		    "group) to an unprivileged account");
		problems++;
	}
	if (geteuid() == 0 && cfg->user[0] != '\0')
		problems += check_as_user(cfg, check_problem, err, sizeof(err));
	else
		problems += check_files(cfg, err, sizeof(err), check_problem);
	switch (check_schema(cfg, err, sizeof(err))) {
	case -1:
		check_problem(err);
		problems++;
		break;
	case 1:
		cmd_fail("warning: %s (serve starts anyway and answers 503 "
		    "until it is back)", err);
		break;
	}
	if (problems > 0)
		return CMD_FAILED;
	printf("%s: ok\n", config_path);
	return CMD_OK;
}
