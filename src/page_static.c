/* The stylesheet, read once at start-up and served from memory. */
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
