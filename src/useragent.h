/* A readable summary of a User-Agent header: "Firefox on Linux", "curl", "Unknown browser". */
#ifndef TESSERA_USERAGENT_H
#define TESSERA_USERAGENT_H

#include <stddef.h>

#define UA_SUMMARY_MAX	64	/* longest summary, with its NUL */

const char	*ua_summary(const char *ua, char *out, size_t size);

#endif
