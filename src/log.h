/* Event log: one line per event, key=value pairs; never a token or a password. */
#ifndef TESSERA_LOG_H
#define TESSERA_LOG_H

/* How much an event needs an operator; every line says which. */
enum log_level {
	LOG_INFO,	/* the normal course of things */
	LOG_WARNING,	/* a refusal or a slowness worth a look */
	LOG_ERROR,	/* a failure: a request or a connection was lost */
	LOG_ALERT,	/* needs an operator now */
	LOG__MAX
};

int	log_open(const char *path);
int	log_reopen(void);
void	log_event(const char *event, ...) __attribute__((sentinel));
void	log_event_at(enum log_level, const char *event, ...)
	    __attribute__((sentinel));
void	log_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
