/* Brute-force throttling of sign-ins: per device cookie, else per account and per client address, in PostgreSQL. */
#ifndef TESSERA_THROTTLE_H
#define TESSERA_THROTTLE_H

#include "proof.h"
#include "token.h"

struct sess_env;

/* The throttle's answer to one attempt. */
struct throttle_claim {
	int	 retry;		/* 0: go ahead (counted as a failure); else seconds to wait */
	int	 device;	/* a valid device cookie for the account decided alone */
	int	 known;		/* an account has the name typed */
	char	 name_hash[TOKEN_NAME_HASH_SIZE];	/* the name's keyed hash */
	char	 device_key[sizeof("dev:") + 2 * PROOF_ID_BYTES];	/* "dev:" + hex id */
};

int	throttle_attempt(const struct sess_env *, const char *username,
	    const struct proof *device, struct throttle_claim *)
	    __attribute__((warn_unused_result));
void	throttle_succeeded(const struct sess_env *, const char *username,
	    const struct throttle_claim *);
void	throttle_halfway(const struct sess_env *, const struct throttle_claim *);
const char *throttle_log_name(const struct throttle_claim *, const char *username,
	    const char **key);

#endif
