/* A readable summary of a User-Agent header: "Firefox on Linux", "curl", "Unknown browser". */
#include "useragent.h"

#include <stdio.h>
#include <string.h>

struct ua_token {
	const char	*token;		/* found anywhere in the header */
	const char	*name;
};

/* Command-line tools: named alone. */
static const struct ua_token ua_tools[] = {
	{ "curl/", "curl" },
	{ "Wget/", "Wget" },
};

/*
 * Browsers, first match wins: browsers built on Chrome say
 * Chrome and Safari too, Chrome says Safari, and iOS browsers say neither.
 */
static const struct ua_token ua_browsers[] = {
	{ "Edg", "Edge" },
	{ "OPR/", "Opera" },
	{ "Opera", "Opera" },
	{ "SamsungBrowser/", "Samsung Internet" },
	{ "Firefox/", "Firefox" },
	{ "FxiOS/", "Firefox" },
	{ "Chromium/", "Chromium" },
	{ "Chrome/", "Chrome" },
	{ "CriOS/", "Chrome" },
	{ "Safari/", "Safari" },
};

/* Systems, first match wins: Android says Linux, iOS says "like Mac OS X". */
static const struct ua_token ua_systems[] = {
	{ "Android", "Android" },
	{ "iPhone", "iPhone" },
	{ "iPad", "iPad" },
	{ "CrOS", "ChromeOS" },
	{ "Windows", "Windows" },
	{ "Macintosh", "macOS" },
	{ "Linux", "Linux" },
};

/* Returns the first entry of table whose token is in ua, or NULL. */
static const struct ua_token *
ua_find(const char *ua, const struct ua_token *table, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strstr(ua, table[i].token) != NULL)
			return &table[i];
	return NULL;
}

/*
 * Writes a summary of the User-Agent header ua (NULL or "" allowed) into
 * out: "BROWSER on SYSTEM", the browser or tool alone when the system is
 * unknown or it is a command-line tool, "Unknown browser on SYSTEM", or
 * "Unknown browser". Returns out.
 */
const char *
ua_summary(const char *ua, char *out, size_t size)
{
	const struct ua_token *browser, *system = NULL;

	if (ua == NULL)
		ua = "";
	browser = ua_find(ua, ua_tools, sizeof(ua_tools) / sizeof(ua_tools[0]));
	if (browser == NULL) {
		browser = ua_find(ua, ua_browsers,
		    sizeof(ua_browsers) / sizeof(ua_browsers[0]));
		system = ua_find(ua, ua_systems,
		    sizeof(ua_systems) / sizeof(ua_systems[0]));
	}
	snprintf(out, size, "%s%s%s", browser ? browser->name :
	    "Unknown browser", system ? " on " : "", system ? system->name : "");
	return out;
}
