/* The supervisor: N workers kept alive, replaced on reload, stopped gracefully. */
#include "pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "listenq.h"
#include "log.h"
#include "respawn.h"
#include "scoreboard.h"
#include "startup.h"
#include "worker.h"

#define TICK_MS			250	/* how often timeouts and delayed respawns are checked */
#define ROLL_TICK_MS		20	/* ... and while a reload waits for a new worker to accept */
#define READY_WAIT_MS		3000	/* how long a reload waits for a new worker to accept */

static volatile sig_atomic_t pool_stopping, pool_child_exited, pool_reload,
    pool_reopen, pool_tick;

/* The supervisor's own state; what workers may see is in the scoreboard. */
struct pool {
	struct app		*app;
	struct config		*cfg;		/* the live configuration (reload swaps it) */
	const char		*config_path;
	pool_reload_fn		 reload;	/* the application's own part of a reload */
	void			*reload_arg;
	int			 listen_fd;
	struct scoreboard	*sb;
	int			 gen;			/* bumped by each reload */
	int			 slot_gen[SCORE_MAX_WORKERS];
	int			 pending[SCORE_MAX_WORKERS];	/* respawn when backoff ends */
	int			 doomed[SCORE_MAX_WORKERS];	/* killed for request_timeout */
	int			 crashed[SCORE_MAX_WORKERS];	/* its last worker crashed */
	int64_t			 slow_logged[SCORE_MAX_WORKERS];	/* busy_since_ms already logged */
	struct respawn_pace	 pace;			/* crash back-off, fork pause */
	int			 deferred;		/* respawns wait for the back-off */
	int			 rolling;		/* a reload replaces the workers */
	struct respawn_roll	 roll;
	int			 roll_slot;		/* its newest worker's slot, or -1 */
	pid_t			 old[SCORE_MAX_WORKERS];	/* the workers it retires */
};

/* Records which signal arrived; the supervisor acts on it in its loop. */
static void
pool_on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		pool_child_exited = 1;
		break;
	case SIGHUP:
		pool_reload = 1;
		break;
	case SIGUSR1:
		pool_reopen = 1;
		break;
	case SIGALRM:
		pool_tick = 1;
		break;
	default:
		pool_stopping = 1;
	}
}

/* Sets the supervisor's tick (SIGALRM) to every ms milliseconds. Returns 0, or -1 with errno set. */
static int
pool_set_tick(int ms)
{
	struct itimerval tick;

	memset(&tick, 0, sizeof(tick));
	tick.it_interval.tv_usec = ms * 1000;
	tick.it_value.tv_usec = ms * 1000;
	return setitimer(ITIMER_REAL, &tick, NULL);
}

/*
 * Installs the supervisor's handlers, blocked except while it waits, and its
 * tick. Returns 0, or -1 with errno set.
 */
static int
pool_signals(sigset_t *waitmask)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1,
	    SIGALRM };
	struct sigaction sa;
	sigset_t	 block;
	size_t		 i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sa.sa_handler = pool_on_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return -1;
		sigaddset(&block, sigs[i]);
	}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigprocmask(SIG_BLOCK, &block, waitmask) == -1)
		return -1;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(waitmask, sigs[i]);
	return pool_set_tick(TICK_MS);
}

/* Returns a slot with no worker and no pending respawn, or -1. */
static int
pool_free_slot(const struct pool *p)
{
	int	 i;

	for (i = 0; i < SCORE_MAX_WORKERS; i++)
		if (p->sb->slot[i].pid == 0 && !p->pending[i])
			return i;
	return -1;
}

/* Returns how many workers of the current generation run or wait to be respawned. */
static int
pool_active(const struct pool *p)
{
	int	 i, n = 0;

	for (i = 0; i < SCORE_MAX_WORKERS; i++)
		n += p->slot_gen[i] == p->gen &&
		    (p->sb->slot[i].pid > 0 || p->pending[i]);
	return n;
}

/*
 * Forks a worker of the current generation into slot i. Returns its pid, or
 * -1: then the slot waits for a respawn and no fork is tried before the
 * back-off (respawn_fork_delay_ms) ends.
 */
static pid_t
pool_spawn(struct pool *p, int i)
{
	struct score_slot *slot = &p->sb->slot[i];
	sigset_t	 none;
	pid_t		 pid;
	char		 num[16];

	memset(slot, 0, sizeof(*slot));
	slot->state = SCORE_STARTING;
	slot->started = time(NULL);
	p->slot_gen[i] = p->gen;
	p->pending[i] = p->doomed[i] = 0;
	if ((pid = fork()) == 0) {
		sigemptyset(&none);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    sigprocmask(SIG_SETMASK, &none, NULL) == -1) {
			log_errorf("worker: cannot set up its signals: %s",
			    strerror(errno));
			_exit(1);
		}
		slot->pid = getpid();
		p->app->slot = slot;
		p->app->score = p->sb;
		/* after a crash, connecting only when a request needs it keeps crash loops off PostgreSQL */
		worker_run(p->app, p->listen_fd, !p->crashed[i]);
	}
	p->crashed[i] = 0;
	if (pid == -1) {
		log_errorf("fork: %s", strerror(errno));
		slot->state = SCORE_EMPTY;
		p->pending[i] = 1;	/* try again at a tick after the back-off */
		respawn_fork_failed(&p->pace, clock_ms());
		return -1;
	}
	p->pace.fork_failures = 0;
	slot->pid = pid;
	snprintf(num, sizeof(num), "%d", (int)pid);
	log_event("worker_started", "pid", num, NULL);
	return pid;
}

/*
 * Logs how the worker in slot i ended: its exit status or the name of the
 * signal, its age and how many requests it answered, and the path it was
 * answering (or ""). A crash is an error, any other end information.
 * Returns 1 if it crashed (a signal or a failure).
 */
static int
pool_log_exit(const struct pool *p, int i, int status, const char *path)
{
	const struct score_slot *slot = &p->sb->slot[i];
	const char	*sig;
	char		 pid[16], how[64], age[32], requests[24];
	int		 crashed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;

	snprintf(pid, sizeof(pid), "%d", (int)slot->pid);
	if (WIFSIGNALED(status) && (sig = sigabbrev_np(WTERMSIG(status))))
		snprintf(how, sizeof(how), "SIG%s", sig);
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
	snprintf(age, sizeof(age), "%llds",
	    (long long)(time(NULL) - slot->started));
	snprintf(requests, sizeof(requests), "%llu",
	    (unsigned long long)slot->requests);
	log_event_at(crashed ? LOG_ERROR : LOG_INFO, "worker_exited", "pid",
	    pid, "how", how, "age", age, "requests", requests, "path", path,
	    NULL);
	return crashed;
}

/*
 * Counts a crash (respawn_crash decides): past crash_limit within
 * crash_window the supervisor says so loudly and, when slow_down, delays
 * respawns more and more. A crash that does not slow the pool down is
 * alerted once per window.
 */
static void
pool_count_crash(struct pool *p, int slow_down)
{
	char	 n[16], backoff[16];

	if (!respawn_crash(&p->pace, time(NULL), clock_ms(),
	    p->cfg->crash_window, p->cfg->crash_limit, slow_down))
		return;
	snprintf(n, sizeof(n), "%d", p->pace.crashes);
	snprintf(backoff, sizeof(backoff), "%ds", slow_down ? p->pace.backoff : 0);
	log_event("ALERT_workers_crashing", "crashes", n, "backoff", backoff,
	    "msg", slow_down ? "workers keep dying; respawning slowly until "
	    "they stop" : "workers keep dying while reading requests; "
	    "respawning at once", NULL);
}

/*
 * Reaps exited workers: logs and counts each (respawn_exit_counter says
 * why it left) and replaces those of the current generation, at once or
 * when the back-off or the fork pause ends (respawn_replace decides).
 */
static void
pool_reap(struct pool *p)
{
	struct score_slot *slot;
	struct respawn_exit e;
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(WAIT_ANY, &status, WNOHANG)) > 0) {
		for (i = 0; i < SCORE_MAX_WORKERS && p->sb->slot[i].pid != pid; i++)
			;
		if (i == SCORE_MAX_WORKERS)
			continue;
		slot = &p->sb->slot[i];
		e.doomed = p->doomed[i];
		e.accepting = slot->state == SCORE_ACCEPTING;
		e.current_gen = p->slot_gen[i] == p->gen;
		e.crashed = pool_log_exit(p, i, status, slot->state == SCORE_BUSY ?
		    slot->path : "") && !e.doomed;
		p->sb->requests += slot->requests;
		memset(slot, 0, sizeof(*slot));
		if (!pool_stopping)
			score_count(respawn_exit_counter(&e));
		/*
		 * A worker killed by what a client sent before its request was
		 * complete must not slow the whole pool down: such crashes are
		 * counted and alerted, not backed off.
		 */
		if (e.crashed)
			pool_count_crash(p, !e.accepting);
		p->crashed[i] = e.crashed;
		if (pool_stopping)
			continue;
		switch (respawn_replace(&p->pace, &e, clock_ms(), pool_active(p),
		    p->cfg->workers)) {
		case RESPAWN_LEAVE:
			break;
		case RESPAWN_AFTER_BACKOFF:
			p->pending[i] = p->deferred = 1;
			break;
		case RESPAWN_AFTER_PAUSE:
			p->pending[i] = 1;
			break;
		case RESPAWN_NOW:
			pool_spawn(p, i);
			break;
		}
	}
}

/* Logs, once per request and while it still runs, a request busy for longer than slow_log. */
static void
pool_slow_log(struct pool *p, int i, int64_t now)
{
	const struct score_slot *slot = &p->sb->slot[i];
	int64_t	 busy = score_busy_ms(slot, now);
	char	 pid[16], ms[24];

	if (p->cfg->slow_log == 0 || busy < p->cfg->slow_log * 1000LL ||
	    p->slow_logged[i] == now - busy)
		return;
	p->slow_logged[i] = now - busy;		/* when it began: logged once */
	score_count(SC_SLOW_REQUESTS);
	snprintf(pid, sizeof(pid), "%d", (int)slot->pid);
	snprintf(ms, sizeof(ms), "%lld", (long long)busy);
	log_event("slow_request", "pid", pid, "path", slot->path, "busy_ms", ms,
	    NULL);
}

/*
 * Forks the workers whose respawn waited (for the end of a crash back-off,
 * or of a fork failure's pause), and says so when a crash back-off ended.
 */
static void
pool_end_backoff(struct pool *p, int64_t now)
{
	char	 n[16], backoff[16];
	int	 i, respawned = 0;

	if (respawn_paused(&p->pace, now))
		return;
	for (i = 0; i < SCORE_MAX_WORKERS; i++)
		if (p->pending[i] && pool_spawn(p, i) > 0)
			respawned++;
	if (respawned == 0 || !p->deferred)
		return;
	p->deferred = 0;
	snprintf(n, sizeof(n), "%d", respawned);
	snprintf(backoff, sizeof(backoff), "%ds", p->pace.backoff);
	log_event("backoff_ended", "respawned", n, "backoff", backoff, NULL);
}

/*
 * Samples the listening socket's queue and the workers' states for the
 * metrics: the queue, its limit and peak, the most workers busy at once,
 * and each tick that finds every worker busy while connections wait.
 */
static void
pool_sample(struct pool *p)
{
	struct scoreboard *sb = p->sb;
	int	 queue, backlog, i, busy = 0, waiting = 0;

	for (i = 0; i < SCORE_MAX_WORKERS; i++) {
		busy += sb->slot[i].pid > 0 && sb->slot[i].state == SCORE_BUSY;
		waiting += sb->slot[i].pid > 0 && sb->slot[i].state == SCORE_IDLE;
	}
	if (busy > sb->busy_peak)
		sb->busy_peak = busy;
	if (listenq_read(p->listen_fd, &queue, &backlog) == -1) {
		sb->listen_queue = sb->listen_queue_max = -1;
		return;
	}
	sb->listen_queue = queue;
	sb->listen_queue_max = backlog;
	if (queue > sb->listen_queue_peak)
		sb->listen_queue_peak = queue;
	if (respawn_saturated(queue, waiting))
		score_count(SC_MAX_WORKERS_REACHED);
}

/* Every tick: respawns delayed workers, logs slow requests, kills workers stuck past request_timeout, samples the metrics. */
static void
pool_on_tick(struct pool *p)
{
	struct score_slot *slot;
	int64_t	 now = clock_ms(), limit = p->cfg->request_timeout * 1000LL, busy;
	char	 pid[16], ms[24];
	int	 i;

	pool_end_backoff(p, now);
	for (i = 0; i < SCORE_MAX_WORKERS; i++) {
		slot = &p->sb->slot[i];
		if (slot->pid <= 0)
			continue;
		pool_slow_log(p, i, now);
		busy = score_busy_ms(slot, now);
		if (limit == 0 || busy <= limit || p->doomed[i])
			continue;
		snprintf(pid, sizeof(pid), "%d", (int)slot->pid);
		snprintf(ms, sizeof(ms), "%lld", (long long)busy);
		log_event("request_timeout", "pid", pid, "path", slot->path,
		    "busy_ms", ms, NULL);
		p->doomed[i] = 1;
		kill(slot->pid, SIGKILL);
	}
	pool_sample(p);
}

/* Sends sig to every worker, of any generation. */
static void
pool_signal_all(const struct pool *p, int sig)
{
	int	 i;

	for (i = 0; i < SCORE_MAX_WORKERS; i++)
		if (p->sb->slot[i].pid > 0)
			kill(p->sb->slot[i].pid, sig);
}

/*
 * Loads the configuration file afresh and has the application take it up
 * (its reload function: secrets, templates, password cost). Returns 0
 * with it swapped in, or -1 (logged) with the old one untouched.
 */
static int
pool_reload_config(struct pool *p)
{
	struct config	 next;
	char		 err[512], keys_changed[256];

	if (config_load(&next, p->config_path, err, sizeof(err)) == -1 ||
	    p->reload(p->reload_arg, &next, err, sizeof(err)) == -1) {
		log_event("reload_refused", "reason", err, NULL);
		config_free(&next);
		return -1;
	}
	if (config_restart_keys(p->cfg, &next, keys_changed, sizeof(keys_changed)) > 0)
		log_event("reload_partial", "keys", keys_changed, "msg",
		    "these take effect at the next restart", NULL);
	config_free(p->cfg);
	*p->cfg = next;
	p->sb->workers = p->cfg->workers;
	return 0;
}

/* Returns 1 if the worker a reload forked last is still starting (forked, not yet accepting). */
static int
pool_roll_starting(const struct pool *p)
{
	const struct score_slot *slot;

	if (p->roll_slot < 0)
		return 0;
	slot = &p->sb->slot[p->roll_slot];
	return slot->pid > 0 && slot->state == SCORE_STARTING;
}

/*
 * Takes the steps of the running reload that are due now (respawn_roll_next
 * decides), never waiting: a new worker is forked, the old ones are told to
 * leave, each when its turn comes. Logs reload_done at the end.
 */
static void
pool_roll(struct pool *p)
{
	struct respawn_roll *r = &p->roll;
	int64_t	 now;
	int	 j;

	for (;;) {
		now = clock_ms();
		j = pool_free_slot(p);
		switch (respawn_roll_next(r, now, pool_roll_starting(p), j != -1,
		    now >= p->pace.fork_at_ms)) {
		case RESPAWN_WAIT:
			return;
		case RESPAWN_FORK:
			if (pool_spawn(p, j) == -1) {
				p->pending[j] = 0;	/* the reload forks it */
				return;
			}
			r->started++;
			r->wait_until_ms = now + READY_WAIT_MS;
			p->roll_slot = j;
			break;
		case RESPAWN_RETIRE:
			kill(p->old[r->retired++], SIGTERM);
			break;
		case RESPAWN_DONE:
			p->rolling = 0;
			if (pool_set_tick(TICK_MS) == -1)
				log_errorf("pool: setitimer: %s", strerror(errno));
			log_event("reload_done", NULL);
			return;
		}
	}
}

/*
 * SIGHUP: new configuration, secrets and templates, then the workers are
 * replaced one at a time (a new one accepts before an old one is told to
 * finish its request and leave), so no request is dropped. The replacement
 * runs from the supervisor's loop (pool_roll); a reload during one starts
 * over with every worker then running as old.
 */
static void
pool_reload_workers(struct pool *p)
{
	int	 i;

	if (pool_reload_config(p) == -1)
		return;
	memset(&p->roll, 0, sizeof(p->roll));
	for (i = 0; i < SCORE_MAX_WORKERS; i++) {
		p->pending[i] = 0;
		if (p->sb->slot[i].pid > 0)
			p->old[p->roll.nold++] = p->sb->slot[i].pid;
	}
	p->roll.wanted = p->cfg->workers;
	p->roll_slot = -1;
	p->gen++;
	p->rolling = 1;
	if (pool_set_tick(ROLL_TICK_MS) == -1)
		log_errorf("pool: setitimer: %s", strerror(errno));
	pool_roll(p);
}

/*
 * Stops every worker: each finishes its request and, when the socket's
 * path could be removed first, the connections still queued on it; then
 * SIGKILL for any still busy after shutdown_timeout. A socket systemd
 * passed stays as it is: systemd keeps its queue for the next start.
 */
static void
pool_shutdown(struct pool *p)
{
	int64_t	 deadline = clock_ms() + p->cfg->shutdown_timeout * 1000LL;
	int	 i, left, status;
	pid_t	 pid;

	pool_signal_all(p, startup_unlink_socket(p->listen_fd) ? SIGUSR2 : SIGTERM);
	do {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < SCORE_MAX_WORKERS; i++)
				if (p->sb->slot[i].pid == pid)
					p->sb->slot[i].pid = 0;
		for (left = 0, i = 0; i < SCORE_MAX_WORKERS; i++)
			left += p->sb->slot[i].pid > 0;
		if (left > 0)
			usleep(20 * 1000);
	} while (left > 0 && clock_ms() < deadline);
	pool_signal_all(p, SIGKILL);
	while (waitpid(-1, &status, 0) > 0)
		;
}

/*
 * Runs the pool on listen_fd: keeps cfg->workers workers alive, reloads on
 * SIGHUP (from config_path, calling reload with reload_arg before the
 * workers are replaced), reopens logs on SIGUSR1, stops on SIGTERM or
 * SIGINT letting in-flight requests finish. Returns 0 after a stop, -1 if
 * it could not start.
 */
int
pool_run(struct app *app, struct config *cfg, const char *config_path,
    int listen_fd, pool_reload_fn reload, void *reload_arg)
{
	struct pool	*p;
	sigset_t	 waitmask;
	char		 count[16];
	int		 i;

	if ((p = calloc(1, sizeof(*p))) == NULL || (p->sb = score_create()) == NULL) {
		log_errorf("pool: out of memory");
		free(p);
		return -1;
	}
	p->app = app;
	p->cfg = cfg;
	p->config_path = config_path;
	p->reload = reload;
	p->reload_arg = reload_arg;
	p->listen_fd = listen_fd;
	p->pace.window_start = time(NULL);
	p->sb->workers = cfg->workers;
	if (pool_signals(&waitmask) == -1) {
		log_errorf("pool: cannot install its signal handlers: %s",
		    strerror(errno));
		munmap(p->sb, sizeof(*p->sb));
		free(p);
		return -1;
	}
	for (i = 0; i < cfg->workers; i++)
		pool_spawn(p, i);
	pool_sample(p);
	snprintf(count, sizeof(count), "%d", cfg->workers);
	log_event("pool_started", "workers", count, NULL);
	while (!pool_stopping) {
		sigsuspend(&waitmask);
		if (pool_child_exited) {
			pool_child_exited = 0;
			pool_reap(p);
		}
		if (pool_tick) {
			pool_tick = 0;
			pool_on_tick(p);
		}
		if (pool_reopen) {
			pool_reopen = 0;
			if (log_reopen() == -1)
				log_errorf("log_file: cannot reopen it: %s",
				    strerror(errno));
			pool_signal_all(p, SIGUSR1);
		}
		if (pool_reload && !pool_stopping) {
			pool_reload = 0;
			pool_reload_workers(p);
		} else if (p->rolling && !pool_stopping)
			pool_roll(p);
	}
	log_event("pool_stopping", NULL);
	pool_shutdown(p);
	log_event("pool_stopped", NULL);
	munmap(p->sb, sizeof(*p->sb));
	free(p);
	return 0;
}
