/* The command line's subcommands, each over an open configuration. */
#ifndef TESSERA_CMD_H
#define TESSERA_CMD_H

#include "config.h"

int	cmd_serve(struct config *, int argc, char **argv);
int	cmd_migrate(struct config *, int argc, char **argv);
int	cmd_user(struct config *, int argc, char **argv);
void	cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
