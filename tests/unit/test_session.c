/* Unit tests for session.c against a real PostgreSQL (make unit's throwaway one): sign-in, load, slide, expiry, sign-out, CSRF. */
#include "unit.h"

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "session.h"
#include "token.h"
#include "unit_pg.h"

#define HASH		"argon2id-stand-in-1"	/* sess_create compares it as text */
#define COOKIE		"tessera_session"
#define SECRET		"a unit test secret of thirty-two bytes or more"
#define ADDR		"192.0.2.7"

/* A case with the fixture made before it and freed after it. */
#define SESS_TEST(name)	cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

/* One browser's sessions for one user of the throwaway database, with everything session.c takes. */
struct fx {
	struct config		 cfg;
	struct token_keys	 keys;
	struct db		*db;
	struct http_request	 req;
	struct http_response	 resp;
	struct sess_env		 env;
	struct sess		 sess;
	char			 cookie[512];	/* the Cookie header of the next request */
	char			 uid[24];	/* the user's id, as text */
	char			 username[64];
	long long		 user_id;
	long long		 epoch;
};

/* Makes the fixture with a new user whose hash is HASH; leaves *state NULL when there is no database. */
static int
fx_setup(void **state)
{
	static int	 users;
	const char	*conninfo = unit_pg_conninfo();
	struct fx	*f;
	const char	*values[2] = { NULL, HASH };
	PGresult	*res;

	*state = NULL;
	if (conninfo == NULL)
		return 0;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	config_defaults(&f->cfg);
	if (token_keys_add(&f->keys, SECRET, strlen(SECRET)) == -1 ||
	    (f->db = db_new(conninfo, 5, 5, 1)) == NULL)
		return -1;
	http_response_init(&f->resp);
	f->req.cookie = f->cookie;
	f->req.remote_addr = ADDR;
	f->req.user_agent = "unit/1.0";
	f->env = (struct sess_env){ &f->cfg, &f->keys, f->db, &f->req, &f->resp };
	snprintf(f->username, sizeof(f->username), "unit-%ld-%d", (long)getpid(),
	    ++users);
	values[0] = f->username;
	if ((res = db_query(f->db, SQL_USER_ADD, values, NULL)) == NULL)
		return -1;
	snprintf(f->uid, sizeof(f->uid), "%s", PQgetvalue(res, 0, DB_ONLY_COLUMN));
	PQclear(res);
	f->user_id = strtoll(f->uid, NULL, 10);
	f->epoch = unit_pg_number("SELECT auth_epoch FROM tessera.users WHERE id = $1",
	    f->uid);
	*state = f;
	return 0;
}

/* Frees what fx_setup made. */
static int
fx_teardown(void **state)
{
	struct fx	*f = *state;

	if (f == NULL)
		return 0;
	sess_free(&f->sess);
	http_response_free(&f->resp);
	db_free(f->db);
	config_free(&f->cfg);
	token_keys_wipe(&f->keys);
	free(f);
	return 0;
}

/* Begins a new request carrying f->cookie: the last one's session and response are gone. */
static void
fx_request(struct fx *f)
{
	sess_free(&f->sess);
	http_response_reset(&f->resp);
	sess_read_cookie(&f->env, &f->sess);
}

/*
 * Returns the value of the Set-Cookie for name the response carries, in
 * out (size bytes), or NULL if it carries none.
 */
static const char *
fx_set_cookie(const struct fx *f, const char *name, char *out, size_t size)
{
	char		 prefix[128];
	const char	*at, *end;

	snprintf(prefix, sizeof(prefix), "Set-Cookie: %s=", name);
	if ((at = strstr(buf_str(&f->resp.head), prefix)) == NULL)
		return NULL;
	at += strlen(prefix);
	end = at + strcspn(at, ";\r");
	snprintf(out, size, "%.*s", (int)(end - at), at);
	return out;
}

/* The browser keeps the session cookie the response set, if it set one (an empty value: none). */
static void
fx_keep_cookie(struct fx *f)
{
	char	 value[256];

	if (fx_set_cookie(f, COOKIE, value, sizeof(value)) != NULL)
		snprintf(f->cookie, sizeof(f->cookie), value[0] ? COOKIE "=%s" :
		    "%s", value);
}

/* Signs the user in (hash: the one verified) in a new request, keeping the cookie. Returns sess_create's answer. */
static int
fx_sign_in(struct fx *f, const char *hash)
{
	struct sess_verified v;
	int		 rc;

	memset(&v, 0, sizeof(v));
	v.proof.user_id = f->user_id;
	v.proof.auth_epoch = f->epoch;
	v.proof.proved_at = time(NULL);
	v.proof.factors = PROOF_PASSWORD;
	snprintf(v.password_hash, sizeof(v.password_hash), "%s", hash);
	fx_request(f);
	rc = sess_create(&f->env, &f->sess, &v);
	fx_keep_cookie(f);
	return rc;
}

/* Loads the session of the cookie in a new request. Returns sess_load's answer. */
static int
fx_load(struct fx *f)
{
	int	 rc;

	fx_request(f);
	rc = sess_load(&f->env, &f->sess);
	fx_keep_cookie(f);
	return rc;
}

/* Returns how many session rows the fixture's user has. */
static long long
fx_rows(const struct fx *f)
{
	return unit_pg_number("SELECT count(*) FROM tessera.sessions "
	    "WHERE user_id = $1", f->uid);
}

/* Returns seconds from now to the idle expiry of the user's newest session. */
static long long
fx_idle_left(const struct fx *f)
{
	return unit_pg_number("SELECT extract(epoch FROM max(expires_at) - now())"
	    "::bigint FROM tessera.sessions WHERE user_id = $1", f->uid);
}

TEST(a_session_made_at_sign_in_is_found_by_its_cookie)
{
	struct fx	*f = unit_pg_state(state);

	assert_int_equal(fx_sign_in(f, HASH), 0);
	assert_true(f->sess.live);
	assert_true(f->sess.id > 0);
	assert_non_null(strstr(f->cookie, COOKIE "="));
	assert_int_equal(fx_rows(f), 1);
	assert_int_equal(fx_load(f), 1);
	assert_true(f->sess.has_token);
	assert_int_equal(f->sess.user_id, f->user_id);
	assert_string_equal(f->sess.username, f->username);
	assert_int_equal(f->sess.assurance, 1);
	assert_int_equal(f->sess.remember_idle, 0);
	assert_true(f->sess.proof_age >= 0 && f->sess.proof_age < 5);
	assert_true(f->sess.created_at > time(NULL) - 5 && f->sess.created_at <= time(NULL));
	assert_int_equal(unit_pg_number("SELECT count(*) FROM tessera.sessions "
	    "WHERE user_id = $1 AND remote_addr = '" ADDR "' AND "
	    "user_agent = 'unit/1.0'", f->uid), 1);
}

TEST(a_counted_view_is_kept_in_the_row)
{
	struct fx	*f = unit_pg_state(state);

	assert_int_equal(fx_sign_in(f, HASH), 0);
	fx_request(f);
	assert_int_equal(sess_incr(&f->sess, "views", 1), 0);
	assert_int_equal(sess_load(&f->env, &f->sess), 1);
	assert_int_equal(sess_get_int(&f->sess, "views", -1), 1);
	fx_request(f);
	assert_int_equal(sess_incr(&f->sess, "views", 41), 0);
	assert_int_equal(sess_load(&f->env, &f->sess), 1);
	assert_int_equal(sess_get_int(&f->sess, "views", -1), 42);
	assert_string_equal(sess_get(&f->sess, "views"), "42");
	assert_int_equal(fx_load(f), 1);	/* a plain read sees it too */
	assert_int_equal(sess_get_int(&f->sess, "views", -1), 42);
	assert_null(sess_get(&f->sess, "absent"));
}

TEST(a_fresh_session_is_only_read_a_stale_one_slides)
{
	struct fx	*f = unit_pg_state(state);

	f->cfg.idle_timeout = 3600;
	f->cfg.touch_interval = 60;
	f->cfg.cookie_persistent = 1;
	assert_int_equal(fx_sign_in(f, HASH), 0);
	unit_pg_exec("UPDATE tessera.sessions SET expires_at = now() + interval "
	    "'30 minutes' WHERE user_id = $1", f->uid);
	/* last seen just now: read, not written; no cookie sent */
	assert_int_equal(fx_load(f), 1);
	assert_null(fx_set_cookie(f, COOKIE, (char[256]){ 0 }, 256));
	assert_in_range(fx_idle_left(f), 1790, 1800);
	/* last seen past touch_interval: the expiry slides and the persistent cookie with it */
	unit_pg_exec("UPDATE tessera.sessions SET last_seen_at = now() - interval "
	    "'2 minutes' WHERE user_id = $1", f->uid);
	assert_int_equal(fx_load(f), 1);
	assert_in_range(fx_idle_left(f), 3590, 3600);
	assert_non_null(fx_set_cookie(f, COOKIE, (char[256]){ 0 }, 256));
	assert_non_null(strstr(buf_str(&f->resp.head), "Max-Age=3600"));
	assert_int_equal(unit_pg_number("SELECT count(*) FROM tessera.sessions "
	    "WHERE user_id = $1 AND last_seen_at > now() - interval '5 seconds'",
	    f->uid), 1);
}

TEST(a_slide_never_passes_the_absolute_expiry)
{
	struct fx	*f = unit_pg_state(state);

	f->cfg.idle_timeout = 3600;
	f->cfg.touch_interval = 10;
	assert_int_equal(fx_sign_in(f, HASH), 0);
	unit_pg_exec("UPDATE tessera.sessions SET last_seen_at = now() - interval "
	    "'1 hour', expires_at = now() + interval '1 minute', "
	    "absolute_expires_at = now() + interval '2 minutes' "
	    "WHERE user_id = $1", f->uid);
	assert_int_equal(fx_load(f), 1);
	assert_in_range(fx_idle_left(f), 110, 120);
}

TEST(an_expired_session_is_not_live)
{
	struct fx	*f = unit_pg_state(state);

	assert_int_equal(fx_sign_in(f, HASH), 0);
	unit_pg_exec("UPDATE tessera.sessions SET expires_at = now() - interval "
	    "'1 second' WHERE user_id = $1", f->uid);
	assert_int_equal(fx_load(f), 0);
	assert_false(f->sess.live);
	fx_request(f);	/* nor does a change to it bring it back */
	assert_int_equal(sess_incr(&f->sess, "views", 1), 0);
	assert_int_equal(sess_load(&f->env, &f->sess), 0);
	assert_int_equal(fx_sign_in(f, HASH), 0);
	unit_pg_exec("UPDATE tessera.sessions SET absolute_expires_at = now() - "
	    "interval '1 second' WHERE user_id = $1", f->uid);
	assert_int_equal(fx_load(f), 0);
}

TEST(sign_out_deletes_the_row_and_expires_the_cookie)
{
	struct fx	*f = unit_pg_state(state);
	char		 old[sizeof(f->cookie)], value[256];

	assert_int_equal(fx_sign_in(f, HASH), 0);
	memcpy(old, f->cookie, sizeof(old));
	fx_request(f);
	assert_int_equal(sess_destroy(&f->env, &f->sess), 0);
	assert_false(f->sess.live);
	assert_string_equal(f->sess.username, f->username);
	assert_int_equal(fx_rows(f), 0);
	assert_non_null(fx_set_cookie(f, COOKIE, value, sizeof(value)));
	assert_string_equal(value, "");
	assert_non_null(strstr(buf_str(&f->resp.head), "Max-Age=0"));
	memcpy(f->cookie, old, sizeof(old));	/* a copy of the cookie kept */
	assert_int_equal(fx_load(f), 0);
}

TEST(sign_in_replaces_the_session_the_cookie_named)
{
	struct fx	*f = unit_pg_state(state);
	char		 old[sizeof(f->cookie)];
	long long	 id;

	assert_int_equal(fx_sign_in(f, HASH), 0);
	id = f->sess.id;
	memcpy(old, f->cookie, sizeof(old));
	assert_int_equal(fx_sign_in(f, HASH), 0);
	assert_true(f->sess.id != id);
	assert_string_not_equal(f->cookie, old);
	assert_int_equal(fx_rows(f), 1);
	assert_int_equal(fx_load(f), 1);
	memcpy(f->cookie, old, sizeof(old));	/* the old token names nothing now */
	assert_int_equal(fx_load(f), 0);
}

TEST(a_forged_or_unknown_cookie_finds_no_session)
{
	struct fx	*f = unit_pg_state(state);
	unsigned char	 token[TOKEN_BYTES];
	char		 value[TOKEN_COOKIE_SIZE];
	size_t		 at;

	assert_int_equal(fx_sign_in(f, HASH), 0);
	/* one character of the signed value changed: no token, no query */
	at = strlen(COOKIE "=") + 3;
	f->cookie[at] = f->cookie[at] == 'A' ? 'B' : 'A';
	fx_request(f);
	assert_false(f->sess.has_token);
	assert_int_equal(sess_load(&f->env, &f->sess), 0);
	/* signed under another secret */
	{
		struct token_keys other;

		memset(&other, 0, sizeof(other));
		assert_int_equal(token_keys_add(&other, "another secret of thirty-two "
		    "bytes or more", 43), 0);
		token_new(token);
		token_sign(&other, TOKEN_SESSION, token, value);
		token_keys_wipe(&other);
	}
	snprintf(f->cookie, sizeof(f->cookie), COOKIE "=%s", value);
	fx_request(f);
	assert_false(f->sess.has_token);
	/* well signed, but no row has it (stale, or never made) */
	token_sign(&f->keys, TOKEN_SESSION, token, value);
	snprintf(f->cookie, sizeof(f->cookie), COOKIE "=%s", value);
	fx_request(f);
	assert_true(f->sess.has_token);
	assert_int_equal(sess_load(&f->env, &f->sess), 0);
	assert_int_equal(fx_rows(f), 1);	/* and the real one is untouched */
}

TEST(the_csrf_value_is_this_sessions_only)
{
	struct fx	*f = unit_pg_state(state);
	char		 csrf[TOKEN_CSRF_SIZE], other[TOKEN_CSRF_SIZE];

	assert_int_equal(fx_sign_in(f, HASH), 0);
	assert_int_equal(fx_load(f), 1);
	sess_csrf(&f->env, &f->sess, csrf);
	assert_true(sess_csrf_ok(&f->env, &f->sess, csrf));
	assert_false(sess_csrf_ok(&f->env, &f->sess, ""));
	memcpy(other, csrf, sizeof(other));
	other[0] = other[0] == 'A' ? 'B' : 'A';
	assert_false(sess_csrf_ok(&f->env, &f->sess, other));
	assert_int_equal(fx_sign_in(f, HASH), 0);	/* a new session: a new value */
	assert_int_equal(fx_load(f), 1);
	assert_false(sess_csrf_ok(&f->env, &f->sess, csrf));
	sess_csrf(&f->env, &f->sess, other);
	assert_string_not_equal(other, csrf);
	f->cookie[0] = '\0';	/* no session: no value is good */
	fx_request(f);
	assert_false(sess_csrf_ok(&f->env, &f->sess, other));
}

TEST(no_session_is_made_when_the_account_changed_since_the_check)
{
	struct fx	*f = unit_pg_state(state);

	/* the password changed between its check and the session */
	assert_int_equal(fx_sign_in(f, "the hash verified before"), 1);
	assert_false(f->sess.has_token);
	assert_false(f->sess.live);
	assert_null(fx_set_cookie(f, COOKIE, (char[256]){ 0 }, 256));
	assert_int_equal(fx_rows(f), 0);
	/* the account was disabled */
	unit_pg_exec("UPDATE tessera.users SET disabled_at = now() WHERE id = $1",
	    f->uid);
	assert_int_equal(fx_sign_in(f, HASH), 1);
	assert_int_equal(fx_rows(f), 0);
	unit_pg_exec("UPDATE tessera.users SET disabled_at = NULL WHERE id = $1",
	    f->uid);
	/* its sessions were revoked (the epoch moved on) */
	unit_pg_exec("UPDATE tessera.users SET auth_epoch = auth_epoch + 1 "
	    "WHERE id = $1", f->uid);
	assert_int_equal(fx_sign_in(f, HASH), 1);
	assert_int_equal(fx_rows(f), 0);
	f->epoch++;
	assert_int_equal(fx_sign_in(f, HASH), 0);
	assert_int_equal(fx_rows(f), 1);
}

TEST(a_session_ends_when_its_user_is_disabled_or_revoked)
{
	struct fx	*f = unit_pg_state(state);

	assert_int_equal(fx_sign_in(f, HASH), 0);
	unit_pg_exec("UPDATE tessera.users SET disabled_at = now() WHERE id = $1",
	    f->uid);
	assert_int_equal(fx_load(f), 0);
	unit_pg_exec("UPDATE tessera.users SET disabled_at = NULL WHERE id = $1",
	    f->uid);
	assert_int_equal(fx_load(f), 1);
	unit_pg_exec("UPDATE tessera.users SET auth_epoch = auth_epoch + 1 "
	    "WHERE id = $1", f->uid);
	assert_int_equal(fx_load(f), 0);
}

TEST(past_max_sessions_per_user_the_least_recently_used_end)
{
	struct fx	*f = unit_pg_state(state);
	char		 first[sizeof(f->cookie)], second[sizeof(f->cookie)];
	char		*log = unit_temp_file("");

	assert_int_equal(log_open(log), 0);
	f->cfg.max_sessions_per_user = 2;
	assert_int_equal(fx_sign_in(f, HASH), 0);
	memcpy(first, f->cookie, sizeof(first));
	f->cookie[0] = '\0';		/* another browser */
	assert_int_equal(fx_sign_in(f, HASH), 0);
	memcpy(second, f->cookie, sizeof(second));
	/* the first browser was used since: the second is the least recent */
	unit_pg_exec("UPDATE tessera.sessions SET last_seen_at = now() - "
	    "interval '1 minute' WHERE user_id = $1 AND id = (SELECT max(id) "
	    "FROM tessera.sessions WHERE user_id = $1)", f->uid);
	f->cookie[0] = '\0';		/* a third */
	assert_int_equal(fx_sign_in(f, HASH), 0);
	assert_int_equal(fx_rows(f), 2);
	assert_int_equal(fx_load(f), 1);
	memcpy(f->cookie, first, sizeof(first));
	assert_int_equal(fx_load(f), 1);
	memcpy(f->cookie, second, sizeof(second));
	assert_int_equal(fx_load(f), 0);
	assert_int_equal(log_open(NULL), 0);
	assert_int_equal(unit_log_lines(log, " sessions_evicted ", " ended=1 max=2"), 1);
	unit_temp_done(log, NULL);
}

TEST(a_proof_renewed_is_fresh_for_the_reauth_window)
{
	struct fx	*f = unit_pg_state(state);

	f->cfg.reauth_window = 300;
	assert_int_equal(fx_sign_in(f, HASH), 0);
	unit_pg_exec("UPDATE tessera.sessions SET authenticated_at = now() - "
	    "interval '10 minutes' WHERE user_id = $1", f->uid);
	assert_int_equal(fx_load(f), 1);
	assert_false(sess_fresh(&f->env, &f->sess));
	assert_int_equal(sess_prove(&f->env, &f->sess, 2), 0);
	assert_true(sess_fresh(&f->env, &f->sess));
	assert_int_equal(fx_load(f), 1);
	assert_int_equal(f->sess.assurance, 2);
	assert_true(sess_fresh(&f->env, &f->sess));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SESS_TEST(a_session_made_at_sign_in_is_found_by_its_cookie),
		SESS_TEST(a_counted_view_is_kept_in_the_row),
		SESS_TEST(a_fresh_session_is_only_read_a_stale_one_slides),
		SESS_TEST(a_slide_never_passes_the_absolute_expiry),
		SESS_TEST(an_expired_session_is_not_live),
		SESS_TEST(sign_out_deletes_the_row_and_expires_the_cookie),
		SESS_TEST(sign_in_replaces_the_session_the_cookie_named),
		SESS_TEST(a_forged_or_unknown_cookie_finds_no_session),
		SESS_TEST(the_csrf_value_is_this_sessions_only),
		SESS_TEST(no_session_is_made_when_the_account_changed_since_the_check),
		SESS_TEST(a_session_ends_when_its_user_is_disabled_or_revoked),
		SESS_TEST(past_max_sessions_per_user_the_least_recently_used_end),
		SESS_TEST(a_proof_renewed_is_fresh_for_the_reauth_window),
	};

	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
