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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define LISTEN_BACKLOG		1024
#define SHUTDOWN_TIMEOUT	10	/* seconds in-flight requests get on stop */
#define CRASH_WINDOW		10	/* seconds */

static volatile sig_atomic_t pool_stopping, pool_child_exited;

/* Started as root, gives the socket to the configured user and group (the web server's side). */
static int
pool_chown_socket(const struct config *cfg, const char *path)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid = (uid_t)-1;
	gid_t		 gid = (gid_t)-1;

	if (geteuid() != 0)
		return 0;
	if (cfg->user[0] != '\0' && (pw = getpwnam(cfg->user)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (cfg->group[0] != '\0' && (gr = getgrnam(cfg->group)) != NULL)
		gid = gr->gr_gid;
	return chown(path, uid, gid);
}

/* Opens a unix socket at path with the configured mode. Returns the fd, or -1 with err. */
static int
pool_listen_unix(const struct config *cfg, const char *path, char *err,
    size_t errsz)
{
	struct sockaddr_un sun;
	struct stat	 st;
	int		 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "listen: socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)cfg->socket_mode) == -1 ||
	    pool_chown_socket(cfg, path) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
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
 * Started as root, becomes the configured user and group and checks that
 * root cannot be regained; refuses to stay root. Not root: nothing to do.
 * Returns 0, or -1 with a one-line reason in err.
 */
int
pool_drop_privileges(const struct config *cfg, char *err, size_t errsz)
{
	struct passwd	*pw;
	struct group	*gr = NULL;
	gid_t		 gid;

	if (geteuid() != 0)
		return 0;
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
	gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 ||
	    setuid(pw->pw_uid) == -1 || setuid(0) != -1 || geteuid() == 0) {
		snprintf(err, errsz, "user: cannot become %s: %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* SIGTERM/SIGINT: stop; SIGCHLD: a worker exited. */
static void
pool_on_signal(int sig)
{
	if (sig == SIGCHLD)
		pool_child_exited = 1;
	else
		pool_stopping = 1;
}

/* Installs the supervisor's handlers, blocked except while it waits. */
static void
pool_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t	 block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pool_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGCHLD);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

/* Forks one worker into slot i. Returns its pid, or -1. */
static pid_t
pool_spawn(struct app *app, int listen_fd, pid_t *pids, int i)
{
	pid_t	 pid = fork();

	if (pid == 0)
		worker_run(app, listen_fd);
	if (pid == -1)
		log_errorf("fork: %s", strerror(errno));
	pids[i] = pid;
	return pid;
}

/* Describes how a worker ended, for the log. */
static void
pool_log_exit(pid_t pid, int status)
{
	char	 p[16], how[64];

	snprintf(p, sizeof(p), "%d", (int)pid);
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
	log_event("worker_exited", "pid", p, "how", how, NULL);
}

/* Reaps exited workers and, unless stopping, replaces them (slower when they keep crashing). */
static void
pool_reap(struct app *app, int listen_fd, pid_t *pids, int n,
    time_t *window, int *crashes)
{
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n && pids[i] != pid; i++)
			;
		if (i == n)
			continue;
		pids[i] = -1;
		pool_log_exit(pid, status);
		if (pool_stopping)
			continue;
		if (time(NULL) - *window > CRASH_WINDOW) {
			*window = time(NULL);
			*crashes = 0;
		}
		if (++*crashes > 2 * n) {
			log_event("workers_crashing", "msg",
			    "workers keep exiting; backing off 1s", NULL);
			sleep(1);
		}
		pool_spawn(app, listen_fd, pids, i);
	}
}

/* Stops every worker: SIGTERM, then SIGKILL for any still busy after the timeout. */
static void
pool_shutdown(pid_t *pids, int n)
{
	int	 i, left, status;
	time_t	 deadline = time(NULL) + SHUTDOWN_TIMEOUT;
	pid_t	 pid;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	do {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < n; i++)
				if (pids[i] == pid)
					pids[i] = -1;
		for (left = 0, i = 0; i < n; i++)
			left += pids[i] > 0;
		if (left > 0)
			usleep(50 * 1000);
	} while (left > 0 && time(NULL) < deadline);
	for (i = 0; i < n; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
		}
}

/*
 * Forks cfg->workers workers on listen_fd and keeps that many alive until
 * SIGTERM or SIGINT; then lets in-flight requests finish. Returns 0, or 1
 * if no worker could be started.
 */
int
pool_run(struct app *app, int listen_fd)
{
	int	 n = app->cfg->workers, i, crashes = 0;
	pid_t	*pids;
	time_t	 window = time(NULL);
	sigset_t waitmask;
	char	 count[16];

	if ((pids = calloc((size_t)n, sizeof(*pids))) == NULL)
		return 1;
	pool_signals(&waitmask);
	for (i = 0; i < n; i++)
		if (pool_spawn(app, listen_fd, pids, i) == -1) {
			pool_shutdown(pids, n);
			free(pids);
			return 1;
		}
	snprintf(count, sizeof(count), "%d", n);
	log_event("pool_started", "workers", count, NULL);
	while (!pool_stopping) {
		sigsuspend(&waitmask);
		if (pool_child_exited) {
			pool_child_exited = 0;
			pool_reap(app, listen_fd, pids, n, &window, &crashes);
		}
	}
	log_event("pool_stopping", NULL);
	pool_shutdown(pids, n);
	free(pids);
	log_event("pool_stopped", NULL);
	return 0;
}
