/* Text checks shared by the pages and the command line. */
#ifndef TESSERA_TEXT_H
#define TESSERA_TEXT_H

#include <stddef.h>


int	text_utf8_valid(const char *s, size_t len);
int	text_has_control(const char *s, size_t len);
const char *text_username_problem(const char *name);
int	text_percent_encode(const char *in, const char *keep, char *out,
	    size_t outsz) __attribute__((warn_unused_result));

#endif
