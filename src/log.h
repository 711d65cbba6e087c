/* Event log: one line per event, key=value pairs; never a token or a password. */
#ifndef TESSERA_LOG_H
#define TESSERA_LOG_H

int	log_open(const char *path);
int	log_reopen(void);
void	log_event(const char *event, ...) __attribute__((sentinel));
void	log_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
