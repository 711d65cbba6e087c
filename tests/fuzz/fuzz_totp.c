/* Fuzzes totp_code_parse and totp_verify: only six digits come out, and only the true code of a step is taken. */
#include "fuzz.h"

#include "totp.h"

#define NOW	1234567890

static const unsigned char seed[] = "12345678901234567890";

/* Starts liboath once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (totp_init() != 0)
		abort();
	return 0;
}

/*
 * Parses the input as a typed code; what it yields is six digits, and if
 * totp_verify accepts it, it is exactly the code of the step it named,
 * within one step of now.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text = fuzz_strndup(data, size), code[TOTP_DIGITS + 1];
	char	 want[TOTP_DIGITS + 1];
	int64_t	 step;
	int	 i;

	if (totp_code_parse(text, code) == 0) {
		FUZZ_ASSERT(strlen(code) == TOTP_DIGITS);
		for (i = 0; i < TOTP_DIGITS; i++)
			FUZZ_ASSERT(code[i] >= '0' && code[i] <= '9');
		if ((step = totp_verify(seed, 20, code, NOW, 0)) > 0) {
			FUZZ_ASSERT(step >= totp_step(NOW) - TOTP_SKEW &&
			    step <= totp_step(NOW) + TOTP_SKEW);
			FUZZ_ASSERT(totp_code(seed, 20, step, want) == 0);
			FUZZ_ASSERT(memcmp(want, code, TOTP_DIGITS) == 0);
			FUZZ_ASSERT(totp_verify(seed, 20, code, NOW, step) == 0);
		}
	}
	free(text);
	return 0;
}
