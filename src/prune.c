/* Automatic pruning of expired sessions by the workers, one at a time across every host. */
#include "prune.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "scoreboard.h"

/*
 * Rows per try, and the pause after a full one: the pace of `tessera
 * sessions purge`'s defaults (100 rows, 2 ms) scaled to one batch between
 * two requests. A batch's length is what the pages feel: under the
 * dashboard's full load on 2 cores 1,000 rows took 8-18 ms, 100 rows 1-2.
 */
#define PRUNE_BATCH	100
#define PRUNE_AGAIN_MS	10	/* at most 100 batches a second a worker */

static int64_t	prune_next_ms;	/* this worker's next try (monotonic); 0: unscheduled */

/* Schedules this worker's next try at a random point from 50% to 150% of interval seconds after now. */
static void
prune_schedule(int interval, int64_t now)
{
	uint32_t	 ms = (uint32_t)interval * 1000;

	prune_next_ms = now + ms / 2 + randombytes_uniform(ms + 1);
}

/*
 * Called by the worker after each request. When this worker's randomised
 * time has come, deletes up to PRUNE_BATCH expired sessions (and lapsed
 * sign-in failure counts) through tessera.purge_expired_counts, unless
 * another worker of any host holds the pruning lock (the same statement
 * tries it). Only the sessions count as ended ones. A full batch means more are
 * left: a request PRUNE_AGAIN_MS later tries again, so that with 4 workers
 * a backlog goes at about the pace of `tessera sessions purge`, which the
 * pages hardly feel. interval: prune_interval, in seconds; off when 0.
 */
void
prune_tick(struct db *db, int interval)
{
	char		 batch[16];
	const char	*values[1] = { batch };
	int64_t		 now;
	PGresult	*res;
	int		 sessions, failures;

	if (interval == 0)
		return;
	now = clock_ms();
	if (prune_next_ms == 0)
		prune_schedule(interval, now);
	if (now < prune_next_ms)
		return;
	prune_schedule(interval, now);
	snprintf(batch, sizeof(batch), "%d", PRUNE_BATCH);
	if ((res = db_query(db, SQL_SESSION_PRUNE, values, NULL)) == NULL)
		return;		/* logged by db_query */
	sessions = PQgetisnull(res, 0, DB_PURGE_SESSIONS) ? 0 :
	    atoi(PQgetvalue(res, 0, DB_PURGE_SESSIONS));
	failures = PQgetisnull(res, 0, DB_PURGE_FAILURES) ? 0 :
	    atoi(PQgetvalue(res, 0, DB_PURGE_FAILURES));
	if (sessions > 0)
		score_add(SC_SESSIONS_EXPIRED_PRUNED, (uint64_t)sessions);
	if (sessions + failures > 0)
		log_event("sessions_pruned", "count", PQgetvalue(res, 0,
		    DB_PURGE_SESSIONS), "failures", PQgetvalue(res, 0,
		    DB_PURGE_FAILURES), NULL);
	if (sessions + failures == PRUNE_BATCH)
		prune_next_ms = now + PRUNE_AGAIN_MS;
	PQclear(res);
}
