/* Two-step verification for the signed-in user: GET /account/2fa shows its state, POST begins, confirms or removes it. */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "base32.h"
#include "log.h"
#include "qr.h"
#include "recovery.h"
#include "text.h"
#include "vault.h"

#define ISSUER		"tessera"
#define URI_MAX		512
#define SEALED_MAX	VAULT_SEALED_SIZE(TOTP_SECRET_BYTES)
#define HASHES_MAX	(RECOVERY_COUNT * (2 * RECOVERY_HASH_BYTES + 1) + 3)

/* Adds the secret as text and as the QR code of its otpauth:// URI to dict. Returns 0, or -1 (logged). */
static int
twofa_setup(const struct account *a, struct view_dict *dict)
{
	char		 b32[BASE32_LEN(TOTP_SECRET_BYTES) + 1], label[3 * DB_USERNAME_MAX + 1];
	char		 uri[URI_MAX];
	struct buf	 path;
	int		 size = 0, rc = -1;
	struct view_dict *s = view_section_add(dict, "SETUP");

	buf_init(&path, 256 * 1024);
	base32_encode(a->secret, sizeof(a->secret), b32, sizeof(b32));
	if (text_percent_encode(a->username, "", label, sizeof(label)) == 0 &&
	    snprintf(uri, sizeof(uri), "otpauth://totp/" ISSUER ":%s?secret=%s"
	    "&issuer=" ISSUER "&algorithm=SHA1&digits=%d&period=%d", label, b32,
	    TOTP_DIGITS, TOTP_STEP) < (int)sizeof(uri) &&
	    qr_svg_path(uri, &path, &size) == 0) {
		view_set(s, "SECRET", b32);
		view_set(s, "QR_PATH", buf_str(&path));
		view_set_int(s, "QR_SIZE", size);
		rc = 0;
	} else
		log_event("qr_failed", "user", a->username, NULL);
	sodium_memzero(b32, sizeof(b32));
	sodium_memzero(uri, sizeof(uri));
	buf_free(&path);
	return rc;
}

/*
 * Returns where the page leads back to once the session has a second
 * factor: next when it is a path on this site other than the dashboard,
 * else NULL.
 */
static const char *
twofa_next(const char *next)
{
	next = page_login_next(next);
	return strcmp(next, "/dashboard") == 0 ? NULL : next;
}

/*
 * Renders the page for a's state with status, an optional message, and
 * the recovery codes just made (or NULL). With next (or NULL), the forms
 * carry it, and the page links to it once the factor is on, or to the
 * confirm page (which asks for a code, then leads there) when the factor
 * is on but this session was signed in without it.
 */
static void
twofa_render(struct ctx *c, const struct account *a, int status,
    const char *message, char codes[][RECOVERY_SIZE], const char *next)
{
	struct view_dict *dict;
	char		 url[PAGE_NEXT_URL_MAX];
	int		 i;

	if ((dict = page_form_dict(c)) == NULL)
		return;
	view_set(dict, "NEXT", next != NULL ? next : "");
	if (next != NULL && a->enrolled && c->sess.assurance >= 2)
		view_set(view_section_add(dict, "BACK"), "HREF", next);
	else if (a->enrolled && c->sess.assurance < 2)
		view_set(view_section_add(dict, "PROVE"), "HREF",
		    page_next_url(url, "/account/confirm", next));
	if (message != NULL)
		view_set(view_section_add(dict, "MESSAGE"), "TEXT", message);
	if (codes != NULL) {
		struct view_dict *s = view_section_add(dict, "CODES");
		for (i = 0; i < RECOVERY_COUNT; i++)
			view_set(view_section_add(s, "CODE"), "VALUE", codes[i]);
	}
	if (a->enrolled)
		view_section_add(dict, "ENROLLED");
	else if (!a->has_secret)
		view_section_add(dict, "OFF");
	else if (twofa_setup(a, dict) == -1) {
		view_dict_free(dict);
		page_error(c, 500, "Something went wrong on our side.");
		return;
	}
	page_form_render(c, dict, "account_2fa", "Two-step verification", status);
}

/*
 * GET /account/2fa[?next=PATH]: the state of the user's second factor
 * (off, being set up, on); 303 to / when not signed in.
 */
void
page_account_2fa_form(struct ctx *c)
{
	struct account	 a;
	struct form	 query;
	const char	*next = NULL;

	if (form_parse(&query, c->req->query, strlen(c->req->query)) == 0)
		next = form_get(&query, "next");
	if (account_open(c, &a, "/account/2fa"))
		twofa_render(c, &a, 200, NULL, NULL, twofa_next(next));
	form_free(&query);
	account_wipe(&a);
}

/* Runs statement stmt with the user's id and up to three more values (binary where lengths says). Returns rows, or -1 (answered). */
static int
twofa_exec(struct ctx *c, enum db_sql stmt, const char *v1, const char *v2,
    const char *v3, const int *lengths)
{
	char		 uid[24];
	const char	*values[4] = { uid, v1, v2, v3 };
	PGresult	*res;
	int		 n;

	snprintf(uid, sizeof(uid), "%lld", c->sess.user_id);
	if ((res = db_query(c->app->db, stmt, values, lengths)) == NULL) {
		page_db_error(c);
		return -1;
	}
	n = PQntuples(res);
	PQclear(res);
	return n;
}

/* action=begin: a fresh secret, stored sealed until a first code confirms it; 303 back to the page (and its next). */
static void
twofa_begin(struct ctx *c, struct account *a, const char *next)
{
	unsigned char	 sealed[SEALED_MAX];
	char		 url[PAGE_NEXT_URL_MAX];
	int		 lengths[2] = { 0, 0 };

	page_next_url(url, "/account/2fa", next);
	if (a->enrolled) {
		http_redirect(c->resp, url);
		return;
	}
	totp_secret_new(a->secret);
	if ((lengths[1] = account_seal(c, a, sealed, sizeof(sealed))) < 0) {
		page_error(c, 500, "Something went wrong on our side.");
		return;
	}
	if (twofa_exec(c, SQL_FACTOR_BEGIN, (const char *)sealed, NULL, NULL,
	    lengths) >= 0) {
		log_event("second_factor_begun", "user", a->username, "addr",
		    c->req->remote_addr, NULL);
		http_redirect(c->resp, url);
	}
	sodium_memzero(sealed, sizeof(sealed));
}

/*
 * action=confirm (code): a right code turns the factor on, stores ten new
 * recovery codes (hashed) and shows them once; the session's proof now
 * has two factors. A wrong code shows the set-up again with 401.
 */
static void
twofa_confirm(struct ctx *c, struct account *a, const char *next)
{
	char		 digits[TOTP_DIGITS + 1], codes[RECOVERY_COUNT][RECOVERY_SIZE];
	char		 canon[RECOVERY_CHARS + 1], step[24], hashes[HASHES_MAX];
	unsigned char	 hash[RECOVERY_HASH_BYTES], sealed[SEALED_MAX];
	int		 lengths[4] = { 0, 0, 0, 0 }, i, n;
	int64_t		 at = 0;
	size_t		 o = 1;
	const char	*code = form_get(&c->req->form, "code");

	if (a->enrolled || !a->has_secret) {
		http_redirect(c->resp, "/account/2fa");
		return;
	}
	if (code == NULL || totp_code_parse(code, digits) == -1 ||
	    (at = totp_verify(a->secret, sizeof(a->secret), digits, time(NULL),
	    a->last_step)) <= 0) {
		log_event("second_factor_refused", "user", a->username, "addr",
		    c->req->remote_addr, "reason", "bad code", NULL);
		twofa_render(c, a, 401, "That code is not valid. Check the time "
		    "on your phone and try the current one.", NULL, next);
		return;
	}
	hashes[0] = '{';
	for (i = 0; i < RECOVERY_COUNT; i++) {
		recovery_new(codes[i]);
		if (recovery_parse(codes[i], canon) == -1)
			goto fail;
		recovery_hash(canon, hash);
		sodium_bin2hex(hashes + o, sizeof(hashes) - o, hash, sizeof(hash));
		o += 2 * sizeof(hash);
		hashes[o++] = i + 1 < RECOVERY_COUNT ? ',' : '}';
	}
	hashes[o] = '\0';
	snprintf(step, sizeof(step), "%lld", (long long)at);
	if ((lengths[2] = account_seal(c, a, sealed, sizeof(sealed))) < 0)
		goto fail;
	if ((n = twofa_exec(c, SQL_FACTOR_CONFIRM, step, (const char *)sealed,
	    hashes, lengths)) == -1)
		goto out;
	if (n == 0 || sess_prove(&c->env, &c->sess, 2) == -1) {
		http_redirect(c->resp, "/account/2fa");
		goto out;
	}
	a->enrolled = 1;
	log_event("second_factor_enrolled", "user", a->username, "addr",
	    c->req->remote_addr, NULL);
	twofa_render(c, a, 200, NULL, codes, next);
	goto out;
fail:
	page_error(c, 500, "Something went wrong on our side.");
out:
	sodium_memzero(codes, sizeof(codes));
	sodium_memzero(canon, sizeof(canon));
	sodium_memzero(sealed, sizeof(sealed));
}

/* action=remove: the factor and its recovery codes go, every session of the user is back to one factor; 303 to the page. */
static void
twofa_remove(struct ctx *c, struct account *a)
{
	if (a->enrolled || a->has_secret) {
		if (twofa_exec(c, SQL_FACTOR_REMOVE, NULL, NULL, NULL, NULL) == -1)
			return;
		log_event("second_factor_removed", "user", a->username, "addr",
		    c->req->remote_addr, NULL);
	}
	http_redirect(c->resp, "/account/2fa");
}

/*
 * POST /account/2fa (csrf, action=begin|confirm|remove, code, next): begin
 * and remove need a recent proof (page_reauth).
 */
void
page_account_2fa(struct ctx *c)
{
	const char	*action = form_get(&c->req->form, "action");
	const char	*next = twofa_next(form_get(&c->req->form, "next"));
	struct account	 a;

	if (!page_session_post(c))
		return;
	if (action == NULL || (strcmp(action, "begin") != 0 &&
	    strcmp(action, "confirm") != 0 && strcmp(action, "remove") != 0)) {
		page_error(c, 400, "That is not something this page can do.");
		return;
	}
	if (strcmp(action, "begin") == 0 &&
	    !page_reauth(c, "begin", "set up two-step verification"))
		return;
	if (strcmp(action, "remove") == 0 &&
	    !page_reauth(c, "remove", "turn off two-step verification"))
		return;
	if (!account_of_session(c, &a))
		return;
	if (strcmp(action, "begin") == 0)
		twofa_begin(c, &a, next);
	else if (strcmp(action, "confirm") == 0)
		twofa_confirm(c, &a, next);
	else
		twofa_remove(c, &a);
	account_wipe(&a);
}
