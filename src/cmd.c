/* What every command shares: a failure said on one line, a usage mistake named. */
#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>

/* Prints "tessera: message" on one line to standard error (newlines folded). */
void
cmd_fail(const char *fmt, ...)
{
	char	 msg[1024], *p;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	while (p > msg && p[-1] == ' ')
		*--p = '\0';
	fprintf(stderr, "tessera: %s\n", msg);
}

/*
 * Names the word not understood (what it should be, word NULL: missing),
 * with how to call the command, on one line. Returns CMD_USAGE.
 */
int
cmd_usage_error(const char *usage, const char *what, const char *word)
{
	if (word == NULL)
		cmd_fail("missing %s; %s", what, usage);
	else
		cmd_fail("unknown %s \"%.64s\"; %s", what, word, usage);
	return CMD_USAGE;
}
