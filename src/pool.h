/* The supervisor: the listening socket, privileges, and N workers kept alive. */
#ifndef TESSERA_POOL_H
#define TESSERA_POOL_H

#include <stddef.h>
#include <sys/types.h>

#include "app.h"

int	pool_listen(const struct config *, char *err, size_t errsz);
int	pool_user_ids(const struct config *, uid_t *, gid_t *, char *err,
	    size_t errsz) __attribute__((warn_unused_result));
int	pool_drop_privileges(const struct config *, char *err, size_t errsz)
	    __attribute__((warn_unused_result));
int	pool_run(struct app *, struct config *, struct token_keys *,
	    const char *config_path, int listen_fd);

#endif
