/* `tessera serve`: checks everything once at start-up, then hands over to the pool. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "db.h"
#include "log.h"
#include "passwd.h"
#include "pool.h"
#include "startup.h"
#include "view.h"

/*
 * Refuses a database whose schema is older than this binary needs. An
 * unreachable database is not fatal: workers answer 503 until it is back.
 * Returns 0 or -1 (said).
 */
static int
serve_check_schema(const struct config *cfg)
{
	char	 err[600];

	switch (check_schema(cfg, err, sizeof(err))) {
	case -1:
		cmd_fail("%s", err);
		return -1;
	case 1:
		log_event("schema_unchecked", "reason", "database unreachable", NULL);
		break;
	}
	return 0;
}

/* Sets the cost of password hashes from cfg and remakes the dummy hash to match. Returns 0, or -1 out of memory. */
static int
serve_password_cost(const struct config *cfg)
{
	passwd_configure((unsigned long long)cfg->password_opslimit,
	    (size_t)cfg->password_memlimit);
	return passwd_dummy_init();
}

/*
 * Reads the secrets of cfg into keys and picks the MAC they sign new
 * cookies and CSRF values with (cookie_mac), once here, not per request.
 * Returns 0, or -1 with err.
 */
static int
serve_keys_load(struct token_keys *keys, const struct config *cfg, char *err,
    size_t errsz)
{
	if (token_keys_load(keys, cfg->secret_file, err, errsz) == -1)
		return -1;
	keys->sign = (enum token_mac)cfg->cookie_mac;
	return 0;
}

/*
 * The pool's reload function (pool_reload_fn): the secrets of next into
 * the keys at arg (and its cookie_mac), its templates, its password cost.
 * Returns 0, or -1 with err and the keys and templates untouched.
 */
static int
serve_reload(void *arg, const struct config *next, char *err, size_t errsz)
{
	struct token_keys *live = arg, keys;

	if (serve_keys_load(&keys, next, err, errsz) == -1)
		return -1;
	if (view_init(next->templates, err, errsz) == -1) {
		token_keys_wipe(&keys);
		return -1;
	}
	*live = keys;
	token_keys_wipe(&keys);
	if (serve_password_cost(next) == -1)
		log_errorf("reload: cannot remake the dummy password hash");
	return 0;
}

/* `tessera serve [--listen ADDR]`; config_path is re-read on SIGHUP. Returns the exit status. */
int
cmd_serve(struct config *cfg, const char *config_path, int argc, char **argv)
{
	struct token_keys keys;
	struct app	 app;
	char		 err[512], msg[600];
	int		 fd, rc;

	if (argc == 3 && strcmp(argv[1], "--listen") == 0) {
		if (config_set(cfg, "listen", argv[2], err, sizeof(err)) == -1) {
			cmd_fail("%s", err);
			return CMD_USAGE;
		}
	} else if (argc == 2 && strcmp(argv[1], "--listen") == 0)
		return cmd_usage_error(CMD_USAGE_SERVE, "ADDR after --listen", NULL);
	else if (argc != 1)
		return cmd_usage_error(CMD_USAGE_SERVE, "option", argv[
		    strcmp(argv[1], "--listen") == 0 ? 3 : 1]);
	if (check_as_user(cfg, NULL, err, sizeof(err)) > 0) {
		cmd_fail("%s", err);
		return CMD_FAILED;
	}
	if (log_open(cfg->log_file) == -1) {
		cmd_fail("log_file: %s: cannot open", cfg->log_file);
		return CMD_FAILED;
	}
	if (serve_keys_load(&keys, cfg, err, sizeof(err)) == -1 ||
	    view_init(cfg->templates, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		return CMD_FAILED;
	}
	if (serve_check_schema(cfg) == -1)
		return CMD_FAILED;
	if (serve_password_cost(cfg) == -1 ||
	    passwd_slots_init((int)sysconf(_SC_NPROCESSORS_ONLN)) == -1) {
		cmd_fail("out of memory while preparing password checks");
		return CMD_FAILED;
	}
	if ((fd = startup_listen(cfg, err, sizeof(err))) == -1 ||
	    startup_drop_privileges(cfg, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		return CMD_FAILED;
	}
	snprintf(msg, sizeof(msg), "%s", fd == 3 ? "systemd (fd 3)" :
	    cfg->listen[0] ? cfg->listen : "spawn-fcgi (fd 0)");
	log_event("serve_start", "listen", msg, NULL);
	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	app.keys = &keys;
	rc = pool_run(&app, cfg, config_path, fd, serve_reload, &keys) == 0 ?
	    CMD_OK : CMD_FAILED;
	token_keys_wipe(&keys);
	return rc;
}
