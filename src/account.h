/* A signed-in or half-signed-in user's proofs: their password, TOTP code or recovery code, checked and throttled like sign-in. */
#ifndef TESSERA_ACCOUNT_H
#define TESSERA_ACCOUNT_H

#include <sodium.h>

#include "db.h"
#include "throttle.h"
#include "totp.h"

struct ctx;

/* What account_load read of a user: their name, password hash and epoch, and second factor. */
struct account {
	long long	 user_id;
	long long	 auth_epoch;
	char		 username[DB_USERNAME_MAX + 1];
	char		 password_hash[crypto_pwhash_STRBYTES];
	unsigned char	 secret[TOTP_SECRET_BYTES];
	int		 has_secret;	/* a secret is stored (and opened) */
	int		 enrolled;	/* ... and confirmed by a first code */
	long long	 last_step;
};

int	account_load(struct ctx *, long long user_id, struct account *)
	    __attribute__((warn_unused_result));
int	account_open(struct ctx *, struct account *, const char *path)
	    __attribute__((warn_unused_result));
int	account_of_session(struct ctx *, struct account *)
	    __attribute__((warn_unused_result));
void	account_wipe(struct account *);
int	account_throttle(struct ctx *, const struct account *,
	    struct throttle_claim *) __attribute__((warn_unused_result));
int	account_check_password(const struct account *, const char *pw)
	    __attribute__((warn_unused_result));
int	account_check_factor(struct ctx *, struct account *, const char *code,
	    const char *recovery) __attribute__((warn_unused_result));
int	account_seal(struct ctx *, const struct account *,
	    unsigned char *out, size_t outsz) __attribute__((warn_unused_result));

#endif
