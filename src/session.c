/* Sessions: the signed cookie, the row in PostgreSQL, per-key session data, CSRF values. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "buf.h"
#include "log.h"
#include "scoreboard.h"
#include "text.h"

#define PRESESSION_SUFFIX	"_pre"
#define COOKIE_NAME_MAX		128
#define STORED_TEXT_MAX		512	/* user agent bytes kept in the row */
#define SESSION_IDENTITY_COL	7	/* after SESSION_COLUMNS and the stale flag */

/* Returns 1 if cookies for this request must be Secure (and so __Host- prefixed). */
static int
sess_secure(const struct ctx *c)
{
	return c->app->cfg->cookie_secure == COOKIE_SECURE_ON ||
	    (c->app->cfg->cookie_secure == COOKIE_SECURE_AUTO && c->req->https);
}

/* Writes the cookie's name: __Host- when Secure, then cookie_name, then suffix. */
static void
sess_cookie_name(const struct ctx *c, const char *suffix,
    char out[COOKIE_NAME_MAX])
{
	snprintf(out, COOKIE_NAME_MAX, "%s%s%s", sess_secure(c) ? "__Host-" : "",
	    c->app->cfg->cookie_name, suffix);
}

/*
 * Finds the first cookie called name+suffix whose signature for purpose
 * verifies. Returns 1 with its token, 0 if none does (logging a rejected
 * signature, never the value).
 */
static int
sess_find_cookie(const struct ctx *c, const char *suffix,
    enum token_purpose purpose, unsigned char token[TOKEN_BYTES])
{
	char		 name[COOKIE_NAME_MAX];
	const char	*cursor = c->req->cookie, *value;
	size_t		 len;
	int		 seen = 0;

	sess_cookie_name(c, suffix, name);
	while (http_cookie_next(&cursor, name, &value, &len)) {
		if (token_verify(c->app->keys, purpose, value, len, token))
			return 1;
		seen = 1;
	}
	if (seen)
		log_event("cookie_rejected", "reason", "bad signature", "cookie",
		    name, "addr", c->req->remote_addr, NULL);
	return 0;
}

/* Sends the session cookie; Max-Age follows the idle timeout unless cookies are per browser session. */
static void
sess_send_cookie(struct ctx *c)
{
	char	 name[COOKIE_NAME_MAX], value[TOKEN_COOKIE_SIZE];

	sess_cookie_name(c, "", name);
	token_sign(c->app->keys, TOKEN_SESSION, c->sess.token, value);
	http_set_cookie(c->resp, name, value, c->app->cfg->cookie_persistent ?
	    c->app->cfg->idle_timeout : -1, sess_secure(c));
	sodium_memzero(value, sizeof(value));
}

/* Reads the session cookie; no database is touched, and a bad signature never reaches it. */
void
sess_read_cookie(struct ctx *c)
{
	struct sess	*s = &c->sess;

	s->has_token = sess_find_cookie(c, "", TOKEN_SESSION, s->token);
	if (s->has_token)
		token_hash(s->token, s->hash);
}

/* Frees the session data read from the row and wipes the token. */
void
sess_free(struct sess *s)
{
	int	 i;

	for (i = 0; i < s->ndata; i++) {
		free(s->data[i].key);
		free(s->data[i].value);
	}
	free(s->list);
	free(s->identity.groups);
	free(s->identity.display_name);
	free(s->identity.email);
	sodium_memzero(s, sizeof(*s));
}

/* Decodes one hex-encoded key or value from the row into a new string, or NULL. */
static char *
sess_unhex(const char *hex, size_t len)
{
	char	*out;
	size_t	 n;

	if ((out = malloc(len / 2 + 1)) == NULL)
		return NULL;
	if (sodium_hex2bin((unsigned char *)out, len / 2, hex, len, NULL, &n,
	    NULL) != 0 || memchr(out, '\0', n) != NULL) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

/* Splits the row's data column (hexkey=hexvalue&...) into s->data. */
static void
sess_parse_data(struct sess *s, const char *kv)
{
	const char	*p = kv, *amp, *eq;

	while (*p != '\0' && s->ndata < SESS_MAX_DATA) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq != NULL) {
			s->data[s->ndata].key = sess_unhex(p, (size_t)(eq - p));
			s->data[s->ndata].value = sess_unhex(eq + 1,
			    (size_t)(amp - eq - 1));
			if (s->data[s->ndata].key && s->data[s->ndata].value)
				s->ndata++;
			else {
				free(s->data[s->ndata].key);
				free(s->data[s->ndata].value);
			}
		}
		p = *amp ? amp + 1 : amp;
	}
}

/* Copies a live session row (SESSION_COLUMNS) into the session. */
static void
sess_from_row(struct sess *s, PGresult *res)
{
	s->live = 1;
	s->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	s->user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(s->username, sizeof(s->username), "%s", PQgetvalue(res, 0, 2));
	sess_parse_data(s, PQgetvalue(res, 0, 3));
	snprintf(s->created, sizeof(s->created), "%s", PQgetvalue(res, 0, 4));
	snprintf(s->created_iso, sizeof(s->created_iso), "%s",
	    PQgetvalue(res, 0, 5));
}

/*
 * Copies the identity columns, which start at col of the row, into the
 * session. Returns 1, or -1 when out of memory.
 */
static int
sess_identity_from_row(struct sess *s, PGresult *res, int col)
{
	struct sess_identity *id = &s->identity;

	id->groups = strdup(PQgetvalue(res, 0, col));
	id->display_name = strdup(PQgetvalue(res, 0, col + 1));
	id->email = strdup(PQgetvalue(res, 0, col + 2));
	id->assurance = (int)strtol(PQgetvalue(res, 0, col + 3), NULL, 10);
	id->proof_age = strtoll(PQgetvalue(res, 0, col + 4), NULL, 10);
	return id->groups && id->display_name && id->email ? 1 : -1;
}

/* Appends one element to a PostgreSQL array literal, quoted and escaped. */
static void
sess_array_add(struct buf *b, const char *elem)
{
	buf_puts(b, b->len > 1 ? ",\"" : "\"");
	for (; *elem != '\0'; elem++) {
		if (*elem == '"' || *elem == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, elem, 1);
	}
	buf_puts(b, "\"");
}

/*
 * Slides the idle expiry (when it lags by more than touch_interval) and
 * applies the queued data changes in one statement. Returns 1 if the session is live, 0 if not, -1 on a database
 * failure.
 */
static int
sess_touch(struct ctx *c)
{
	struct sess	*s = &c->sess;
	struct buf	 arr[4];	/* unset keys, set pairs, incr keys, deltas */
	char		 idle[16], touch[16];
	const char	*values[7];
	int		 lengths[7] = { TOKEN_BYTES, 0, 0, 0, 0, 0, 0 };
	PGresult	*res;
	int		 i, rc = -1;

	for (i = 0; i < 4; i++) {
		buf_init(&arr[i], 16 * 1024);
		buf_puts(&arr[i], "{");
	}
	for (i = 0; i < s->nchange; i++) {
		const struct sess_change *ch = &s->change[i];
		if (ch->kind == SESS_UNSET)
			sess_array_add(&arr[0], ch->key);
		else if (ch->kind == SESS_SET) {
			sess_array_add(&arr[1], ch->key);
			sess_array_add(&arr[1], ch->value);
		} else {
			sess_array_add(&arr[2], ch->key);
			sess_array_add(&arr[3], ch->value);
		}
	}
	for (i = 0; i < 4; i++)
		buf_puts(&arr[i], "}");
	snprintf(idle, sizeof(idle), "%d", c->app->cfg->idle_timeout);
	snprintf(touch, sizeof(touch), "%d", c->app->cfg->touch_interval);
	values[0] = (const char *)s->hash;
	values[1] = idle;
	for (i = 0; i < 4; i++)
		values[2 + i] = buf_str(&arr[i]);
	values[6] = touch;
	if (arr[0].failed || arr[1].failed || arr[2].failed || arr[3].failed)
		goto out;
	if ((res = db_query(c->app->db, s->want_list ? SQL_SESSION_TOUCH_LIST :
	    s->want_identity ? SQL_SESSION_TOUCH_AUTH : SQL_SESSION_TOUCH,
	    values, lengths)) == NULL)
		goto out;
	if ((rc = (PQntuples(res) == 1))) {
		sess_from_row(s, res);
		if (s->want_list && (s->list = strdup(PQgetvalue(res, 0, 6))) == NULL)
			rc = -1;	/* column 6: the list, after SESSION_COLUMNS */
		if (s->want_identity && !s->want_list)
			rc = sess_identity_from_row(s, res, SESSION_IDENTITY_COL);
		if (c->app->cfg->cookie_persistent)
			sess_send_cookie(c);	/* the cookie slides with the row */
	}
	PQclear(res);
out:
	for (i = 0; i < 4; i++)
		buf_free(&arr[i]);
	return rc;
}

/*
 * Loads the session named by the cookie, if any. With queued changes, a
 * wanted list of the user's sessions, or when the row was last touched
 * more than touch_interval ago, it is written (one UPDATE ... RETURNING);
 * otherwise it is only read.
 * Returns 1 if live, 0 if there is no live session, -1 on a database failure.
 */
int
sess_load(struct ctx *c)
{
	struct sess	*s = &c->sess;
	char		 touch[16];
	const char	*values[2];
	int		 lengths[2] = { TOKEN_BYTES, 0 };
	PGresult	*res;
	int		 stale, rc = 1;

	if (!s->has_token)
		return 0;
	if (s->nchange > 0 || s->want_list)
		return sess_touch(c);
	snprintf(touch, sizeof(touch), "%d", c->app->cfg->touch_interval);
	values[0] = (const char *)s->hash;
	values[1] = touch;
	if ((res = db_query(c->app->db, s->want_identity ? SQL_SESSION_READ_AUTH :
	    SQL_SESSION_READ, values, lengths)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	stale = PQgetvalue(res, 0, 6)[0] == 't';
	if (!stale) {
		sess_from_row(s, res);
		if (s->want_identity)
			rc = sess_identity_from_row(s, res, SESSION_IDENTITY_COL);
	}
	PQclear(res);
	return stale ? sess_touch(c) : rc;
}

/* Queues one change; returns 0, or -1 if too many are queued or the key is too long. */
static int
sess_queue(struct sess *s, enum sess_change_kind kind, const char *key,
    const char *value)
{
	struct sess_change *ch;

	if (s->nchange == SESS_MAX_CHANGES)
		return -1;
	ch = &s->change[s->nchange];
	ch->kind = kind;
	ch->key = key;
	if ((size_t)snprintf(ch->value, sizeof(ch->value), "%s", value) >=
	    sizeof(ch->value))
		return -1;
	s->nchange++;
	return 0;
}

/* Sets key to a string when the session is next loaded. Returns 0 or -1. */
int
sess_set(struct sess *s, const char *key, const char *value)
{
	return sess_queue(s, SESS_SET, key, value);
}

/* Adds delta to the integer at key (absent counts as 0) when the session is next loaded; atomic per key. */
int
sess_incr(struct sess *s, const char *key, long long delta)
{
	char	 d[24];

	snprintf(d, sizeof(d), "%lld", delta);
	return sess_queue(s, SESS_INCR, key, d);
}

/* Removes key when the session is next loaded. Returns 0 or -1. */
int
sess_unset(struct sess *s, const char *key)
{
	return sess_queue(s, SESS_UNSET, key, "");
}

/* Returns the session's value for key, or NULL. */
const char *
sess_get(const struct sess *s, const char *key)
{
	int	 i;

	for (i = 0; i < s->ndata; i++)
		if (strcmp(s->data[i].key, key) == 0)
			return s->data[i].value;
	return NULL;
}

/* Returns the session's value for key as an integer, or def if absent or not a number. */
long long
sess_get_int(const struct sess *s, const char *key, long long def)
{
	const char	*v = sess_get(s, key);
	char		*end;
	long long	 n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtoll(v, &end, 10);
	return *end == '\0' ? n : def;
}

/* Returns how many bytes of s to store: all of valid UTF-8 up to max, cut at a character; 0 if invalid. */
static int
sess_storable_len(const char *s, size_t max)
{
	size_t	 len = strlen(s);

	if (!text_utf8_valid(s, len) || text_has_control(s, len))
		return 0;
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return (int)len;
}

/*
 * Signs user_id in: a fresh token, a new row (the session the cookie named,
 * if any, is deleted in the same statement), the cookie, and the end of the
 * pre-session cookie. Returns 0, or -1 on a database failure.
 */
int
sess_create(struct ctx *c, long long user_id)
{
	struct sess	*s = &c->sess;
	unsigned char	 old[TOKEN_BYTES];
	char		 uid[24], idle[16], absolute[16], ua[STORED_TEXT_MAX + 1];
	char		 pre[COOKIE_NAME_MAX];
	const char	*values[7];
	int		 lengths[7] = { TOKEN_BYTES, 0, 0, 0, 0, 0, TOKEN_BYTES };
	int		 had = s->has_token, ualen;
	PGresult	*res;

	memcpy(old, s->hash, sizeof(old));
	token_new(s->token);
	token_hash(s->token, s->hash);
	snprintf(uid, sizeof(uid), "%lld", user_id);
	snprintf(idle, sizeof(idle), "%d", c->app->cfg->idle_timeout);
	snprintf(absolute, sizeof(absolute), "%d", c->app->cfg->absolute_timeout);
	ualen = sess_storable_len(c->req->user_agent, STORED_TEXT_MAX);
	snprintf(ua, sizeof(ua), "%.*s", ualen, c->req->user_agent);
	values[0] = (const char *)s->hash;
	values[1] = uid;
	values[2] = idle;
	values[3] = absolute;
	values[4] = c->req->remote_addr;
	values[5] = ualen > 0 ? ua : NULL;
	values[6] = had ? (const char *)old : NULL;
	res = db_query(c->app->db, SQL_SESSION_CREATE, values, lengths);
	sodium_memzero(old, sizeof(old));
	if (res == NULL)
		return -1;
	s->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	score_count(SC_SESSIONS_CREATED);
	s->has_token = s->live = 1;
	s->user_id = user_id;
	sess_send_cookie(c);
	sess_cookie_name(c, PRESESSION_SUFFIX, pre);
	http_set_cookie(c->resp, pre, "", 0, sess_secure(c));
	return 0;
}

/*
 * Signs out: deletes the row the cookie names (noting whose it was in
 * username), expires the cookie and asks the browser to clear this site's
 * cookies. Returns 0, or -1 on a database failure.
 */
int
sess_destroy(struct ctx *c)
{
	struct sess	*s = &c->sess;
	char		 name[COOKIE_NAME_MAX];
	const char	*values[1] = { (const char *)s->hash };
	int		 lengths[1] = { TOKEN_BYTES };
	PGresult	*res;

	if (s->has_token) {
		if ((res = db_query(c->app->db, SQL_SESSION_DELETE, values,
		    lengths)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			snprintf(s->username, sizeof(s->username), "%s",
			    PQgetvalue(res, 0, 0));
			score_count(SC_SESSIONS_ENDED_SIGNOUT);
		}
		PQclear(res);
	}
	s->live = 0;
	sess_cookie_name(c, "", name);
	http_set_cookie(c->resp, name, "", 0, sess_secure(c));
	http_header(c->resp, "Clear-Site-Data", "\"cookies\"");
	return 0;
}

/* Writes the CSRF value of the signed-in forms: a MAC of this session's token. */
void
sess_csrf(const struct ctx *c, char out[TOKEN_CSRF_SIZE])
{
	token_csrf(c->app->keys, TOKEN_CSRF, c->sess.token, out);
}

/* Returns 1 if given is this session's CSRF value (constant time), else 0. */
int
sess_csrf_ok(const struct ctx *c, const char *given)
{
	return c->sess.has_token &&
	    token_csrf_check(c->app->keys, TOKEN_CSRF, c->sess.token, given);
}

/*
 * Writes the sign-in form's CSRF value: a MAC of the pre-session nonce,
 * which lives in its own signed cookie (set here if missing) and in no row.
 */
void
sess_login_csrf(struct ctx *c, char out[TOKEN_CSRF_SIZE])
{
	unsigned char	 nonce[TOKEN_BYTES];
	char		 name[COOKIE_NAME_MAX], value[TOKEN_COOKIE_SIZE];

	if (!sess_find_cookie(c, PRESESSION_SUFFIX, TOKEN_PRESESSION, nonce)) {
		token_new(nonce);
		token_sign(c->app->keys, TOKEN_PRESESSION, nonce, value);
		sess_cookie_name(c, PRESESSION_SUFFIX, name);
		http_set_cookie(c->resp, name, value, -1, sess_secure(c));
	}
	token_csrf(c->app->keys, TOKEN_LOGIN_CSRF, nonce, out);
	sodium_memzero(nonce, sizeof(nonce));
}

/* Returns 1 if given matches the pre-session cookie that came with the request, else 0. */
int
sess_login_csrf_ok(const struct ctx *c, const char *given)
{
	unsigned char	 nonce[TOKEN_BYTES];
	int		 ok;

	ok = sess_find_cookie(c, PRESESSION_SUFFIX, TOKEN_PRESESSION, nonce) &&
	    token_csrf_check(c->app->keys, TOKEN_LOGIN_CSRF, nonce, given);
	sodium_memzero(nonce, sizeof(nonce));
	return ok;
}
