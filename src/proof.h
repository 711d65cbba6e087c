/* Proofs of identity kept in sealed cookies, in no row: who proved it, against which auth epoch, when, how. */
#ifndef TESSERA_PROOF_H
#define TESSERA_PROOF_H

#include <stdint.h>

#define PROOF_ID_BYTES	16
#define PROOF_PASSWORD	0x01u	/* factors: the account's password */
#define PROOF_TOTP	0x02u	/* a TOTP code */
#define PROOF_RECOVERY	0x04u	/* a recovery code (stands in for the TOTP code) */
#define PROOF_REMEMBER	0x80u	/* not a factor: the sign-in asked to be remembered */
/* A session's assurance level for a proof's factors: 2 with a second factor, else 1. */
#define PROOF_LEVEL(f)	(((f) & (PROOF_TOTP | PROOF_RECOVERY)) ? 2 : 1)
/* version, factors, user id, auth epoch, proved at, id */
#define PROOF_BYTES	(1 + 1 + 8 + 8 + 8 + PROOF_ID_BYTES)

/*
 * What a user proved: the device cookie holds one (and so can a pending
 * second-factor state or a re-authentication): valid only while the
 * user's auth_epoch is still the one recorded.
 */
struct proof {
	long long	 user_id;
	long long	 auth_epoch;	/* tessera.users.auth_epoch when proved */
	int64_t		 proved_at;	/* unix time */
	unsigned	 factors;	/* PROOF_PASSWORD | ... */
	unsigned char	 id[PROOF_ID_BYTES];	/* random: names this proof */
};

void	proof_pack(const struct proof *, unsigned char out[PROOF_BYTES]);
int	proof_unpack(const unsigned char in[PROOF_BYTES], struct proof *)
	    __attribute__((warn_unused_result));

#endif
