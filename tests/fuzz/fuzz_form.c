/* Fuzzes form_parse and url_decode with request bodies (application/x-www-form-urlencoded). */
#include "fuzz.h"

#include "form.h"

/* Parses the input as a form and checks what comes out is consistent. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f;
	char		*copy;
	size_t		 outlen;
	int		 i, rc;

	rc = form_parse(&f, (const char *)data, size);
	if (rc == 0) {
		FUZZ_ASSERT(f.n >= 0 && f.n <= FORM_MAX_FIELDS);
		for (i = 0; i < f.n; i++) {
			/* a NUL is refused, so every value is a whole C string */
			FUZZ_ASSERT(strlen(f.field[i].value) == f.field[i].value_len);
			FUZZ_ASSERT(f.field[i].value_len <= size);
			FUZZ_ASSERT(form_get(&f, f.field[i].name) != NULL);
		}
	}
	form_free(&f);

	copy = fuzz_strndup(data, size);
	if (url_decode(copy, size, &outlen) == 0) {
		FUZZ_ASSERT(outlen <= size);
		FUZZ_ASSERT(strlen(copy) == outlen);
	}
	free(copy);
	return 0;
}
