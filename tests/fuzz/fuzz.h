/* What the libFuzzer targets share: the entry point's prototype and FastCGI stand-ins. */
#ifndef TESSERA_FUZZ_H
#define TESSERA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#define FUZZ_MAX_PARAMS	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* Stops the fuzzer with a report (a property, not memory safety, was broken). */
#define FUZZ_ASSERT(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Returns a NUL-terminated copy of the input (the parsers take C strings); never NULL. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Splits text (len bytes, NUL-separated NAME=VALUE strings, as libfcgi
 * stores them) into envp, at most FUZZ_MAX_PARAMS, NULL-terminated.
 * text must be NUL-terminated at len. Returns how many.
 */
static inline int
fuzz_params(char *text, size_t len, char *envp[FUZZ_MAX_PARAMS + 1])
{
	char	*p = text, *end = text + len;
	int	 n = 0;

	while (p < end && n < FUZZ_MAX_PARAMS) {
		envp[n++] = p;
		p += strlen(p) + 1;
	}
	envp[n] = NULL;
	return n;
}

/* A reader stream's refill: there is never more, so the stream closes. */
static inline void
fuzz_stream_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* Makes s a FastCGI input stream that yields the len bytes at data, then end of input. */
static inline void
fuzz_stream(FCGX_Stream *s, unsigned char *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->rdNext = s->stopUnget = data;
	s->stop = s->wrNext = data + len;
	s->isReader = 1;
	s->fillBuffProc = fuzz_stream_fill;
}

#endif
