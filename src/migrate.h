/* Schema migrations: migrations/NNNN_name.sql applied in order, once each. */
#ifndef TESSERA_MIGRATE_H
#define TESSERA_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

/* The highest migration this binary's SQL needs. */
#define SCHEMA_VERSION	14

int	migrate_apply(PGconn *, const char *dir, char *err, size_t errsz)
	    __attribute__((warn_unused_result));
int	migrate_version(PGconn *, char *err, size_t errsz);

#endif
