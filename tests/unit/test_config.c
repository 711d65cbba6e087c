/* Unit tests for config.c: defaults, value syntax per type, bounds, the file and the environment. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "token.h"

extern char **environ;

/* Sets key to value on a defaulted config. Returns config_set's result; err filled. */
static int
set(struct config *cfg, const char *key, const char *value, char *err,
    size_t errsz)
{
	err[0] = '\0';
	return config_set(cfg, key, value, err, errsz);
}

/* Expects key = value to be accepted. */
static void
set_ok(struct config *cfg, const char *key, const char *value)
{
	char	 err[256];

	if (set(cfg, key, value, err, sizeof(err)) != 0)
		fail_msg("%s = %s refused: %s", key, value, err);
}

/* Expects key = value to be refused with a message that starts with the key and holds want. */
static void
set_refused(struct config *cfg, const char *key, const char *value,
    const char *want)
{
	char	 err[256], prefix[64];

	assert_int_equal(set(cfg, key, value, err, sizeof(err)), -1);
	snprintf(prefix, sizeof(prefix), "%s: ", key);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, want) == NULL)
		fail_msg("%s = %s: message \"%s\" lacks \"%s\" or \"%s\"", key,
		    value, err, prefix, want);
	assert_null(strchr(err, '\n'));
}

/* Loads a config from a temporary file holding text. Returns config_load's result; path in *pathp if wanted. */
static int
load_text(struct config *cfg, const char *text, char *err, size_t errsz,
    char **pathp)
{
	char	*path = unit_temp_file(text);
	int	 rc;

	err[0] = '\0';
	rc = config_load(cfg, path, err, errsz);
	unit_temp_done(path, pathp);
	return rc;
}

/* Expects loading text to fail with "PATH:line: " followed by want. */
static void
load_refused_at(const char *text, int line, const char *want)
{
	struct config	 cfg;
	char		 err[512], *path, prefix[128];

	assert_int_equal(load_text(&cfg, text, err, sizeof(err), &path), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	free(path);
	config_free(&cfg);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err, prefix, want);
}

TEST(defaults)
{
	struct config	 cfg;
	long		 cores = sysconf(_SC_NPROCESSORS_ONLN);

	config_defaults(&cfg);
	assert_string_equal(cfg.database, "dbname=tessera");
	assert_string_equal(cfg.secret_file, TESSERA_CONFDIR "/secret");
	assert_string_equal(cfg.templates, TESSERA_DATADIR "/templates");
	assert_string_equal(cfg.migrations, TESSERA_DATADIR "/migrations");
	assert_string_equal(cfg.listen, "");
	assert_string_equal(cfg.log_file, "");
	assert_string_equal(cfg.cookie_name, "tessera_session");
	assert_string_equal(cfg.user, "");
	assert_int_equal(cfg.idle_timeout, 30 * 60);
	assert_int_equal(cfg.absolute_timeout, 12 * 3600);
	assert_int_equal(cfg.touch_interval, 60);
	assert_int_equal(cfg.max_body, 16 * 1024);
	assert_int_equal(cfg.cookie_secure, COOKIE_SECURE_AUTO);
	assert_int_equal(cfg.cookie_persistent, 0);
	assert_int_equal(cfg.cookie_mac, TOKEN_MAC_BLAKE2B);
	assert_int_equal(cfg.socket_mode, 0660);
	assert_int_equal(cfg.connect_timeout, 3);
	assert_int_equal(cfg.statement_timeout, 5);
	if (cores > 0 && cores < 128)
		assert_int_equal(cfg.workers, 2 * cores);
	config_free(&cfg);
}

TEST(load_without_a_file_gives_defaults)
{
	struct config	 cfg;
	char		 err[256];

	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_int_equal(cfg.idle_timeout, 1800);
	config_free(&cfg);
}

TEST(durations_in_each_unit)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "idle_timeout", "90");
	assert_int_equal(cfg.idle_timeout, 90);
	set_ok(&cfg, "idle_timeout", "90s");
	assert_int_equal(cfg.idle_timeout, 90);
	set_ok(&cfg, "idle_timeout", "30m");
	assert_int_equal(cfg.idle_timeout, 1800);
	set_ok(&cfg, "idle_timeout", "12h");
	assert_int_equal(cfg.idle_timeout, 43200);
	set_ok(&cfg, "idle_timeout", "1d");
	assert_int_equal(cfg.idle_timeout, 86400);
	config_free(&cfg);
}

TEST(bad_durations)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_refused(&cfg, "idle_timeout", "", "not a duration");
	set_refused(&cfg, "idle_timeout", "m", "not a duration");
	set_refused(&cfg, "idle_timeout", "30x", "not a duration");
	set_refused(&cfg, "idle_timeout", "30mm", "not a duration");
	set_refused(&cfg, "idle_timeout", "30 m", "not a duration");
	set_refused(&cfg, "idle_timeout", "-90", "not a duration");
	set_refused(&cfg, "idle_timeout", "+90", "not a duration");
	set_refused(&cfg, "idle_timeout", "1.5h", "not a duration");
	set_refused(&cfg, "idle_timeout", "30M", "not a duration");
	set_refused(&cfg, "idle_timeout", "99999999999999999999", "not a duration");
	set_refused(&cfg, "idle_timeout", "9999999999999999d", "not a duration");
	assert_int_equal(cfg.idle_timeout, 1800);
	config_free(&cfg);
}

TEST(sizes)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "max_body", "16384");
	assert_int_equal(cfg.max_body, 16384);
	set_ok(&cfg, "max_body", "16k");
	assert_int_equal(cfg.max_body, 16 * 1024);
	set_ok(&cfg, "max_body", "16K");
	assert_int_equal(cfg.max_body, 16 * 1024);
	set_ok(&cfg, "max_body", "1M");
	assert_int_equal(cfg.max_body, 1024 * 1024);
	set_refused(&cfg, "max_body", "1MB", "not a size");
	set_refused(&cfg, "max_body", "16q", "not a size");
	set_refused(&cfg, "max_body", "k", "not a size");
	config_free(&cfg);
}

TEST(sizes_out_of_range)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_refused(&cfg, "max_body", "1023", "between 1024 and 16777216");
	set_refused(&cfg, "max_body", "17M", "between 1024 and 16777216");
	set_ok(&cfg, "max_body", "1024");
	set_ok(&cfg, "max_body", "16M");
	config_free(&cfg);
}

TEST(bools)
{
	struct config	 cfg;
	const char	*on[] = { "on", "yes", "true", "1" };
	const char	*off[] = { "off", "no", "false", "0" };
	size_t		 i;

	config_defaults(&cfg);
	for (i = 0; i < 4; i++) {
		set_ok(&cfg, "cookie_persistent", off[i]);
		assert_int_equal(cfg.cookie_persistent, 0);
		set_ok(&cfg, "cookie_persistent", on[i]);
		assert_int_equal(cfg.cookie_persistent, 1);
	}
	set_refused(&cfg, "cookie_persistent", "maybe", "not on or off");
	set_refused(&cfg, "cookie_persistent", "2", "not on or off");
	set_refused(&cfg, "cookie_persistent", "", "not on or off");
	config_free(&cfg);
}

/* Returns the int that the named-values key (cookie_secure or cookie_mac) holds in cfg. */
static int
named_value(const struct config *cfg, const char *key)
{
	return strcmp(key, "cookie_mac") == 0 ? cfg->cookie_mac : cfg->cookie_secure;
}

TEST(named_values_take_exactly_their_names)
{
	static const struct {
		const char	*key, *value;
		int		 want;
	} ok[] = {
		{ "cookie_secure", "on", COOKIE_SECURE_ON },
		{ "cookie_secure", "off", COOKIE_SECURE_OFF },
		{ "cookie_secure", "auto", COOKIE_SECURE_AUTO },
		{ "cookie_mac", "hmac", TOKEN_MAC_HMAC },
		{ "cookie_mac", "blake2b", TOKEN_MAC_BLAKE2B },
	};
	static const struct {
		const char	*key, *value, *why;
	} bad[] = {
		{ "cookie_secure", "yes", "not auto, on or off" },
		{ "cookie_secure", "1", "not auto, on or off" },
		{ "cookie_mac", "HMAC", "not blake2b or hmac" },
		{ "cookie_mac", "", "not blake2b or hmac" },
		{ "cookie_mac", "blake2b ", "not blake2b or hmac" },
		{ "cookie_mac", "sha256", "not blake2b or hmac" },
	};
	struct config	 cfg;
	size_t		 i;
	int		 before;

	config_defaults(&cfg);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		set_ok(&cfg, ok[i].key, ok[i].value);
		assert_int_equal(named_value(&cfg, ok[i].key), ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		before = named_value(&cfg, bad[i].key);
		set_refused(&cfg, bad[i].key, bad[i].value, bad[i].why);
		assert_int_equal(named_value(&cfg, bad[i].key), before);
	}
	config_free(&cfg);
}

TEST(octal_mode)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "socket_mode", "0600");
	assert_int_equal(cfg.socket_mode, 0600);
	set_ok(&cfg, "socket_mode", "660");
	assert_int_equal(cfg.socket_mode, 0660);
	set_ok(&cfg, "socket_mode", "0777");
	assert_int_equal(cfg.socket_mode, 0777);
	set_refused(&cfg, "socket_mode", "0800", "not an octal mode");
	set_refused(&cfg, "socket_mode", "rw", "not an octal mode");
	set_refused(&cfg, "socket_mode", "", "not an octal mode");
	set_refused(&cfg, "socket_mode", "01777", "between 0 and 511");
	set_refused(&cfg, "socket_mode", "-1", "between 0 and 511");
	assert_int_equal(cfg.socket_mode, 0777);
	config_free(&cfg);
}

TEST(whole_numbers)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "workers", "7");
	assert_int_equal(cfg.workers, 7);
	set_refused(&cfg, "workers", "7k", "not a whole number");
	set_refused(&cfg, "workers", "seven", "not a whole number");
	set_refused(&cfg, "workers", "", "not a whole number");
	set_refused(&cfg, "workers", " 7", "not a whole number");
	config_free(&cfg);
}

TEST(out_of_range_names_key_and_bounds)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_refused(&cfg, "workers", "0", "must be between 1 and ");
	set_refused(&cfg, "workers", "0", ", not 0");
	set_refused(&cfg, "workers", "100000", ", not 100000");
	set_refused(&cfg, "idle_timeout", "59", "between 60 and");
	set_refused(&cfg, "connect_timeout", "0s", "between 1 and 300");
	set_refused(&cfg, "statement_timeout", "2h", "between 1 and 3600");
	set_refused(&cfg, "workers", "99999999999999999999", "not a whole number");
	config_free(&cfg);
}

TEST(range_edges_are_inclusive)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "workers", "1");
	set_ok(&cfg, "idle_timeout", "1m");
	set_ok(&cfg, "touch_interval", "0");
	set_ok(&cfg, "absolute_timeout", "365d");
	config_free(&cfg);
}

TEST(refused_value_keeps_the_old_one)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "workers", "5");
	set_refused(&cfg, "workers", "x", "not a whole number");
	assert_int_equal(cfg.workers, 5);
	config_free(&cfg);
}

TEST(strings_are_copied_and_replaced)
{
	struct config	 cfg;
	char		 value[] = "host=/tmp dbname=x";

	config_defaults(&cfg);
	set_ok(&cfg, "database", value);
	value[0] = 'X';
	assert_string_equal(cfg.database, "host=/tmp dbname=x");
	set_ok(&cfg, "database", "");
	assert_string_equal(cfg.database, "");
	config_free(&cfg);
	assert_null(cfg.database);
}

TEST(unknown_key)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_refused(&cfg, "wokers", "4", "unknown key");
	set_refused(&cfg, "Workers", "4", "unknown key");
	config_free(&cfg);
}

TEST(bad_value_message_quotes_the_value)
{
	struct config	 cfg;
	char		 err[256];

	config_defaults(&cfg);
	assert_int_equal(set(&cfg, "max_body", "lots", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"lots\""));
	config_free(&cfg);
}

TEST(file_values_with_spaces_and_comments)
{
	struct config	 cfg;
	char		 err[256];

	assert_int_equal(load_text(&cfg,
	    "# a comment\n"
	    "\n"
	    "   # an indented comment\n"
	    "workers=3\n"
	    "  idle_timeout   =   10m  \n"
	    "database = host=/tmp dbname=t \n"
	    "\tmax_body\t=\t32k\t\n"
	    "cookie_secure = on", err, sizeof(err), NULL), 0);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.idle_timeout, 600);
	assert_string_equal(cfg.database, "host=/tmp dbname=t");
	assert_int_equal(cfg.max_body, 32 * 1024);
	assert_int_equal(cfg.cookie_secure, COOKIE_SECURE_ON);
	config_free(&cfg);
}

TEST(file_crlf_lines)
{
	struct config	 cfg;
	char		 err[256];

	assert_int_equal(load_text(&cfg, "workers = 4\r\nlisten = /run/t.sock\r\n",
	    err, sizeof(err), NULL), 0);
	assert_int_equal(cfg.workers, 4);
	assert_string_equal(cfg.listen, "/run/t.sock");
	config_free(&cfg);
}

TEST(file_key_twice_names_both_lines)
{
	load_refused_at("workers = 4\n# more\nworkers = 6\n", 3,
	    "workers: set twice, on lines 1 and 3");
	load_refused_at("database = a\ndatabase = a\n", 2, "lines 1 and 2");
}

TEST(file_comment_after_a_value_is_refused_and_says_so)
{
	load_refused_at("workers = 4 # four\n", 1,
	    "workers: a comment after a value is not allowed");
	load_refused_at("idle_timeout = 30m\t# half an hour\n", 1,
	    "idle_timeout: a comment after a value is not allowed");
	load_refused_at("secret_file = /etc/s #main\n", 1,
	    "secret_file: a comment after a value is not allowed");
}

TEST(file_hash_inside_a_value_is_kept)
{
	struct config	 cfg;
	char		 err[256];

	assert_int_equal(load_text(&cfg, "database = password=a#b dbname=t\n",
	    err, sizeof(err), NULL), 0);
	assert_string_equal(cfg.database, "password=a#b dbname=t");
	config_free(&cfg);
}

TEST(listen_ports_and_paths)
{
	struct config	 cfg;
	char		 longpath[200];

	config_defaults(&cfg);
	set_ok(&cfg, "listen", "127.0.0.1:1");
	set_ok(&cfg, "listen", "127.0.0.1:65535");
	set_ok(&cfg, "listen", "[::1]:9000");
	set_ok(&cfg, "listen", ":9000");
	set_ok(&cfg, "listen", "/run/tessera.sock");
	set_ok(&cfg, "listen", "unix:/run/tessera.sock");
	set_ok(&cfg, "listen", "");
	set_refused(&cfg, "listen", "127.0.0.1:99999", "1 to 65535");
	set_refused(&cfg, "listen", "127.0.0.1:65536", "1 to 65535");
	set_refused(&cfg, "listen", "127.0.0.1:0", "1 to 65535");
	set_refused(&cfg, "listen", "127.0.0.1:-1", "1 to 65535");
	set_refused(&cfg, "listen", "127.0.0.1:http", "1 to 65535");
	set_refused(&cfg, "listen", "127.0.0.1:", "1 to 65535");
	set_refused(&cfg, "listen", "localhost", "host:port");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	set_refused(&cfg, "listen", longpath, "at most 107 bytes");
	config_free(&cfg);
}

TEST(status_allow_every_entry_parsed)
{
	struct config	 cfg;

	config_defaults(&cfg);
	set_ok(&cfg, "status_allow", "10.0.0.0/8, 192.168.1.7 ::1 fd00::/8");
	set_ok(&cfg, "status_allow", "0.0.0.0/0,::/0");
	set_ok(&cfg, "status_allow", "");
	set_refused(&cfg, "status_allow", "banana", "\"banana\": not an IP address");
	set_refused(&cfg, "status_allow", "10.0.0.0/99", "\"10.0.0.0/99\": an IPv4 prefix length is 0 to 32");
	set_refused(&cfg, "status_allow", "::1/129", "0 to 128");
	set_refused(&cfg, "status_allow", "127.0.0.1, 10.0.0.0/", "\"10.0.0.0/\"");
	set_refused(&cfg, "status_allow", "10.0.0.0/-1", "0 to 32");
	set_refused(&cfg, "status_allow", "10.0.0.0/+8", "0 to 32");
	set_refused(&cfg, "status_allow", "127.0.0.1 10.1.2.300", "\"10.1.2.300\"");
	config_free(&cfg);
}

TEST(restart_keys_are_named)
{
	struct config	 a, b;
	char		 out[256];

	config_defaults(&a);
	config_defaults(&b);
	assert_int_equal(config_restart_keys(&a, &b, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	set_ok(&b, "workers", "7");
	set_ok(&b, "status_allow", "10.0.0.1");
	assert_int_equal(config_restart_keys(&a, &b, out, sizeof(out)), 0);
	set_ok(&b, "listen", "/tmp/x.sock");
	set_ok(&b, "user", "nobody");
	set_ok(&b, "socket_mode", "0600");
	assert_int_equal(config_restart_keys(&a, &b, out, sizeof(out)), 3);
	assert_string_equal(out, "listen, user, socket_mode");
	config_free(&a);
	config_free(&b);
}

TEST(file_line_without_equals)
{
	load_refused_at("workers = 2\n\nworkers 4\n", 3, "expected key = value");
}

TEST(file_unknown_key_names_line_and_key)
{
	load_refused_at("# x\nnope = 1\n", 2, "nope: unknown key");
}

TEST(file_bad_value_names_line_and_key)
{
	load_refused_at("workers = 2\nidle_timeout = soon\n", 2,
	    "idle_timeout: not a duration");
}

TEST(file_out_of_range_names_line_and_key)
{
	load_refused_at("max_body = 64M\n", 1, "max_body: must be between");
}

TEST(file_line_too_long)
{
	char	*text = malloc(10000);

	assert_non_null(text);
	memcpy(text, "database = ", 11);
	memset(text + 11, 'x', 9000);
	strcpy(text + 9011, "\n");
	load_refused_at(text, 1, "line too long");
	free(text);
}

TEST(file_missing)
{
	struct config	 cfg;
	char		 err[256];

	assert_int_equal(config_load(&cfg, "/nonexistent/tessera.conf", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/tessera.conf"));
	assert_non_null(strstr(err, "No such file"));
	config_free(&cfg);
}

TEST(absolute_shorter_than_idle_is_refused)
{
	struct config	 cfg;
	char		 err[256];

	assert_int_equal(load_text(&cfg, "idle_timeout = 2h\n"
	    "absolute_timeout = 1h\n", err, sizeof(err), NULL), -1);
	assert_non_null(strstr(err, "absolute_timeout"));
	config_free(&cfg);
}

TEST(env_overrides_the_file)
{
	struct config	 cfg;
	char		 err[256];

	setenv("TESSERA_WORKERS", "9", 1);
	setenv("TESSERA_DATABASE", "dbname=fromenv", 1);
	assert_int_equal(load_text(&cfg, "workers = 3\ndatabase = dbname=file\n",
	    err, sizeof(err), NULL), 0);
	unsetenv("TESSERA_WORKERS");
	unsetenv("TESSERA_DATABASE");
	assert_int_equal(cfg.workers, 9);
	assert_string_equal(cfg.database, "dbname=fromenv");
	config_free(&cfg);
}

TEST(env_applies_without_a_file)
{
	struct config	 cfg;
	char		 err[256];

	setenv("TESSERA_IDLE_TIMEOUT", "45m", 1);
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	unsetenv("TESSERA_IDLE_TIMEOUT");
	assert_int_equal(cfg.idle_timeout, 45 * 60);
	config_free(&cfg);
}

TEST(env_bad_value_names_variable_and_key)
{
	struct config	 cfg;
	char		 err[256];

	setenv("TESSERA_WORKERS", "many", 1);
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), -1);
	unsetenv("TESSERA_WORKERS");
	assert_non_null(strstr(err, "TESSERA_WORKERS"));
	assert_non_null(strstr(err, "workers: not a whole number"));
	config_free(&cfg);
}

/* Expects the variable name=value to make config_load fail with a message naming it. */
static void
env_refused(const char *name, const char *value)
{
	struct config	 cfg;
	char		 err[256];

	setenv(name, value, 1);
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), -1);
	unsetenv(name);
	config_free(&cfg);
	if (strncmp(err, name, strlen(name)) != 0 || strstr(err, "no such setting") == NULL)
		fail_msg("message \"%s\" does not name %s as unknown", err, name);
}

TEST(env_unknown_variable_is_refused_naming_it)
{
	env_refused("TESSERA_WORKRS", "3");
	env_refused("TESSERA_workers", "9");
	env_refused("TESSERA_", "1");
	env_refused("TESSERA_WORKERS_", "1");
	env_refused("TESSERA_WORKER", "1");
}

TEST(free_is_safe_twice)
{
	struct config	 cfg;

	config_defaults(&cfg);
	config_free(&cfg);
	config_free(&cfg);
	config_free(NULL);
}

/* Clears every TESSERA_ variable, so the caller's environment cannot change the results. */
static int
setup(void **state)
{
	char	 name[256];
	size_t	 i, len;

	(void)state;
	for (i = 0; environ[i] != NULL; ) {
		if (strncmp(environ[i], "TESSERA_", 8) != 0) {
			i++;
			continue;
		}
		len = strcspn(environ[i], "=");
		snprintf(name, sizeof(name), "%.*s", (int)len, environ[i]);
		unsetenv(name);
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(load_without_a_file_gives_defaults),
		cmocka_unit_test(durations_in_each_unit),
		cmocka_unit_test(bad_durations),
		cmocka_unit_test(sizes),
		cmocka_unit_test(sizes_out_of_range),
		cmocka_unit_test(bools),
		cmocka_unit_test(named_values_take_exactly_their_names),
		cmocka_unit_test(octal_mode),
		cmocka_unit_test(whole_numbers),
		cmocka_unit_test(out_of_range_names_key_and_bounds),
		cmocka_unit_test(range_edges_are_inclusive),
		cmocka_unit_test(refused_value_keeps_the_old_one),
		cmocka_unit_test(strings_are_copied_and_replaced),
		cmocka_unit_test(unknown_key),
		cmocka_unit_test(bad_value_message_quotes_the_value),
		cmocka_unit_test(file_values_with_spaces_and_comments),
		cmocka_unit_test(file_crlf_lines),
		cmocka_unit_test(file_key_twice_names_both_lines),
		cmocka_unit_test(file_comment_after_a_value_is_refused_and_says_so),
		cmocka_unit_test(file_hash_inside_a_value_is_kept),
		cmocka_unit_test(listen_ports_and_paths),
		cmocka_unit_test(status_allow_every_entry_parsed),
		cmocka_unit_test(restart_keys_are_named),
		cmocka_unit_test(file_line_without_equals),
		cmocka_unit_test(file_unknown_key_names_line_and_key),
		cmocka_unit_test(file_bad_value_names_line_and_key),
		cmocka_unit_test(file_out_of_range_names_line_and_key),
		cmocka_unit_test(file_line_too_long),
		cmocka_unit_test(file_missing),
		cmocka_unit_test(absolute_shorter_than_idle_is_refused),
		cmocka_unit_test(env_overrides_the_file),
		cmocka_unit_test(env_applies_without_a_file),
		cmocka_unit_test(env_bad_value_names_variable_and_key),
		cmocka_unit_test(env_unknown_variable_is_refused_naming_it),
		cmocka_unit_test(free_is_safe_twice),
	};

	return cmocka_run_group_tests_name("config", tests, setup, NULL);
}
