/* application/x-www-form-urlencoded parsing (request bodies and query strings). */
#ifndef TESSERA_FORM_H
#define TESSERA_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS	32

struct form_field {
	const char	*name;
	const char	*value;
	size_t		 value_len;
};

struct form {
	struct form_field	 field[FORM_MAX_FIELDS];
	int			 n;
	char			*store;	/* decoded names and values */
	size_t			 store_len;
};

int		 form_parse(struct form *, const char *text, size_t len)
		    __attribute__((warn_unused_result));
const char	*form_get(const struct form *, const char *name);
void		 form_free(struct form *);
int		 url_decode(char *s, size_t len, size_t *outlen)
		    __attribute__((warn_unused_result));

#endif
