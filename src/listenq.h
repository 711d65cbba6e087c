/* The listening socket's accept queue, as the kernel reports it (Linux). */
#ifndef TESSERA_LISTENQ_H
#define TESSERA_LISTENQ_H

int	listenq_read(int fd, int *queue, int *backlog)
	    __attribute__((warn_unused_result));

#endif
