/* Sessions: the signed cookie, the row in PostgreSQL, per-key session data, CSRF values. */
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
#include "scoreboard.h"
#include "text.h"

#define PRESESSION_SUFFIX	"_pre"
#define PRESESSION_BYTES	(TOKEN_BYTES + 8)	/* nonce, issue time */
#define DEVICE_SUFFIX		"_dev"
#define PENDING_SUFFIX		"_mfa"
#define PENDING_BIND		(TOKEN_SEALED_MAX - PROOF_BYTES)	/* bytes binding it to the form */
#define PENDING_LIFETIME	300	/* seconds to type the code */
#define COOKIE_NAME_MAX		128

/* Returns 1 if cookies for this request must be Secure (and so __Host- prefixed). */
static int
sess_secure(const struct sess_env *e)
{
	return e->cfg->cookie_secure == COOKIE_SECURE_ON ||
	    (e->cfg->cookie_secure == COOKIE_SECURE_AUTO && e->req->https);
}

/* Writes the cookie's name: __Host- when Secure, then cookie_name, then suffix. */
static void
sess_cookie_name(const struct sess_env *e, const char *suffix,
    char out[COOKIE_NAME_MAX])
{
	size_t	 len;

	len = fmt_copy(out, COOKIE_NAME_MAX, sess_secure(e) ? "__Host-" : "");
	len += fmt_copy(out + len, COOKIE_NAME_MAX - len, e->cfg->cookie_name);
	if (len < COOKIE_NAME_MAX)
		fmt_copy(out + len, COOKIE_NAME_MAX - len, suffix);
}

/*
 * Finds the first cookie called name+suffix that token_open accepts for
 * purpose over len bytes. Returns 1 with them in data, 0 if none does
 * (logging a rejected signature, never the value).
 */
static int
sess_find_cookie(const struct sess_env *e, const char *suffix,
    enum token_purpose purpose, unsigned char *data, size_t len)
{
	char		 name[COOKIE_NAME_MAX];
	const char	*cursor = e->req->cookie, *value;
	size_t		 vlen;
	int		 seen = 0;

	sess_cookie_name(e, suffix, name);
	while (http_cookie_next(&cursor, name, &value, &vlen)) {
		if (token_open(e->keys, purpose, value, vlen, data, len))
			return 1;
		seen = 1;
	}
	if (seen)
		log_event("cookie_rejected", "reason", "bad signature", "cookie",
		    name, "addr", e->req->remote_addr, NULL);
	return 0;
}

/*
 * Sends the session cookie. A remembered session's lasts its idle limit;
 * another's the idle timeout with cookie_persistent, else the browser
 * session.
 */
static void
sess_send_cookie(const struct sess_env *e, const struct sess *s)
{
	char	 name[COOKIE_NAME_MAX], value[TOKEN_COOKIE_SIZE];

	sess_cookie_name(e, "", name);
	token_sign(e->keys, TOKEN_SESSION, s->token, value);
	http_set_cookie(e->resp, name, value, s->remember_idle > 0 ?
	    s->remember_idle : e->cfg->cookie_persistent ?
	    e->cfg->idle_timeout : -1, sess_secure(e));
	sodium_memzero(value, sizeof(value));
}

/* Reads the session cookie; no database is touched, and a bad signature never reaches it. */
void
sess_read_cookie(const struct sess_env *e, struct sess *s)
{
	s->has_token = sess_find_cookie(e, "", TOKEN_SESSION, s->token,
	    TOKEN_BYTES);
	if (s->has_token)
		token_hash(s->token, s->hash);
}

/* Frees the session data read from the row, parsed or not yet. */
static void
sess_data_free(struct sess *s)
{
	int	 i;

	free(s->data_text);
	s->data_text = NULL;
	for (i = 0; i < s->ndata; i++) {
		free(s->data[i].key);
		free(s->data[i].value);
	}
	s->ndata = 0;
}

/* Frees the session data read from the row and wipes the token. */
void
sess_free(struct sess *s)
{
	sess_data_free(s);
	free(s->list);
	free(s->identity.groups);
	free(s->identity.display_name);
	free(s->identity.email);
	sodium_memzero(s, sizeof(*s));
}

/*
 * Returns a new string of a data value: a JSON string's text or an
 * integer's digits; NULL for other kinds (null, objects, ...), a string
 * holding NUL, or no memory.
 */
static char *
sess_data_value(const json_t *v)
{
	char	 digits[FMT_INT_MAX];

	if (json_is_integer(v)) {
		fmt_int(digits, json_integer_value(v));
		return strdup(digits);
	}
	if (!json_is_string(v) || memchr(json_string_value(v), '\0',
	    json_string_length(v)) != NULL)
		return NULL;
	return strdup(json_string_value(v));
}

/* Reads the row's data column (jsonb's text of a flat object) into s->data. */
static void
sess_parse_data(struct sess *s, const char *text)
{
	json_t		*obj, *v;
	const char	*key;
	size_t		 key_len;

	if ((obj = json_loads(text, JSON_ALLOW_NUL, NULL)) == NULL)
		return;
	json_object_keylen_foreach(obj, key, key_len, v) {
		if (s->ndata == SESS_MAX_DATA)
			break;
		if (memchr(key, '\0', key_len) != NULL)
			continue;	/* no C string can name it */
		s->data[s->ndata].value = sess_data_value(v);
		if (s->data[s->ndata].value == NULL)
			continue;
		if ((s->data[s->ndata].key = strdup(key)) == NULL) {
			free(s->data[s->ndata].value);
			continue;
		}
		s->ndata++;
	}
	json_decref(obj);
}

/* Copies a live session row (enum db_session_col) into the session. */
static void
sess_from_row(struct sess *s, PGresult *res)
{
	s->live = 1;
	s->id = strtoll(PQgetvalue(res, 0, DB_SESSION_ID), NULL, 10);
	s->user_id = strtoll(PQgetvalue(res, 0, DB_SESSION_USER_ID), NULL, 10);
	fmt_copy(s->username, sizeof(s->username),
	    PQgetvalue(res, 0, DB_SESSION_USERNAME));
	/* a new row: an earlier row's data goes; this one's is parsed when asked (the dashboard only) */
	sess_data_free(s);
	s->data_text = strndup(PQgetvalue(res, 0, DB_SESSION_DATA),
	    (size_t)PQgetlength(res, 0, DB_SESSION_DATA));
	s->created_at = strtoll(PQgetvalue(res, 0, DB_SESSION_CREATED), NULL, 10);
	s->assurance = (int)strtol(PQgetvalue(res, 0, DB_SESSION_ASSURANCE), NULL, 10);
	s->proof_age = strtoll(PQgetvalue(res, 0, DB_SESSION_PROOF_AGE), NULL, 10);
	s->remember_idle = (int)strtol(PQgetvalue(res, 0, DB_SESSION_REMEMBER_IDLE),
	    NULL, 10);
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
 * Writes the queued changes as the four array literals of SESSION_TOUCH
 * (unset keys, set pairs, incr keys, deltas) into arr, initialised here.
 * Returns 0, or -1 if one did not fit (arr still to be freed).
 */
static int
sess_change_arrays(const struct sess *s, struct buf arr[4])
{
	int	 i;

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
	return arr[0].failed || arr[1].failed || arr[2].failed ||
	    arr[3].failed ? -1 : 0;
}

/*
 * Slides the idle expiry (when it lags by more than touch_interval) and
 * the persistent cookie's with it (no Set-Cookie, no MAC otherwise), and
 * applies the queued data changes in one statement: a lone increment (a
 * counted view) has a statement of its own, cheaper than the general one.
 * A touch that only slides and counts commits without waiting for the
 * disk (db_query_nowait); one that sets or unsets a value waits.
 * Returns 1 if the session is live, 0 if not, -1 on a database failure.
 */
static int
sess_touch(const struct sess_env *e, struct sess *s)
{
	struct buf	 arr[4];
	char		 idle[FMT_INT_MAX], touch[FMT_INT_MAX];
	const char	*values[7];
	int		 lengths[7] = { TOKEN_BYTES, 0, 0, 0, 0, 0, 0 };
	int		 incr = !s->want_list && !s->want_identity &&
			    s->nchange == 1 && s->change[0].kind == SESS_INCR;
	int		 counts_only = 1;
	enum db_sql	 stmt = SQL_SESSION_TOUCH_INCR;
	PGresult	*res;
	int		 i, rc = -1;

	fmt_int(idle, e->cfg->idle_timeout);
	fmt_int(touch, e->cfg->touch_interval);
	values[0] = (const char *)s->hash;
	values[1] = idle;
	values[2] = touch;
	if (incr) {
		values[3] = s->change[0].key;
		values[4] = s->change[0].value;
	} else {
		stmt = s->want_list ? SQL_SESSION_TOUCH_LIST : s->want_identity ?
		    SQL_SESSION_TOUCH_AUTH : SQL_SESSION_TOUCH;
		if (sess_change_arrays(s, arr) == -1)
			goto out;
		for (i = 0; i < 4; i++)
			values[3 + i] = buf_str(&arr[i]);
		for (i = 0; i < s->nchange; i++)
			if (s->change[i].kind != SESS_INCR)
				counts_only = 0;
	}
	if ((res = (counts_only ? db_query_nowait : db_query)(e->db, stmt,
	    values, lengths)) == NULL)
		goto out;
	if ((rc = (PQntuples(res) == 1))) {
		sess_from_row(s, res);
		if (s->want_list && (s->list = strdup(PQgetvalue(res, 0,
		    DB_SESSION_LIST))) == NULL)
			rc = -1;
		if (s->want_identity && !s->want_list)
			rc = sess_identity_from_row(s, res, DB_SESSION_IDENTITY);
		if ((e->cfg->cookie_persistent || s->remember_idle > 0) &&
		    PQgetvalue(res, 0, DB_SESSION_SLID)[0] == 't')
			sess_send_cookie(e, s);	/* the cookie slides with the row */
	}
	PQclear(res);
out:
	if (!incr)
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
sess_load(const struct sess_env *e, struct sess *s)
{
	char		 touch[FMT_INT_MAX];
	const char	*values[2];
	int		 lengths[2] = { TOKEN_BYTES, 0 };
	PGresult	*res;
	int		 stale, rc = 1;

	if (!s->has_token)
		return 0;
	if (s->nchange > 0 || s->want_list)
		return sess_touch(e, s);
	fmt_int(touch, e->cfg->touch_interval);
	values[0] = (const char *)s->hash;
	values[1] = touch;
	if ((res = db_query_nowait(e->db, s->want_identity ?
	    SQL_SESSION_READ_AUTH : SQL_SESSION_READ, values, lengths)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	stale = PQgetvalue(res, 0, DB_SESSION_STALE)[0] == 't';
	if (!stale) {
		sess_from_row(s, res);
		if (s->want_identity)
			rc = sess_identity_from_row(s, res, DB_SESSION_IDENTITY);
	}
	PQclear(res);
	return stale ? sess_touch(e, s) : rc;
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
	if (fmt_copy(ch->value, sizeof(ch->value), value) >= sizeof(ch->value))
		return -1;
	s->nchange++;
	return 0;
}

/* Adds delta to the integer at key (absent counts as 0) when the session is next loaded; atomic per key. */
int
sess_incr(struct sess *s, const char *key, long long delta)
{
	char	 d[FMT_INT_MAX];

	fmt_int(d, delta);
	return sess_queue(s, SESS_INCR, key, d);
}

/* Returns the session's value for key, or NULL (the first call reads the row's data). */
const char *
sess_get(struct sess *s, const char *key)
{
	int	 i;

	if (s->data_text != NULL) {
		sess_parse_data(s, s->data_text);
		free(s->data_text);
		s->data_text = NULL;
	}
	for (i = 0; i < s->ndata; i++)
		if (strcmp(s->data[i].key, key) == 0)
			return s->data[i].value;
	return NULL;
}

/* Returns the session's value for key as an integer, or def if absent or not a number. */
long long
sess_get_int(struct sess *s, const char *key, long long def)
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
 * Signs the user v verified in: a fresh token, a new row (the session the
 * cookie named, if any, and the user's least recently used ones past
 * max_sessions_per_user are deleted in the same statement), the cookie,
 * and the end of the pre-session cookie. The row is made only while the
 * user still has the verified hash, the epoch seen and no disable.
 * Returns 0, 1 if the account changed since (no session), or -1 on a
 * database failure.
 */
int
sess_create(const struct sess_env *e, struct sess *s,
    const struct sess_verified *v)
{
	unsigned char	 old[TOKEN_BYTES];
	char		 uid[FMT_INT_MAX], idle[FMT_INT_MAX], absolute[FMT_INT_MAX];
	char		 epoch[FMT_INT_MAX], cap[FMT_INT_MAX], level[FMT_INT_MAX];
	char		 pre[COOKIE_NAME_MAX], ua[DB_USER_AGENT_MAX + 1];
	const char	*values[12];
	int		 lengths[12] = { TOKEN_BYTES, 0, 0, 0, 0, 0, TOKEN_BYTES, 0, 0, 0, 0, 0 };
	int		 remember = (v->proof.factors & PROOF_REMEMBER) != 0;
	int		 had = s->has_token, ualen, made;
	PGresult	*res;

	memcpy(old, s->hash, sizeof(old));
	token_new(s->token);
	token_hash(s->token, s->hash);
	fmt_int(uid, v->proof.user_id);
	fmt_int(epoch, v->proof.auth_epoch);
	fmt_int(idle, remember ? e->cfg->remember_idle_timeout :
	    e->cfg->idle_timeout);
	fmt_int(absolute, remember ? e->cfg->remember_timeout :
	    e->cfg->absolute_timeout);
	ualen = sess_storable_len(e->req->user_agent, DB_USER_AGENT_MAX);
	fmt_copy_n(ua, sizeof(ua), e->req->user_agent, (size_t)ualen);
	values[0] = (const char *)s->hash;
	values[1] = uid;
	values[2] = idle;
	values[3] = absolute;
	values[4] = e->req->remote_addr;
	values[5] = ualen > 0 ? ua : NULL;
	values[6] = had ? (const char *)old : NULL;
	values[7] = v->password_hash;
	values[8] = epoch;
	fmt_int(cap, e->cfg->max_sessions_per_user);
	values[9] = cap;
	fmt_int(level, PROOF_LEVEL(v->proof.factors));
	values[10] = level;
	values[11] = remember ? idle : NULL;
	res = db_query(e->db, SQL_SESSION_CREATE, values, lengths);
	sodium_memzero(old, sizeof(old));
	if (res == NULL)
		return -1;
	made = PQntuples(res) == 1;
	if (made) {
		s->id = strtoll(PQgetvalue(res, 0, DB_CREATE_ID), NULL, 10);
		if (strcmp(PQgetvalue(res, 0, DB_CREATE_EVICTED), "0") != 0)
			log_event("sessions_evicted", "user_id", uid, "ended",
			    PQgetvalue(res, 0, DB_CREATE_EVICTED), "max", cap, NULL);
		score_add(SC_SESSIONS_EVICTED, strtoull(PQgetvalue(res, 0,
		    DB_CREATE_EVICTED), NULL, 10));
		score_add(SC_SESSIONS_REPLACED, strtoull(PQgetvalue(res, 0,
		    DB_CREATE_REPLACED), NULL, 10));
	}
	PQclear(res);
	if (!made) {
		s->has_token = 0;
		return 1;
	}
	score_count(SC_SESSIONS_CREATED);
	s->has_token = s->live = 1;
	s->user_id = v->proof.user_id;
	s->assurance = PROOF_LEVEL(v->proof.factors);
	s->proof_age = 0;
	s->remember_idle = remember ? e->cfg->remember_idle_timeout : 0;
	sess_send_cookie(e, s);
	sess_cookie_name(e, PRESESSION_SUFFIX, pre);
	http_set_cookie(e->resp, pre, "", 0, sess_secure(e));
	return 0;
}

/*
 * Signs out: deletes the row the cookie names (noting whose it was in
 * username) and expires the cookie. The device cookie stays: it is what
 * spares this browser the throttling of strangers at the next sign-in (so
 * no Clear-Site-Data: "cookies", which would erase it). Returns 0, or -1
 * on a database failure.
 */
int
sess_destroy(const struct sess_env *e, struct sess *s)
{
	char		 name[COOKIE_NAME_MAX];
	const char	*values[1] = { (const char *)s->hash };
	int		 lengths[1] = { TOKEN_BYTES };
	PGresult	*res;

	if (s->has_token) {
		if ((res = db_query(e->db, SQL_SESSION_DELETE, values,
		    lengths)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			fmt_copy(s->username, sizeof(s->username),
			    PQgetvalue(res, 0, DB_ONLY_COLUMN));
			score_count(SC_SESSIONS_ENDED_SIGNOUT);
		}
		PQclear(res);
	}
	s->live = 0;
	sess_cookie_name(e, "", name);
	http_set_cookie(e->resp, name, "", 0, sess_secure(e));
	return 0;
}

/* Writes the CSRF value of the signed-in forms: a MAC of this session's token. */
void
sess_csrf(const struct sess_env *e, const struct sess *s,
    char out[TOKEN_CSRF_SIZE])
{
	token_csrf(e->keys, TOKEN_CSRF, s->token, out);
}

/* Returns 1 if given is this session's CSRF value (constant time), else 0. */
int
sess_csrf_ok(const struct sess_env *e, const struct sess *s, const char *given)
{
	return s->has_token &&
	    token_csrf_check(e->keys, TOKEN_CSRF, s->token, given);
}

/*
 * Reads the pre-session cookie: a nonce and the time it was issued, sealed
 * together. Returns its age in seconds with the nonce, or -1 if there is
 * none, it has lived login_form_timeout, or it claims to come from the
 * future (more than a minute of clock skew between hosts).
 */
static int64_t
sess_presession(const struct sess_env *e, unsigned char nonce[TOKEN_BYTES])
{
	unsigned char	 pre[PRESESSION_BYTES];
	int64_t		 age = -1;

	if (sess_find_cookie(e, PRESESSION_SUFFIX, TOKEN_PRESESSION, pre,
	    sizeof(pre))) {
		age = (int64_t)time(NULL) - (int64_t)token_get_u64(pre + TOKEN_BYTES);
		if (age >= e->cfg->login_form_timeout || age < -60)
			age = -1;
		else
			memcpy(nonce, pre, TOKEN_BYTES);
	}
	sodium_memzero(pre, sizeof(pre));
	return age;
}

/* Sends a new pre-session cookie: a fresh nonce (left in pre) and the time now, sealed. */
static void
sess_presession_new(const struct sess_env *e,
    unsigned char pre[PRESESSION_BYTES])
{
	char	 name[COOKIE_NAME_MAX], value[TOKEN_SEALED_SIZE(PRESESSION_BYTES)];

	token_new(pre);
	token_put_u64(pre + TOKEN_BYTES, (uint64_t)time(NULL));
	token_seal(e->keys, TOKEN_PRESESSION, pre, PRESESSION_BYTES, value);
	sess_cookie_name(e, PRESESSION_SUFFIX, name);
	http_set_cookie(e->resp, name, value, -1, sess_secure(e));
}

/*
 * Writes the sign-in form's CSRF value: a MAC of the pre-session nonce,
 * which lives in its own sealed cookie with its issue time, in no row. A
 * missing cookie, or one past half its lifetime, is replaced by a new one,
 * so a form just shown has at least half of login_form_timeout to be sent.
 */
void
sess_login_csrf(const struct sess_env *e, char out[TOKEN_CSRF_SIZE])
{
	unsigned char	 pre[PRESESSION_BYTES];
	int64_t		 age = sess_presession(e, pre);

	if (age < 0 || age > e->cfg->login_form_timeout / 2)
		sess_presession_new(e, pre);
	token_csrf(e->keys, TOKEN_LOGIN_CSRF, pre, out);
	sodium_memzero(pre, sizeof(pre));
}

/* Returns 1 if given matches the live pre-session cookie that came with the request, else 0. */
int
sess_login_csrf_ok(const struct sess_env *e, const char *given)
{
	unsigned char	 nonce[TOKEN_BYTES];
	int		 ok;

	ok = sess_presession(e, nonce) >= 0 &&
	    token_csrf_check(e->keys, TOKEN_LOGIN_CSRF, nonce, given);
	sodium_memzero(nonce, sizeof(nonce));
	return ok;
}

/*
 * Reads the device cookie: a proof that this browser once signed in as a
 * user. Returns 1 with it if one is sealed by us, of a known version and
 * younger than device_lifetime, else 0. Whether its user and auth epoch
 * are still current is for the throttle's statement to judge.
 */
int
sess_device_read(const struct sess_env *e, struct proof *p)
{
	unsigned char	 raw[PROOF_BYTES];
	int64_t		 age;
	int		 ok;

	ok = sess_find_cookie(e, DEVICE_SUFFIX, TOKEN_DEVICE, raw, sizeof(raw)) &&
	    proof_unpack(raw, p) == 0;
	sodium_memzero(raw, sizeof(raw));
	if (!ok)
		return 0;
	age = (int64_t)time(NULL) - p->proved_at;
	return age < e->cfg->device_lifetime && age >= -60;
}

/* Sends the device cookie for proof p (sealed; Max-Age device_lifetime), replacing any other. */
void
sess_device_send(const struct sess_env *e, const struct proof *p)
{
	unsigned char	 raw[PROOF_BYTES];
	char		 name[COOKIE_NAME_MAX], value[TOKEN_SEALED_SIZE(PROOF_BYTES)];

	proof_pack(p, raw);
	token_seal(e->keys, TOKEN_DEVICE, raw, sizeof(raw), value);
	sess_cookie_name(e, DEVICE_SUFFIX, name);
	http_set_cookie(e->resp, name, value, e->cfg->device_lifetime,
	    sess_secure(e));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(value, sizeof(value));
}

/* Writes the bytes that bind a pending sign-in to the pre-session nonce: a BLAKE2b hash of it. */
static void
sess_pending_bind(const unsigned char nonce[TOKEN_BYTES],
    unsigned char out[PENDING_BIND])
{
	crypto_generichash(out, PENDING_BIND, nonce, TOKEN_BYTES, NULL, 0);
}

/*
 * Sends the pending second-factor state after a verified password: the
 * proof p, bound to a new pre-session cookie sent with it (so the code
 * form has the whole login_form_timeout), sealed (no row, no session). It
 * lives PENDING_LIFETIME seconds from p->proved_at and only beside that
 * pre-session cookie.
 */
void
sess_pending_send(const struct sess_env *e, const struct proof *p)
{
	unsigned char	 raw[TOKEN_SEALED_MAX], nonce[PRESESSION_BYTES];
	char		 name[COOKIE_NAME_MAX], value[TOKEN_SEALED_SIZE(TOKEN_SEALED_MAX)];

	sess_presession_new(e, nonce);
	proof_pack(p, raw);
	sess_pending_bind(nonce, raw + PROOF_BYTES);
	token_seal(e->keys, TOKEN_PENDING, raw, sizeof(raw), value);
	sess_cookie_name(e, PENDING_SUFFIX, name);
	http_set_cookie(e->resp, name, value, PENDING_LIFETIME, sess_secure(e));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(nonce, sizeof(nonce));
	sodium_memzero(value, sizeof(value));
}

/*
 * Reads the pending second-factor state. Returns 1 with its proof if one
 * sealed by us came with the pre-session cookie it was bound to and is
 * younger than PENDING_LIFETIME, else 0.
 */
int
sess_pending_read(const struct sess_env *e, struct proof *p)
{
	unsigned char	 raw[TOKEN_SEALED_MAX], nonce[TOKEN_BYTES];
	unsigned char	 bind[PENDING_BIND];
	int64_t		 age;
	int		 ok;

	ok = sess_find_cookie(e, PENDING_SUFFIX, TOKEN_PENDING, raw, sizeof(raw)) &&
	    proof_unpack(raw, p) == 0 && sess_presession(e, nonce) >= 0;
	if (ok) {
		sess_pending_bind(nonce, bind);
		age = (int64_t)time(NULL) - p->proved_at;
		ok = sodium_memcmp(bind, raw + PROOF_BYTES, sizeof(bind)) == 0 &&
		    age < PENDING_LIFETIME && age >= -60;
	}
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(nonce, sizeof(nonce));
	return ok;
}

/* Expires the pending second-factor state's cookie. */
void
sess_pending_clear(const struct sess_env *e)
{
	char	 name[COOKIE_NAME_MAX];

	sess_cookie_name(e, PENDING_SUFFIX, name);
	http_set_cookie(e->resp, name, "", 0, sess_secure(e));
}

/*
 * Records that the live session's user proved who they are just now, at
 * assurance level (a re-authentication, an enrolment). Returns 0, or -1
 * on a database failure or when the row is gone.
 */
int
sess_prove(const struct sess_env *e, struct sess *s, int level)
{
	char		 id[FMT_INT_MAX], uid[FMT_INT_MAX], lv[FMT_INT_MAX];
	const char	*values[3] = { id, uid, lv };
	PGresult	*res;
	int		 ok;

	fmt_int(id, s->id);
	fmt_int(uid, s->user_id);
	fmt_int(lv, level);
	if ((res = db_query(e->db, SQL_SESSION_PROVE, values, NULL)) == NULL)
		return -1;
	ok = PQntuples(res) == 1;
	PQclear(res);
	if (!ok)
		return -1;
	s->assurance = level;
	s->proof_age = 0;
	return 0;
}

/* Returns 1 if the live session's proof is within reauth_window (sensitive actions may go ahead), else 0. */
int
sess_fresh(const struct sess_env *e, const struct sess *s)
{
	return s->live && s->proof_age >= 0 &&
	    s->proof_age < e->cfg->reauth_window;
}
