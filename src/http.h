/* HTTP over FastCGI: the request's parameters, body and cookies; the response and its headers. */
#ifndef TESSERA_HTTP_H
#define TESSERA_HTTP_H

#include <stddef.h>

#include <fcgiapp.h>

#include "buf.h"
#include "form.h"

#define HTTP_PATH_MAX	1024

struct http_request {
	const char	*method;
	char		 path[HTTP_PATH_MAX];	/* REQUEST_URI up to '?' */
	const char	*query;
	const char	*cookie;	/* the Cookie header, or "" */
	const char	*content_type;
	const char	*remote_addr;
	const char	*user_agent;
	const char	*origin;	/* NULL when absent */
	const char	*referer;	/* NULL when absent */
	const char	*host;		/* HTTP_HOST: a host name, perhaps with a port */
	int		 server_port;	/* SERVER_PORT, 0 when absent or not a number */
	const char	*require;	/* TESSERA_REQUIRE from the server's config, or "" */
	const char	*authorization;	/* the Authorization header, or NULL */
	int		 https;
	int		 head;		/* HEAD: answer as GET, send no body */
	struct buf	 body;
	struct form	 form;		/* the body, parsed (POST only) */
};

struct http_response {
	int		 status;
	const char	*content_type;
	int		 no_store;	/* Cache-Control: no-store */
	int		 has_cookie;	/* a Set-Cookie was added */
	struct buf	 head;		/* extra header lines */
	struct buf	 body;
};

int	http_request_init(struct http_request *, FCGX_ParamArray);
int	http_request_read_body(struct http_request *, FCGX_Stream *,
	    FCGX_ParamArray, size_t max_body) __attribute__((warn_unused_result));
void	http_request_free(struct http_request *);
int	http_same_origin(const struct http_request *)
	    __attribute__((warn_unused_result));
int	http_cookie_next(const char **cursor, const char *name,
	    const char **value, size_t *len);

void	http_response_init(struct http_response *);
void	http_response_reset(struct http_response *);
void	http_response_free(struct http_response *);
void	http_header(struct http_response *, const char *name, const char *value);
void	http_header_encoded(struct http_response *, const char *name,
	    const char *value);
void	http_set_cookie(struct http_response *, const char *name,
	    const char *value, long max_age, int secure);
void	http_redirect(struct http_response *, const char *location);
const char *http_status_text(int status);
int	http_response_send(FCGX_Stream *, struct http_response *,
	    const struct http_request *);

#endif
