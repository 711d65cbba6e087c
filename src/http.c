/* HTTP over FastCGI: the request's parameters, body and cookies; the response and its headers. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"

#define HTTP_RESPONSE_MAX	(1024 * 1024)

/* Returns v, or def when v is NULL. */
static const char *
http_or(const char *v, const char *def)
{
	return v != NULL ? v : def;
}

/* Returns the named FastCGI parameter, or def when absent. */
static const char *
http_param(FCGX_ParamArray envp, const char *name, const char *def)
{
	return http_or(FCGX_GetParam(name, envp), def);
}

/* A FastCGI parameter http_request_init reads, and where it puts its value. */
struct http_param_want {
	const char	 *name;
	size_t		  len;
	const char	**to;
};

#define HTTP_WANT(name, to)	{ name, sizeof(name) - 1, to }

/*
 * Sets *to of each wanted parameter to its value in envp ("NAME=value"
 * strings; the first of a name wins, as with FCGX_GetParam), in one pass
 * over envp whatever the number wanted.
 */
static void
http_params_pick(FCGX_ParamArray envp, const struct http_param_want *want,
    size_t nwant)
{
	const char	*eq;
	size_t		 i, len;

	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		len = (size_t)(eq - *envp);
		for (i = 0; i < nwant; i++)
			if (want[i].len == len && *want[i].to == NULL &&
			    memcmp(want[i].name, *envp, len) == 0) {
				*want[i].to = eq + 1;
				break;
			}
	}
}

/*
 * Fills req from the FastCGI parameters (the body is read separately).
 * Returns 0, or 400 if the request line is unusable.
 */
int
http_request_init(struct http_request *req, FCGX_ParamArray envp)
{
	const char	*uri = NULL, *doc = NULL, *script = NULL, *port_s = NULL;
	const char	*https = NULL;
	const struct http_param_want want[] = {
		HTTP_WANT("REQUEST_METHOD", &req->method),
		HTTP_WANT("QUERY_STRING", &req->query),
		HTTP_WANT("HTTP_COOKIE", &req->cookie),
		HTTP_WANT("CONTENT_TYPE", &req->content_type),
		HTTP_WANT("REMOTE_ADDR", &req->remote_addr),
		HTTP_WANT("HTTP_USER_AGENT", &req->user_agent),
		HTTP_WANT("HTTP_ORIGIN", &req->origin),
		HTTP_WANT("HTTP_REFERER", &req->referer),
		HTTP_WANT("HTTP_HOST", &req->host),
		HTTP_WANT("SERVER_PORT", &port_s),
		HTTP_WANT("TESSERA_REQUIRE", &req->require),
		HTTP_WANT("HTTP_AUTHORIZATION", &req->authorization),
		HTTP_WANT("HTTPS", &https),
		HTTP_WANT("REQUEST_URI", &uri),
		HTTP_WANT("DOCUMENT_URI", &doc),
		HTTP_WANT("SCRIPT_NAME", &script),
	};
	char		*end;
	long		 port;
	size_t		 plen;

	memset(req, 0, sizeof(*req));
	buf_init(&req->body, 0);
	http_params_pick(envp, want, sizeof(want) / sizeof(want[0]));
	req->method = http_or(req->method, "");
	req->query = http_or(req->query, "");
	req->cookie = http_or(req->cookie, "");
	req->content_type = http_or(req->content_type, "");
	req->remote_addr = http_or(req->remote_addr, "-");
	req->user_agent = http_or(req->user_agent, "");
	req->host = http_or(req->host, "");
	port = strtol(http_or(port_s, ""), &end, 10);
	req->server_port = *end == '\0' && port > 0 && port <= 65535 ?
	    (int)port : 0;
	req->require = http_or(req->require, "");
	https = http_or(https, "");
	req->https = strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0;
	req->head = strcmp(req->method, "HEAD") == 0;
	uri = http_or(uri, http_or(doc, http_or(script, "")));
	plen = strcspn(uri, "?");
	if (plen == 0 || plen >= sizeof(req->path) || uri[0] != '/')
		return 400;
	memcpy(req->path, uri, plen);
	req->path[plen] = '\0';
	return 0;
}

/* Returns 1 if the Content-Type is application/x-www-form-urlencoded (any parameters). */
static int
http_is_form_type(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t		 n = sizeof(form) - 1;

	return strncasecmp(ct, form, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || isspace((unsigned char)ct[n]));
}

/*
 * Reads and parses a POST body of at most max_body bytes.
 * Returns 0, or the status to answer: 400 (bad length or encoding),
 * 413 (too large) or 415 (not a form).
 */
int
http_request_read_body(struct http_request *req, FCGX_Stream *in,
    FCGX_ParamArray envp, size_t max_body)
{
	const char	*cl = http_param(envp, "CONTENT_LENGTH", "");
	char		*end, chunk[4096];
	unsigned long long len;
	int		 n;

	if (*cl == '\0')
		len = 0;
	else {
		if (!isdigit((unsigned char)*cl))
			return 400;
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno != 0 || *end != '\0')
			return 400;
	}
	if (len > max_body)
		return 413;
	if (len > 0 && !http_is_form_type(req->content_type))
		return 415;
	buf_init(&req->body, max_body);
	while (req->body.len < len) {
		n = FCGX_GetStr(chunk, (int)(len - req->body.len < sizeof(chunk) ?
		    len - req->body.len : sizeof(chunk)), in);
		if (n <= 0)
			return 400;
		if (buf_append(&req->body, chunk, (size_t)n) == -1)
			return 413;
	}
	if (form_parse(&req->form, buf_str(&req->body), req->body.len) == -1)
		return 400;
	return 0;
}

/* Frees what the request read; secrets in the body are wiped. */
void
http_request_free(struct http_request *req)
{
	form_free(&req->form);
	if (req->body.data != NULL)
		explicit_bzero(req->body.data, req->body.len);
	buf_free(&req->body);
}

/*
 * Splits the authority at s (len bytes: "host", "host:port", "[v6]" or
 * "[v6]:port"). Returns 1 with the host's length and the port (0 when
 * none is given), or 0 if it is malformed (empty host, user info, a port
 * that is not 1 to 65535).
 */
static int
http_authority(const char *s, size_t len, size_t *hostlen, long *port)
{
	const char	*end = s + len, *colon;
	char		*stop;

	if (memchr(s, '@', len) != NULL)
		return 0;
	if (len > 0 && s[0] == '[') {
		if ((colon = memchr(s, ']', len)) == NULL)
			return 0;
		colon++;
		if (colon < end && *colon != ':')
			return 0;
	} else if ((colon = memchr(s, ':', len)) == NULL)
		colon = end;
	*hostlen = (size_t)(colon - s);
	*port = 0;
	if (colon < end) {
		if (colon + 1 == end || end - colon > 6 ||
		    !isdigit((unsigned char)colon[1]))
			return 0;
		*port = strtol(colon + 1, &stop, 10);
		if (stop != end || *port < 1 || *port > 65535)
			return 0;
	}
	return *hostlen > 0;
}

/*
 * Returns 1 unless the request's Origin (or, without one, its Referer)
 * names another origin than the request's own: scheme (HTTPS), host and
 * port (HTTP_HOST; its port, else SERVER_PORT, else the scheme's) are all
 * compared. A request with neither header passes (non-browser clients);
 * an opaque "null" Origin does not.
 */
int
http_same_origin(const struct http_request *req)
{
	const char	*src = req->origin != NULL ? req->origin : req->referer;
	const char	*p;
	size_t		 len, ownlen;
	long		 port, ownport;
	int		 https;

	if (src == NULL)
		return 1;
	if (strncasecmp(src, "https://", 8) == 0) {
		https = 1;
		p = src + 8;
	} else if (strncasecmp(src, "http://", 7) == 0) {
		https = 0;
		p = src + 7;
	} else
		return 0;
	if (https != req->https ||
	    !http_authority(p, strcspn(p, "/?#"), &len, &port) ||
	    !http_authority(req->host, strlen(req->host), &ownlen, &ownport))
		return 0;
	if (port == 0)
		port = https ? 443 : 80;
	if (ownport == 0)
		ownport = req->server_port > 0 ? req->server_port :
		    https ? 443 : 80;
	return len == ownlen && strncasecmp(p, req->host, len) == 0 &&
	    port == ownport;
}

/*
 * Finds the next cookie called name in the Cookie header at *cursor.
 * Returns 1 with its value (not NUL-terminated) and advances *cursor,
 * or 0 when there are no more.
 */
int
http_cookie_next(const char **cursor, const char *name, const char **value,
    size_t *len)
{
	const char	*p = *cursor, *eq, *end;
	size_t		 nlen = strlen(name);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0) {
			*value = eq + 1;
			*len = (size_t)(end - eq - 1);
			while (*len > 0 && (*value)[*len - 1] == ' ')
				(*len)--;
			*cursor = end;
			return 1;
		}
		p = end;
	}
	*cursor = p;
	return 0;
}

/* Prepares an empty 200 text/html response. */
void
http_response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->head, 16 * 1024);
	buf_init(&resp->body, HTTP_RESPONSE_MAX);
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
}

/* Forgets status, headers and body, keeping the buffers for the next request. */
void
http_response_reset(struct http_response *resp)
{
	buf_reset(&resp->head);
	buf_reset(&resp->body);
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	resp->no_store = resp->has_cookie = 0;
}

/* Frees the response's buffers. */
void
http_response_free(struct http_response *resp)
{
	buf_free(&resp->head);
	buf_free(&resp->body);
}

/* Adds a header line; a value holding CR or LF is dropped, so none can split the response. */
void
http_header(struct http_response *resp, const char *name, const char *value)
{
	if (strpbrk(value, "\r\n") != NULL)
		return;
	buf_printf(&resp->head, "%s: %s\r\n", name, value);
}

/*
 * Adds a header line whose value is stored text (a name, an email): bytes
 * outside printable ASCII, and '%', are percent-encoded (%XX, as in a URI),
 * so the line can neither be split nor carry bytes an application
 * misreads. Printable ASCII without '%' passes unchanged.
 */
void
http_header_encoded(struct http_response *resp, const char *name,
    const char *value)
{
	const unsigned char *p;

	buf_printf(&resp->head, "%s: ", name);
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '%')
			buf_printf(&resp->head, "%%%02X", *p);
		else
			buf_append(&resp->head, (const char *)p, 1);
	}
	buf_puts(&resp->head, "\r\n");
}

/*
 * Adds a Set-Cookie: HttpOnly, SameSite=Lax, Path=/, never a Domain.
 * max_age < 0 makes a browser-session cookie; 0 expires it now.
 */
void
http_set_cookie(struct http_response *resp, const char *name,
    const char *value, long max_age, int secure)
{
	buf_printf(&resp->head, "Set-Cookie: %s=%s; Path=/; HttpOnly; "
	    "SameSite=Lax%s", name, value, secure ? "; Secure" : "");
	if (max_age >= 0)
		buf_printf(&resp->head, "; Max-Age=%ld", max_age);
	if (max_age == 0)
		buf_puts(&resp->head, "; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
	buf_puts(&resp->head, "\r\n");
	resp->has_cookie = 1;
}

/*
 * Makes the response a 303 See Other to location (a path on this site).
 * Bytes outside printable ASCII (UTF-8, C1 controls, white space) are
 * percent-encoded, so the header carries only what RFC 3986 allows raw.
 */
void
http_redirect(struct http_response *resp, const char *location)
{
	const unsigned char	*p;

	resp->status = 303;
	if (strpbrk(location, "\r\n") != NULL)
		return;
	buf_puts(&resp->head, "Location: ");
	for (p = (const unsigned char *)location; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			buf_printf(&resp->head, "%%%02X", *p);
		else
			buf_append(&resp->head, (const char *)p, 1);
	buf_puts(&resp->head, "\r\n");
}

/* Returns the reason phrase for the statuses tessera sends. */
const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

/* Writes the len bytes at p to out. Returns 0, or -1 if the client went away. */
static int
http_put(FCGX_Stream *out, const char *p, size_t len)
{
	return len == 0 || FCGX_PutStr(p, (int)len, out) == (int)len ? 0 : -1;
}

/*
 * Writes the response to libfcgi's output buffer: status, the security
 * headers every response carries, the handler's headers, then the body
 * (not for HEAD). Only the status and the length are formatted (fmt_int);
 * the rest is copied as it is. Returns 0, or -1 if the client went away.
 */
int
http_response_send(FCGX_Stream *out, struct http_response *resp,
    const struct http_request *req)
{
	static const char security[] =
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'; "
	    "form-action 'self'; base-uri 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n";
	static const char no_store[] = "Cache-Control: no-store\r\n";
	static const char hsts[] = "Strict-Transport-Security: max-age=31536000; "
	    "includeSubDomains\r\n";
	char		 status[FMT_INT_MAX], length[FMT_INT_MAX];
	const char	*first[] = { "Status: ", status, " ",
			    http_status_text(resp->status), "\r\nContent-Type: ",
			    resp->content_type, "\r\nContent-Length: ", length,
			    "\r\n" };
	size_t		 i;
	int		 rc = 0;

	fmt_int(status, resp->status);
	fmt_int(length, (long long)resp->body.len);
	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		rc |= http_put(out, first[i], strlen(first[i]));
	rc |= http_put(out, security, sizeof(security) - 1);
	if (resp->no_store || resp->has_cookie)
		rc |= http_put(out, no_store, sizeof(no_store) - 1);
	if (req != NULL && req->https)
		rc |= http_put(out, hsts, sizeof(hsts) - 1);
	rc |= http_put(out, resp->head.data, resp->head.len);
	rc |= http_put(out, "\r\n", 2);
	if (req == NULL || !req->head)
		rc |= http_put(out, resp->body.data, resp->body.len);
	return rc == 0 ? 0 : -1;
}
