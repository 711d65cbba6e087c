/* Static answers: the stylesheet (read once at start-up, served from memory) and the favicon. */
#include "page.h"

/* GET /static/style.css. */
void
page_static(struct ctx *c)
{
	size_t		 len = 0;
	const char	*css = view_asset("style.css", &len);

	c->resp->content_type = "text/css; charset=utf-8";
	http_header(c->resp, "Cache-Control", "public, max-age=3600");
	buf_append(&c->resp->body, css, len);
}

/* GET /favicon.ico: there is none; 204 spares browsers a 404 on every first visit. */
void
page_favicon(struct ctx *c)
{
	c->resp->status = 204;
	http_header(c->resp, "Cache-Control", "public, max-age=86400");
}
