/* Automatic pruning of expired sessions by the workers, one at a time across every host. */
#ifndef TESSERA_PRUNE_H
#define TESSERA_PRUNE_H

struct db;

void	prune_tick(struct db *, int interval);

#endif
