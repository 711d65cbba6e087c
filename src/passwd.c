/* Passwords: the acceptance rule, Argon2id hashing and verification (libsodium), and how many hash at once. */
#include "passwd.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "scoreboard.h"
#include "text.h"

/* A hash of a random password, verified against when a user does not exist. */
static char	dummy_hash[crypto_pwhash_STRBYTES];
/* Argon2id limits for new hashes (configuration: password_opslimit, password_memlimit). */
static unsigned long long passwd_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t	passwd_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
/* A file shared by the pool's workers; byte i locked = hash slot i in use. */
static int	slots_fd = -1;
static int	slots_n;

/* Sets the Argon2id limits new hashes use (and older hashes are upgraded to). */
void
passwd_configure(unsigned long long opslimit, size_t memlimit)
{
	passwd_ops = opslimit;
	passwd_mem = memlimit;
}

/* Returns NULL if pw is an acceptable password, else why not (one sentence). */
const char *
passwd_check(const char *pw, size_t len)
{
	if (len < PASSWD_MIN)
		return "a password needs at least 8 bytes";
	if (len > PASSWD_MAX)
		return "a password may have at most 1024 bytes";
	if (!text_utf8_valid(pw, len) || memchr(pw, '\0', len) != NULL)
		return "a password must be UTF-8 text";
	return NULL;
}

/* Hashes pw with Argon2id at the configured limits (timed for the metrics). Returns 0, or -1 when out of memory. */
int
passwd_hash(const char *pw, size_t len, char out[crypto_pwhash_STRBYTES])
{
	int64_t	 began = clock_us();
	int	 rc;

	rc = crypto_pwhash_str_alg(out, pw, len, passwd_ops, passwd_mem,
	    crypto_pwhash_ALG_ARGON2ID13);
	score_hash_observe(clock_us() - began);
	return rc;
}

/* Returns 1 if pw matches hash (libsodium compares in constant time; timed for the metrics), else 0. */
int
passwd_verify(const char *hash, const char *pw, size_t len)
{
	int64_t	 began = clock_us();
	int	 ok;

	ok = crypto_pwhash_str_verify(hash, pw, len) == 0;
	score_hash_observe(clock_us() - began);
	return ok;
}

/* Returns 1 if hash was made with other limits (or another algorithm) than passwd_hash uses. */
int
passwd_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, passwd_ops, passwd_mem) != 0;
}

/*
 * Makes the dummy hash, once, before the workers fork, so a sign-in for an
 * unknown user costs the same as one for a real user. Returns 0 or -1.
 */
int
passwd_dummy_init(void)
{
	unsigned char	 pw[32];
	int		 rc;

	randombytes_buf(pw, sizeof(pw));
	rc = passwd_hash((const char *)pw, sizeof(pw), dummy_hash);
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

/* Returns the dummy hash made by passwd_dummy_init. */
const char *
passwd_dummy_hash(void)
{
	return dummy_hash;
}

/*
 * Makes n hash slots shared by every worker forked after this call, so at
 * most n Argon2id computations (64 MiB each at the default) run at once
 * across the pool. Returns 0 or -1.
 */
int
passwd_slots_init(int n)
{
	if ((slots_fd = memfd_create("tessera-hash-slots", MFD_CLOEXEC)) == -1 ||
	    ftruncate(slots_fd, n) == -1)
		return -1;
	slots_n = n;
	return 0;
}

/*
 * Takes a free hash slot without waiting. Returns its number, or -1 if all
 * are busy. A worker that dies holding one gives it back (the kernel drops
 * its locks).
 */
int
passwd_slot_take(void)
{
	struct flock	 fl;
	int		 i;

	if (slots_fd == -1)
		return 0;
	for (i = 0; i < slots_n; i++) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = i;
		fl.l_len = 1;
		if (fcntl(slots_fd, F_SETLK, &fl) == 0)
			return i;
	}
	return -1;
}

/* Gives back a slot from passwd_slot_take. */
void
passwd_slot_give(int slot)
{
	struct flock	 fl;

	if (slots_fd == -1 || slot < 0)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = slot;
	fl.l_len = 1;
	fcntl(slots_fd, F_SETLK, &fl);
}
