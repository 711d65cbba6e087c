/* The route table: which handler answers which method on which path. */
#ifndef TESSERA_ROUTES_H
#define TESSERA_ROUTES_H

#include <stddef.h>

struct ctx;

typedef void (*route_handler)(struct ctx *);

int	route_find(const char *path, const char *method, route_handler *,
	    char *allow, size_t allowsz);
int	route_id(const char *path);
const char *route_label(int id);

#endif
