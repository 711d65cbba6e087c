/* Brute-force throttling of sign-ins, per account and per client address, kept in PostgreSQL. */
#ifndef TESSERA_THROTTLE_H
#define TESSERA_THROTTLE_H

struct ctx;

int	throttle_attempt(struct ctx *, const char *username)
	    __attribute__((warn_unused_result));
void	throttle_succeeded(struct ctx *, const char *username);

#endif
