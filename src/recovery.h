/* Recovery codes: ten single-use codes shown once at enrolment, kept only as hashes. */
#ifndef TESSERA_RECOVERY_H
#define TESSERA_RECOVERY_H

#include <stddef.h>

#define RECOVERY_COUNT		10
#define RECOVERY_CHARS		16	/* 80 bits: no offline search through a stolen hash */
#define RECOVERY_SIZE		(RECOVERY_CHARS + RECOVERY_CHARS / 4)	/* "xxxx-xxxx-xxxx-xxxx" + NUL */
#define RECOVERY_HASH_BYTES	32

void	recovery_new(char out[RECOVERY_SIZE]);
int	recovery_parse(const char *in, char canon[RECOVERY_CHARS + 1])
	    __attribute__((warn_unused_result));
void	recovery_hash(const char canon[RECOVERY_CHARS + 1],
	    unsigned char out[RECOVERY_HASH_BYTES]);

#endif
