/* Unit tests for proof.c: a proof survives sealing byte for byte, and another version is refused. */
#include "unit.h"

#include "proof.h"
#include "token.h"

#define SECRET	"0123456789abcdef0123456789abcdef-proof"

TEST(a_sealed_proof_opens_to_the_same_fields)
{
	struct token_keys keys = { 0 };
	struct proof	 p = { .user_id = 0x0102030405060708LL, .auth_epoch = 9,
			    .proved_at = 1790000000, .factors = PROOF_PASSWORD };
	struct proof	 q;
	unsigned char	 raw[PROOF_BYTES], back[PROOF_BYTES];
	char		 cookie[TOKEN_SEALED_SIZE(PROOF_BYTES)];

	assert_int_equal(token_keys_add(&keys, SECRET, strlen(SECRET)), 0);
	memset(p.id, 0xa5, sizeof(p.id));
	proof_pack(&p, raw);
	token_seal(&keys, TOKEN_DEVICE, raw, sizeof(raw), cookie);
	assert_int_equal(strlen(cookie), TOKEN_SEALED_SIZE(PROOF_BYTES) - 1);
	assert_int_equal(token_open(&keys, TOKEN_DEVICE, cookie, strlen(cookie),
	    back, sizeof(back)), 1);
	assert_int_equal(token_open(&keys, TOKEN_SESSION, cookie, strlen(cookie),
	    back, sizeof(back)), 0);
	assert_int_equal(proof_unpack(back, &q), 0);
	assert_true(q.user_id == p.user_id && q.auth_epoch == p.auth_epoch);
	assert_true(q.proved_at == p.proved_at && q.factors == p.factors);
	assert_memory_equal(q.id, p.id, sizeof(p.id));
	token_keys_wipe(&keys);
}

TEST(another_version_is_refused)
{
	struct proof	 p = { .user_id = 1 }, q;
	unsigned char	 raw[PROOF_BYTES];

	proof_pack(&p, raw);
	raw[0]++;
	assert_int_equal(proof_unpack(raw, &q), -1);
}

TEST(numbers_are_big_endian)
{
	unsigned char	 b[8];

	token_put_u64(b, 0x0102030405060708ULL);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[7], 8);
	assert_true(token_get_u64(b) == 0x0102030405060708ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_sealed_proof_opens_to_the_same_fields),
		cmocka_unit_test(another_version_is_refused),
		cmocka_unit_test(numbers_are_big_endian),
	};

	return cmocka_run_group_tests_name("proof", tests, NULL, NULL);
}
