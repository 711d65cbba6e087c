/* What every unit test file needs: cmocka and a TEST() shorthand for its cases. */
#ifndef TESSERA_UNIT_H
#define TESSERA_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One case: a static cmocka test function whose state argument is unused. */
#define TEST(name)	static void name(void **state __attribute__((unused)))

/* Writes text to a new file under /tmp. Returns its path, for unit_temp_done. */
static inline char *
unit_temp_file(const char *text)
{
	char	*path = strdup("/tmp/tessera-unit-XXXXXX");
	size_t	 len = strlen(text);
	int	 fd;

	assert_non_null(path);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Removes the file at path; hands the path to *pathp (the caller frees it), or frees it. */
static inline void
unit_temp_done(char *path, char **pathp)
{
	unlink(path);
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
}

#endif
