/* Sessions: the signed cookie, the row in PostgreSQL, per-key session data, CSRF values. */
#ifndef TESSERA_SESSION_H
#define TESSERA_SESSION_H

#include "proof.h"
#include "token.h"

#define SESS_MAX_DATA		16
#define SESS_MAX_CHANGES	8
#define SESS_NAME_MAX		256

struct config;
struct db;
struct http_request;
struct http_response;

/*
 * What sessions (and sign-in throttling) use of the process and of one
 * request: the configuration's limits, the keys, this worker's database
 * connection, the request's cookies and address, the response's cookies.
 * The request context (app.h) holds one.
 */
struct sess_env {
	const struct config		*cfg;
	const struct token_keys		*keys;
	struct db			*db;
	const struct http_request	*req;
	struct http_response		*resp;
};

enum sess_change_kind { SESS_SET, SESS_INCR, SESS_UNSET };

struct sess_change {
	enum sess_change_kind	 kind;
	const char		*key;
	char			 value[64];	/* SESS_SET: the text; SESS_INCR: the delta */
};

struct sess_kv {
	char	*key;
	char	*value;
};

/* A password just verified: what it proves, and the hash it matched (a session is made only while both hold). */
struct sess_verified {
	struct proof	 proof;
	char		 password_hash[crypto_pwhash_STRBYTES];
	int		 second_factor;	/* the user must still give a code: no session yet */
};

/* Who the user is, for the gateway (db.c SESSION_IDENTITY); how they proved it is in struct sess. */
struct sess_identity {
	char		*groups;	/* comma-separated, sorted; "" for none */
	char		*display_name;	/* "" when unset */
	char		*email;		/* "" when unset */
};

struct sess {
	int			 has_token;	/* a validly signed cookie came in */
	int			 live;		/* its row is live (after sess_load) */
	unsigned char		 token[TOKEN_BYTES];
	unsigned char		 hash[TOKEN_BYTES];
	long long		 id;
	long long		 user_id;
	char			 username[SESS_NAME_MAX];
	long long		 created_at;	/* when it began, epoch seconds */
	int			 assurance;	/* 1: password; 2: with a second factor */
	long long		 proof_age;	/* seconds since its user last proved who they are; -1: never (a bearer token) */
	int			 remember_idle;	/* remembered: its idle limit (seconds); else 0 */
	char			*data_text;	/* the row's data (jsonb text), read into data by the first sess_get */
	struct sess_kv		 data[SESS_MAX_DATA];
	int			 ndata;
	struct sess_change	 change[SESS_MAX_CHANGES];
	int			 nchange;
	int			 want_list;	/* sess_load fetches list too (a touch) */
	char			*list;		/* the user's live sessions (db.c SESSION_LIST) */
	int			 want_identity;	/* sess_load fetches identity too */
	struct sess_identity	 identity;
};

void		 sess_read_cookie(const struct sess_env *, struct sess *);
int		 sess_load(const struct sess_env *, struct sess *)
		    __attribute__((warn_unused_result));
int		 sess_create(const struct sess_env *, struct sess *,
		    const struct sess_verified *) __attribute__((warn_unused_result));
int		 sess_destroy(const struct sess_env *, struct sess *)
		    __attribute__((warn_unused_result));
void		 sess_free(struct sess *);
int		 sess_incr(struct sess *, const char *key, long long delta)
		    __attribute__((warn_unused_result));
const char	*sess_get(struct sess *, const char *key);
long long	 sess_get_int(struct sess *, const char *key, long long def);
void		 sess_csrf(const struct sess_env *, const struct sess *,
		    char out[TOKEN_CSRF_SIZE]);
int		 sess_csrf_ok(const struct sess_env *, const struct sess *,
		    const char *given) __attribute__((warn_unused_result));
void		 sess_login_csrf(const struct sess_env *, char out[TOKEN_CSRF_SIZE]);
int		 sess_login_csrf_ok(const struct sess_env *, const char *given)
		    __attribute__((warn_unused_result));
int		 sess_device_read(const struct sess_env *, struct proof *)
		    __attribute__((warn_unused_result));
void		 sess_device_send(const struct sess_env *, const struct proof *);
void		 sess_pending_send(const struct sess_env *, const struct proof *);
int		 sess_pending_read(const struct sess_env *, struct proof *)
		    __attribute__((warn_unused_result));
void		 sess_pending_clear(const struct sess_env *);
int		 sess_prove(const struct sess_env *, struct sess *, int level)
		    __attribute__((warn_unused_result));
int		 sess_fresh(const struct sess_env *, const struct sess *);

#endif
