/* What every unit test file needs: cmocka and a TEST() shorthand for its cases. */
#ifndef TESSERA_UNIT_H
#define TESSERA_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* One case: a static cmocka test function whose state argument is unused. */
#define TEST(name)	static void name(void **state __attribute__((unused)))

#endif
