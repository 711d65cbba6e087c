/* Fuzzes query strings: REQUEST_URI and QUERY_STRING through http_request_init, then form_parse. */
#include "fuzz.h"

#include <stdio.h>

#include "http.h"

/* Sends the input as a GET's query string and parses it as the sign-in page does. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	struct form	 query;
	char		*q = fuzz_strndup(data, size), *uri, *qs;
	char		 method[] = "REQUEST_METHOD=GET";
	char		*envp[4];
	size_t		 qlen = strlen(q);	/* libfcgi values end at a NUL */

	if ((uri = malloc(qlen + 32)) == NULL || (qs = malloc(qlen + 32)) == NULL)
		abort();
	snprintf(uri, qlen + 32, "REQUEST_URI=/?%s", q);
	snprintf(qs, qlen + 32, "QUERY_STRING=%s", q);
	envp[0] = method;
	envp[1] = uri;
	envp[2] = qs;
	envp[3] = NULL;
	FUZZ_ASSERT(http_request_init(&req, envp) == 0);
	FUZZ_ASSERT(strcmp(req.path, "/") == 0);
	FUZZ_ASSERT(strcmp(req.query, q) == 0);
	if (form_parse(&query, req.query, strlen(req.query)) == 0)
		(void)form_get(&query, "next");
	form_free(&query);
	http_request_free(&req);
	free(uri);
	free(qs);
	free(q);
	return 0;
}
