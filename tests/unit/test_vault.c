/* Unit tests for vault.c: boxes open under every configured secret, for their own user only, and never when altered. */
#include "unit.h"

#include "vault.h"

#define NEW	"0123456789abcdef0123456789abcdef-vault-new"
#define OLD	"0123456789abcdef0123456789abcdef-vault-old"

static const unsigned char plain[20] = "twenty bytes secret!";

/* Loads secrets first (and second, unless NULL) into keys. */
static void
keys_of(struct token_keys *keys, const char *first, const char *second)
{
	memset(keys, 0, sizeof(*keys));
	assert_int_equal(token_keys_add(keys, first, strlen(first)), 0);
	if (second != NULL)
		assert_int_equal(token_keys_add(keys, second, strlen(second)), 0);
}

TEST(a_box_opens_to_the_same_bytes)
{
	struct token_keys keys;
	unsigned char	 box[VAULT_SEALED_SIZE(20)], out[VAULT_PLAIN_MAX];

	keys_of(&keys, NEW, NULL);
	assert_int_equal(vault_seal(&keys, 42, plain, 20, box, sizeof(box)),
	    (int)sizeof(box));
	assert_memory_not_equal(box + sizeof(box) - 20, plain, 20);
	assert_int_equal(vault_open(&keys, 42, box, sizeof(box), out, sizeof(out)), 20);
	assert_memory_equal(out, plain, 20);
}

TEST(a_box_opens_after_rotation_and_not_without_its_secret)
{
	struct token_keys old, rotated, other;
	unsigned char	 box[VAULT_SEALED_SIZE(20)], out[VAULT_PLAIN_MAX];

	keys_of(&old, OLD, NULL);
	keys_of(&rotated, NEW, OLD);
	keys_of(&other, NEW, NULL);
	assert_true(vault_seal(&old, 42, plain, 20, box, sizeof(box)) > 0);
	assert_int_equal(vault_open(&rotated, 42, box, sizeof(box), out, sizeof(out)), 20);
	assert_int_equal(vault_open(&other, 42, box, sizeof(box), out, sizeof(out)), -1);
}

TEST(a_box_for_one_user_does_not_open_for_another)
{
	struct token_keys keys;
	unsigned char	 box[VAULT_SEALED_SIZE(20)], out[VAULT_PLAIN_MAX];

	keys_of(&keys, NEW, NULL);
	assert_true(vault_seal(&keys, 42, plain, 20, box, sizeof(box)) > 0);
	assert_int_equal(vault_open(&keys, 43, box, sizeof(box), out, sizeof(out)), -1);
}

TEST(an_altered_or_cut_box_does_not_open)
{
	struct token_keys keys;
	unsigned char	 box[VAULT_SEALED_SIZE(20)], out[VAULT_PLAIN_MAX];
	size_t		 i;

	keys_of(&keys, NEW, NULL);
	assert_true(vault_seal(&keys, 42, plain, 20, box, sizeof(box)) > 0);
	for (i = 0; i < sizeof(box); i++) {
		box[i] ^= 1;
		assert_int_equal(vault_open(&keys, 42, box, sizeof(box), out,
		    sizeof(out)), -1);
		box[i] ^= 1;
	}
	for (i = 0; i < sizeof(box); i++)
		assert_int_equal(vault_open(&keys, 42, box, i, out, sizeof(out)), -1);
}

TEST(two_boxes_of_one_secret_differ)
{
	struct token_keys keys;
	unsigned char	 a[VAULT_SEALED_SIZE(20)], b[VAULT_SEALED_SIZE(20)];

	keys_of(&keys, NEW, NULL);
	assert_true(vault_seal(&keys, 42, plain, 20, a, sizeof(a)) > 0);
	assert_true(vault_seal(&keys, 42, plain, 20, b, sizeof(b)) > 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

TEST(too_small_a_buffer_is_refused)
{
	struct token_keys keys;
	unsigned char	 box[VAULT_SEALED_SIZE(20)], out[8];

	keys_of(&keys, NEW, NULL);
	assert_int_equal(vault_seal(&keys, 42, plain, 20, box, sizeof(box) - 1), -1);
	assert_true(vault_seal(&keys, 42, plain, 20, box, sizeof(box)) > 0);
	assert_int_equal(vault_open(&keys, 42, box, sizeof(box), out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_box_opens_to_the_same_bytes),
		cmocka_unit_test(a_box_opens_after_rotation_and_not_without_its_secret),
		cmocka_unit_test(a_box_for_one_user_does_not_open_for_another),
		cmocka_unit_test(an_altered_or_cut_box_does_not_open),
		cmocka_unit_test(two_boxes_of_one_secret_differ),
		cmocka_unit_test(too_small_a_buffer_is_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("vault", tests, NULL, NULL);
}
