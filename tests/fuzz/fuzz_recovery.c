/* Fuzzes recovery_parse: what it accepts is sixteen alphabet characters, and its displayed form reads back the same. */
#include "fuzz.h"

#include "recovery.h"

/* Parses the input as a typed recovery code and checks the canonical form it yields. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text = fuzz_strndup(data, size), canon[RECOVERY_CHARS + 1];
	char	 shown[RECOVERY_SIZE], again[RECOVERY_CHARS + 1];
	int	 i, o = 0;

	if (recovery_parse(text, canon) == 0) {
		FUZZ_ASSERT(strlen(canon) == RECOVERY_CHARS);
		FUZZ_ASSERT(strspn(canon, "abcdefghijklmnopqrstuvwxyz234567") ==
		    RECOVERY_CHARS);
		for (i = 0; i < RECOVERY_CHARS; i++) {
			if (i > 0 && i % 4 == 0)
				shown[o++] = '-';
			shown[o++] = canon[i];
		}
		shown[o] = '\0';
		FUZZ_ASSERT(recovery_parse(shown, again) == 0);
		FUZZ_ASSERT(strcmp(again, canon) == 0);
	}
	free(text);
	return 0;
}
