/* Start-up: the listening socket, its owner, and the drop of privileges. */
#ifndef TESSERA_STARTUP_H
#define TESSERA_STARTUP_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

int	startup_listen(const struct config *, char *err, size_t errsz);
int	startup_unlink_socket(int fd);
int	startup_user_ids(const struct config *, uid_t *, gid_t *, char *err,
	    size_t errsz) __attribute__((warn_unused_result));
int	startup_drop_privileges(const struct config *, char *err, size_t errsz)
	    __attribute__((warn_unused_result));

#endif
