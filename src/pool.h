/* The supervisor: N workers kept alive, replaced on reload, stopped gracefully. */
#ifndef TESSERA_POOL_H
#define TESSERA_POOL_H

#include <stddef.h>

#include "app.h"

/*
 * The application's own part of a reload (SIGHUP), given to pool_run by
 * cmd_serve: takes up what depends on the configuration next (secrets,
 * templates, password cost) before the workers are replaced. Returns 0
 * with them swapped in, or -1 with a one-line reason in err and nothing
 * changed (the reload is refused).
 */
typedef int	(*pool_reload_fn)(void *arg, const struct config *next,
		    char *err, size_t errsz);

int	pool_run(struct app *, struct config *, const char *config_path,
	    int listen_fd, pool_reload_fn reload, void *reload_arg);

#endif
