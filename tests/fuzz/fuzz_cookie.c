/* Fuzzes http_cookie_next: every cookie of each name tessera looks for, in any Cookie header. */
#include "fuzz.h"

#include "http.h"

static const char *const names[] = {
	"tessera_session", "tessera_session_pre", "__Host-tessera_session", "",
};

/* Walks the header for each name and checks each answer lies inside it, after "name=". */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*hdr = fuzz_strndup(data, size);
	const char	*end = hdr + strlen(hdr), *cursor, *prev, *value;
	size_t		 i, len, nlen;
	int		 found;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nlen = strlen(names[i]);
		cursor = hdr;
		found = 0;
		for (;;) {
			prev = cursor;
			if (!http_cookie_next(&cursor, names[i], &value, &len))
				break;
			FUZZ_ASSERT(++found <= (int)size + 1);
			FUZZ_ASSERT(cursor > prev && cursor <= end);
			FUZZ_ASSERT(value >= hdr + nlen + 1 && value + len <= end);
			FUZZ_ASSERT(value[-1] == '=');
			FUZZ_ASSERT(memcmp(value - 1 - nlen, names[i], nlen) == 0);
			/* the name starts a cookie: it is not the tail of another name */
			FUZZ_ASSERT(value - 1 - nlen == hdr ||
			    strchr("; \t", value[-2 - (ptrdiff_t)nlen]) != NULL);
			FUZZ_ASSERT(memchr(value, ';', len) == NULL);
		}
		FUZZ_ASSERT(cursor >= prev && cursor <= end);
	}
	free(hdr);
	return 0;
}
