/* The scoreboard: memory shared by the supervisor and its workers, one slot per worker. */
#include "scoreboard.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "clock.h"

/*
 * Maps a zeroed scoreboard shared with every process forked afterwards.
 * Returns it, or NULL.
 */
struct scoreboard *
score_create(void)
{
	struct scoreboard *sb;

	sb = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	memset(sb, 0, sizeof(*sb));
	sb->started = time(NULL);
	return sb;
}

/* Records what the worker in this slot is doing. */
void
score_worker_state(struct score_slot *s, enum score_state state)
{
	s->state = state;
}

/* Marks the slot busy with a request for path since now. */
void
score_request_begin(struct score_slot *s, const char *path)
{
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->busy_since_ms = clock_ms();
	s->state = SCORE_BUSY;
}

/* Marks the slot idle again and counts the request. */
void
score_request_end(struct score_slot *s)
{
	s->requests++;
	s->busy_since_ms = 0;
	s->state = SCORE_IDLE;
}
