/* Fuzzes base32_decode: whatever it accepts encodes back to the same text (upper-cased), nothing else is taken. */
#include "fuzz.h"

#include "base32.h"

/* Decodes the input; an accepted text must be the canonical spelling of what it decoded to. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 out[64];
	char		*text = fuzz_strndup(data, size), again[BASE32_LEN(64) + 1];
	size_t		 i;
	int		 n;

	if ((n = base32_decode(text, out, sizeof(out))) >= 0) {
		base32_encode(out, (size_t)n, again, sizeof(again));
		FUZZ_ASSERT(strlen(again) == strlen(text));
		for (i = 0; text[i] != '\0'; i++)
			FUZZ_ASSERT(again[i] == (text[i] >= 'a' && text[i] <= 'z' ?
			    text[i] - 'a' + 'A' : text[i]));
	}
	free(text);
	return 0;
}
