/* The supervisor: the listening socket, privileges, and N workers kept alive. */
#include "pool.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "listenq.h"
#include "log.h"
#include "passwd.h"
#include "respawn.h"
#include "scoreboard.h"
#include "view.h"
#include "worker.h"

#define LISTEN_BACKLOG		1024
#define TICK_MS			250	/* how often timeouts and delayed respawns are checked */
#define ROLL_TICK_MS		20	/* ... and while a reload waits for a new worker to accept */
#define BACKOFF_MAX		30	/* seconds between respawns while workers keep crashing */
#define READY_WAIT_MS		3000	/* how long a reload waits for a new worker to accept */

static volatile sig_atomic_t pool_stopping, pool_child_exited, pool_reload,
    pool_reopen, pool_tick;
static int	pool_socket_from_systemd;	/* systemd owns the socket and its queue */

/* The supervisor's own state; what workers may see is in the scoreboard. */
struct pool {
	struct app		*app;
	struct config		*cfg;		/* the live configuration (reload swaps it) */
	struct token_keys	*keys;
	const char		*config_path;
	int			 listen_fd;
	struct scoreboard	*sb;
	int			 gen;			/* bumped by each reload */
	int			 slot_gen[SCORE_MAX_WORKERS];
	int			 pending[SCORE_MAX_WORKERS];	/* respawn when backoff ends */
	int			 doomed[SCORE_MAX_WORKERS];	/* killed for request_timeout */
	int			 crashed[SCORE_MAX_WORKERS];	/* its last worker crashed */
	int64_t			 slow_logged[SCORE_MAX_WORKERS];	/* busy_since_ms already logged */
	time_t			 window_start;		/* crash counting */
	int			 window_crashes;
	int			 backoff;		/* seconds; 0 = none */
	int			 deferred;		/* respawns wait for the back-off */
	int64_t			 respawn_at_ms;
	int			 fork_failures;		/* failed forks in a row */
	int64_t			 fork_at_ms;		/* no fork before this */
	int			 rolling;		/* a reload replaces the workers */
	struct respawn_roll	 roll;
	int			 roll_slot;		/* its newest worker's slot, or -1 */
	pid_t			 old[SCORE_MAX_WORKERS];	/* the workers it retires */
};

/*
 * Started as root, gives the socket to socket_user/socket_group (default:
 * user/group). Returns 0, or -1 with err naming the key whose user or group
 * does not exist, or why chown failed.
 */
static int
pool_chown_socket(const struct config *cfg, const char *path, char *err,
    size_t errsz)
{
	const char	*ukey = cfg->socket_user[0] ? "socket_user" : "user";
	const char	*gkey = cfg->socket_group[0] ? "socket_group" : "group";
	const char	*user = cfg->socket_user[0] ? cfg->socket_user : cfg->user;
	const char	*group = cfg->socket_group[0] ? cfg->socket_group : cfg->group;
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid = (uid_t)-1;
	gid_t		 gid = (gid_t)-1;

	if (geteuid() != 0)
		return 0;
	if (*user != '\0') {
		if ((pw = getpwnam(user)) == NULL) {
			snprintf(err, errsz, "%s: %s: no such user", ukey, user);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (*group != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errsz, "%s: %s: no such group", gkey, group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (chown(path, uid, gid) == -1) {
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Removes a stale socket file at sun's path: one nothing accepts on. Returns
 * 0 (removed, or no socket there), or -1 with err when something accepts
 * connections on it (another pool: taking its path over would orphan it).
 */
static int
pool_clear_stale_socket(const struct sockaddr_un *sun, char *err, size_t errsz)
{
	struct stat	 st;
	int		 fd, live;

	if (lstat(sun->sun_path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errsz, "listen: %s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN;
	close(fd);
	if (live) {
		snprintf(err, errsz, "listen: %s: another process accepts "
		    "connections on this socket (a pool already running?)",
		    sun->sun_path);
		return -1;
	}
	unlink(sun->sun_path);
	return 0;
}

/* Opens a unix socket at path with the configured mode. Returns the fd, or -1 with err. */
static int
pool_listen_unix(const struct config *cfg, const char *path, char *err,
    size_t errsz)
{
	struct sockaddr_un sun;
	int		 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "listen: socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (pool_clear_stale_socket(&sun, err, errsz) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)cfg->socket_mode) == -1)
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
	else if (pool_chown_socket(cfg, path, err, errsz) == 0) {
		if (listen(fd, LISTEN_BACKLOG) == 0)
			return fd;
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
	}
	if (fd != -1)
		close(fd);
	return -1;
}

/* Opens a TCP socket on host:port. Returns the fd, or -1 with err. */
static int
pool_listen_tcp(const char *addr, char *err, size_t errsz)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], *colon;
	int		 fd = -1, one = 1, rc;

	snprintf(host, sizeof(host), "%s", addr);
	if ((colon = strrchr(host, ':')) == NULL) {
		snprintf(err, errsz, "listen: expected a path or host:port: %s",
		    addr);
		return -1;
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errsz, "listen: %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errsz, "listen: %s: %s", addr, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Returns the socket systemd passed (fd 3, socket activation) if it passed one to us, else -1. */
static int
pool_systemd_socket(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int		 type;
	socklen_t	 len = sizeof(type);

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() ||
	    atoi(fds) < 1 ||
	    getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	pool_socket_from_systemd = 1;
	return 3;
}

/*
 * Returns the listening socket: the one systemd passed (socket activation),
 * else the one configured in listen (a path, or unix:path, or host:port),
 * else the one spawn-fcgi handed over on fd 0. Returns -1 with a one-line
 * reason in err.
 */
int
pool_listen(const struct config *cfg, char *err, size_t errsz)
{
	int		 type, fd;
	socklen_t	 len = sizeof(type);

	if ((fd = pool_systemd_socket()) != -1)
		return fd;
	if (strncmp(cfg->listen, "unix:", 5) == 0)
		return pool_listen_unix(cfg, cfg->listen + 5, err, errsz);
	if (cfg->listen[0] == '/')
		return pool_listen_unix(cfg, cfg->listen, err, errsz);
	if (cfg->listen[0] != '\0')
		return pool_listen_tcp(cfg->listen, err, errsz);
	if (getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) == -1) {
		snprintf(err, errsz, "listen: not set, and standard input is "
		    "not a socket (start under spawn-fcgi or set listen)");
		return -1;
	}
	return 0;
}

/*
 * Looks up the configured user (unprivileged) and group (default: the
 * user's). Returns 0 with their ids, or -1 with a one-line reason in err.
 */
int
pool_user_ids(const struct config *cfg, uid_t *uid, gid_t *gid, char *err,
    size_t errsz)
{
	struct passwd	*pw;
	struct group	*gr = NULL;

	if (cfg->user[0] == '\0') {
		snprintf(err, errsz, "user: refusing to serve as root; "
		    "set user (and group) to an unprivileged account");
		return -1;
	}
	if ((pw = getpwnam(cfg->user)) == NULL || pw->pw_uid == 0) {
		snprintf(err, errsz, "user: %s: no such unprivileged user",
		    cfg->user);
		return -1;
	}
	if (cfg->group[0] != '\0' && (gr = getgrnam(cfg->group)) == NULL) {
		snprintf(err, errsz, "group: %s: no such group", cfg->group);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
	return 0;
}

/*
 * Started as root, becomes the configured user and group and checks that
 * root cannot be regained; refuses to stay root. Then the process may dump
 * core again (the kernel forbids it after a change of user), as it would
 * started as that user: RLIMIT_CORE (ulimit -c, systemd's LimitCORE)
 * decides. Not root: nothing to do. Returns 0, or -1 with a one-line
 * reason in err.
 */
int
pool_drop_privileges(const struct config *cfg, char *err, size_t errsz)
{
	uid_t	 uid;
	gid_t	 gid;

	if (geteuid() != 0)
		return 0;
	if (pool_user_ids(cfg, &uid, &gid, err, errsz) == -1)
		return -1;
	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1 || setuid(0) != -1 || geteuid() == 0) {
		snprintf(err, errsz, "user: cannot become %s: %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 1) == -1) {
		snprintf(err, errsz, "user: cannot allow core dumps: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

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
		p->fork_failures++;
		p->fork_at_ms = clock_ms() +
		    respawn_fork_delay_ms(p->fork_failures);
		return -1;
	}
	p->fork_failures = 0;
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
 * Counts a crash: past crash_limit within crash_window the supervisor says
 * so loudly and, when slow_down, delays respawns more and more. A crash
 * that does not slow the pool down is alerted once per window.
 */
static void
pool_count_crash(struct pool *p, int slow_down)
{
	time_t	 now = time(NULL);
	char	 n[16], backoff[16];

	if (now - p->window_start > p->cfg->crash_window) {
		p->window_start = now;
		p->window_crashes = 0;
		p->backoff = 0;
	}
	if (++p->window_crashes <= p->cfg->crash_limit)
		return;
	if (slow_down) {
		p->backoff = p->backoff ? p->backoff * 2 : 1;
		if (p->backoff > BACKOFF_MAX)
			p->backoff = BACKOFF_MAX;
		p->respawn_at_ms = clock_ms() + p->backoff * 1000;
	} else if (p->window_crashes != p->cfg->crash_limit + 1)
		return;
	snprintf(n, sizeof(n), "%d", p->window_crashes);
	snprintf(backoff, sizeof(backoff), "%ds", slow_down ? p->backoff : 0);
	log_event("ALERT_workers_crashing", "crashes", n, "backoff", backoff,
	    "msg", slow_down ? "workers keep dying; respawning slowly until "
	    "they stop" : "workers keep dying while reading requests; "
	    "respawning at once", NULL);
}

/*
 * Counts why the worker in slot i left: killed for request_timeout, crashed,
 * replaced by a reload, or (a clean exit of the current generation)
 * recycled after max_requests.
 */
static void
pool_count_exit(const struct pool *p, int i, int crashed)
{
	if (p->doomed[i])
		score_count(SC_RESTART_TIMEOUT);
	else if (crashed)
		score_count(SC_RESTART_CRASH);
	else if (p->slot_gen[i] != p->gen)
		score_count(SC_RESTART_RELOAD);
	else
		score_count(SC_RESTART_MAX_REQUESTS);
}

/* Reaps exited workers and replaces those of the current generation (later, while backing off). */
static void
pool_reap(struct pool *p)
{
	struct score_slot *slot;
	pid_t	 pid;
	int	 status, i, crashed, state;

	while ((pid = waitpid(WAIT_ANY, &status, WNOHANG)) > 0) {
		for (i = 0; i < SCORE_MAX_WORKERS && p->sb->slot[i].pid != pid; i++)
			;
		if (i == SCORE_MAX_WORKERS)
			continue;
		slot = &p->sb->slot[i];
		state = slot->state;
		crashed = pool_log_exit(p, i, status,
		    state == SCORE_BUSY ? slot->path : "") && !p->doomed[i];
		p->sb->requests += slot->requests;
		memset(slot, 0, sizeof(*slot));
		if (!pool_stopping)
			pool_count_exit(p, i, crashed);
		/*
		 * A worker killed by what a client sent before its request was
		 * complete must not slow the whole pool down: such crashes are
		 * counted and alerted, not backed off.
		 */
		if (crashed)
			pool_count_crash(p, state != SCORE_ACCEPTING);
		p->crashed[i] = crashed;
		if (pool_stopping || p->slot_gen[i] != p->gen ||
		    pool_active(p) >= p->cfg->workers)
			continue;
		if (crashed && p->backoff > 0 && clock_ms() < p->respawn_at_ms)
			p->pending[i] = p->deferred = 1;
		else if (clock_ms() < p->fork_at_ms)
			p->pending[i] = 1;
		else
			pool_spawn(p, i);
	}
}

/* Logs, once per request and while it still runs, a request busy for longer than slow_log. */
static void
pool_slow_log(struct pool *p, int i, int64_t now)
{
	const struct score_slot *slot = &p->sb->slot[i];
	int64_t	 since = slot->busy_since_ms;
	char	 pid[16], ms[24];

	if (p->cfg->slow_log == 0 || slot->state != SCORE_BUSY ||
	    now - since < p->cfg->slow_log * 1000LL || p->slow_logged[i] == since)
		return;
	p->slow_logged[i] = since;
	score_count(SC_SLOW_REQUESTS);
	snprintf(pid, sizeof(pid), "%d", (int)slot->pid);
	snprintf(ms, sizeof(ms), "%lld", (long long)(now - since));
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

	if (now < p->respawn_at_ms || now < p->fork_at_ms)
		return;
	for (i = 0; i < SCORE_MAX_WORKERS; i++)
		if (p->pending[i] && pool_spawn(p, i) > 0)
			respawned++;
	if (respawned == 0 || !p->deferred)
		return;
	p->deferred = 0;
	snprintf(n, sizeof(n), "%d", respawned);
	snprintf(backoff, sizeof(backoff), "%ds", p->backoff);
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
	if (queue > 0 && waiting == 0)
		score_count(SC_MAX_WORKERS_REACHED);
}

/* Every tick: respawns delayed workers, logs slow requests, kills workers stuck past request_timeout, samples the metrics. */
static void
pool_on_tick(struct pool *p)
{
	struct score_slot *slot;
	int64_t	 now = clock_ms(), limit = p->cfg->request_timeout * 1000LL;
	char	 pid[16], ms[24];
	int	 i;

	pool_end_backoff(p, now);
	for (i = 0; i < SCORE_MAX_WORKERS; i++) {
		slot = &p->sb->slot[i];
		if (slot->pid <= 0)
			continue;
		pool_slow_log(p, i, now);
		if (limit == 0 || slot->state != SCORE_BUSY ||
		    p->doomed[i] || now - slot->busy_since_ms <= limit)
			continue;
		snprintf(pid, sizeof(pid), "%d", (int)slot->pid);
		snprintf(ms, sizeof(ms), "%lld", (long long)(now - slot->busy_since_ms));
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
 * Loads the configuration file, secrets and templates afresh. Returns 0
 * with them swapped in, or -1 (logged) with the old ones untouched.
 */
static int
pool_reload_config(struct pool *p)
{
	struct config	 next;
	struct token_keys keys;
	char		 err[512], keys_changed[256];

	if (config_load(&next, p->config_path, err, sizeof(err)) == -1 ||
	    token_keys_load(&keys, next.secret_file, err, sizeof(err)) == -1) {
		log_event("reload_refused", "reason", err, NULL);
		config_free(&next);
		return -1;
	}
	if (view_init(next.templates, err, sizeof(err)) == -1) {
		log_event("reload_refused", "reason", err, NULL);
		token_keys_wipe(&keys);
		config_free(&next);
		return -1;
	}
	if (config_restart_keys(p->cfg, &next, keys_changed, sizeof(keys_changed)) > 0)
		log_event("reload_partial", "keys", keys_changed, "msg",
		    "these take effect at the next restart", NULL);
	config_free(p->cfg);
	*p->cfg = next;
	p->sb->workers = p->cfg->workers;
	*p->keys = keys;
	token_keys_wipe(&keys);
	passwd_configure((unsigned long long)p->cfg->password_opslimit,
	    (size_t)p->cfg->password_memlimit);
	if (passwd_dummy_init() == -1)
		log_errorf("reload: cannot remake the dummy password hash");
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
		    now >= p->fork_at_ms)) {
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
 * Removes the path of the unix socket the pool listens on, so new
 * connections are refused while the queued ones are answered. Returns 1
 * if it did, 0 for a TCP socket or a path it may not remove.
 */
static int
pool_unlink_socket(int fd)
{
	struct sockaddr_un sun;
	socklen_t	 len = sizeof(sun);

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX || sun.sun_path[0] == '\0' ||
	    unlink(sun.sun_path) == -1)
		return 0;
	return 1;
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

	pool_signal_all(p, !pool_socket_from_systemd &&
	    pool_unlink_socket(p->listen_fd) ? SIGUSR2 : SIGTERM);
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
 * SIGHUP (from config_path), reopens logs on SIGUSR1, stops on SIGTERM or
 * SIGINT letting in-flight requests finish. Returns 0 after a stop, -1 if
 * it could not start.
 */
int
pool_run(struct app *app, struct config *cfg, struct token_keys *keys,
    const char *config_path, int listen_fd)
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
	p->keys = keys;
	p->config_path = config_path;
	p->listen_fd = listen_fd;
	p->window_start = time(NULL);
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
