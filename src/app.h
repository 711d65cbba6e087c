/* What every handler gets: the process-wide parts and this request's state. */
#ifndef TESSERA_APP_H
#define TESSERA_APP_H

#include "config.h"
#include "db.h"
#include "http.h"
#include "session.h"
#include "token.h"

struct scoreboard;
struct score_slot;

/* Process-wide: read at start-up, the same for every request. */
struct app {
	const struct config	*cfg;
	const struct token_keys	*keys;
	struct db		*db;		/* this worker's connection */
	struct scoreboard	*score;		/* the pool's, shared */
	struct score_slot	*slot;		/* this worker's place in it */
};

/* One request: what came in, what goes out, and its session. */
struct ctx {
	struct app		*app;
	struct http_request	*req;
	struct http_response	*resp;
	struct sess		 sess;
	struct sess_env		 env;	/* what sessions and throttling use of the above */
};

#endif
