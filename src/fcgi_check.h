/* A FastCGI request's records, checked before libfcgi reads (and allocates for) them. */
#ifndef TESSERA_FCGI_CHECK_H
#define TESSERA_FCGI_CHECK_H

#include <stddef.h>

#define FCGI_PARAMS_MAX	65535	/* bytes of name-value pairs (nginx's own limit: one record) */

struct fcgi_check;

struct fcgi_check *fcgi_check_new(size_t max_body);
void	fcgi_check_free(struct fcgi_check *);
int	fcgi_check_records(struct fcgi_check *, const unsigned char *, size_t,
	    const char **why) __attribute__((warn_unused_result));
int	fcgi_check_wait(struct fcgi_check *, int fd, int timeout_ms,
	    const char **why) __attribute__((warn_unused_result));
int	fcgi_check_ended(const struct fcgi_check *);

#endif
