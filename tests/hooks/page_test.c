/* Test-only pages, linked into bin/tessera-test alone (never into bin/tessera). */
#include <unistd.h>

#include "page.h"

/* GET /_test/hang: never answers, so the supervisor's request_timeout must end the worker. */
void
page_test_hang(struct ctx *c)
{
	(void)c;
	for (;;)
		pause();
}
