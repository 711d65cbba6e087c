/* Passwords: the acceptance rule, Argon2id hashing and verification (libsodium), and how many hash at once. */
#ifndef TESSERA_PASSWD_H
#define TESSERA_PASSWD_H

#include <stddef.h>

#include <sodium.h>

#define PASSWD_MIN	8
#define PASSWD_MAX	1024	/* bytes; longer input is refused before hashing */

void		 passwd_configure(unsigned long long opslimit, size_t memlimit);
const char	*passwd_check(const char *pw, size_t len)
		    __attribute__((warn_unused_result));
int		 passwd_hash(const char *pw, size_t len,
		    char out[crypto_pwhash_STRBYTES])
		    __attribute__((warn_unused_result));
int		 passwd_verify(const char *hash, const char *pw, size_t len)
		    __attribute__((warn_unused_result));
int		 passwd_needs_rehash(const char *hash)
		    __attribute__((warn_unused_result));
int		 passwd_dummy_init(void) __attribute__((warn_unused_result));
const char	*passwd_dummy_hash(void);
int		 passwd_slots_init(int n) __attribute__((warn_unused_result));
int		 passwd_slot_take(void) __attribute__((warn_unused_result));
void		 passwd_slot_give(int slot);

#endif
