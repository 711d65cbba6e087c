/* Proofs of identity kept in sealed cookies, in no row: who proved it, against which auth epoch, when, how. */
#include "proof.h"

#include <string.h>

#include "token.h"

#define PROOF_VERSION	1

/* Writes the proof's bytes, for token_seal: version, factors, then big-endian numbers, then the id. */
void
proof_pack(const struct proof *p, unsigned char out[PROOF_BYTES])
{
	out[0] = PROOF_VERSION;
	out[1] = (unsigned char)p->factors;
	token_put_u64(out + 2, (uint64_t)p->user_id);
	token_put_u64(out + 10, (uint64_t)p->auth_epoch);
	token_put_u64(out + 18, (uint64_t)p->proved_at);
	memcpy(out + 26, p->id, PROOF_ID_BYTES);
}

/* Reads bytes proof_pack wrote (after token_open). Returns 0, or -1 for another version. */
int
proof_unpack(const unsigned char in[PROOF_BYTES], struct proof *p)
{
	if (in[0] != PROOF_VERSION)
		return -1;
	p->factors = in[1];
	p->user_id = (long long)token_get_u64(in + 2);
	p->auth_epoch = (long long)token_get_u64(in + 10);
	p->proved_at = (int64_t)token_get_u64(in + 18);
	memcpy(p->id, in + 26, PROOF_ID_BYTES);
	return 0;
}
