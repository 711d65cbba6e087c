/* One worker process: accept a request, answer it, never die on bad input. */
#ifndef TESSERA_WORKER_H
#define TESSERA_WORKER_H

#include "app.h"

void	worker_run(struct app *, int listen_fd, int connect_first)
	    __attribute__((noreturn));

#endif
