/*
 * Fuzzes the handling of FastCGI parameters and the body: http_request_init
 * on the parameters, then (for POST) http_request_read_body on a stream.
 * Input: NUL-separated NAME=VALUE strings, then an empty string (two NULs
 * in a row), then the body bytes.
 */
#include "fuzz.h"

#include "http.h"

#define FUZZ_MAX_BODY	16384

/* Finds the end of the parameters: the first empty NAME=VALUE string. Returns its offset. */
static size_t
params_end(const char *text, size_t size)
{
	size_t	 i;

	for (i = 0; i + 1 < size; i++)
		if (text[i] == '\0' && text[i + 1] == '\0')
			return i;
	return size;
}

/* Builds a request from the input as a worker would, and checks the path and body it keeps. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	FCGX_Stream	 in;
	char		*text = fuzz_strndup(data, size), *envp[FUZZ_MAX_PARAMS + 1];
	const char	*cursor, *value;
	size_t		 plen = params_end(text, size), len;
	unsigned char	*body;
	int		 status;

	text[plen] = '\0';
	fuzz_params(text, plen, envp);
	body = (unsigned char *)text + (plen + 2 <= size ? plen + 2 : size);
	status = http_request_init(&req, envp);
	FUZZ_ASSERT(status == 0 || status == 400);
	if (status == 0) {
		FUZZ_ASSERT(req.path[0] == '/');
		FUZZ_ASSERT(strlen(req.path) < sizeof(req.path));
		FUZZ_ASSERT(strchr(req.path, '?') == NULL);
		cursor = req.cookie;
		while (http_cookie_next(&cursor, "tessera_session", &value, &len))
			;
		if (strcmp(req.method, "POST") == 0) {
			fuzz_stream(&in, body, (size_t)((unsigned char *)text +
			    size - body));
			status = http_request_read_body(&req, &in, envp,
			    FUZZ_MAX_BODY);
			FUZZ_ASSERT(status == 0 || status == 400 ||
			    status == 413 || status == 415);
			FUZZ_ASSERT(req.body.len <= FUZZ_MAX_BODY);
		}
	}
	http_request_free(&req);
	free(text);
	return 0;
}
