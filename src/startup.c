/* Start-up: the listening socket (systemd's, a path, host:port or fd 0), its owner, and the drop of privileges. */
#include "startup.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG		1024

static int	startup_from_systemd;	/* systemd owns the socket and its queue */

/*
 * Started as root, gives the socket to socket_user/socket_group (default:
 * user/group). Returns 0, or -1 with err naming the key whose user or group
 * does not exist, or why chown failed.
 */
static int
startup_chown_socket(const struct config *cfg, const char *path, char *err,
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
startup_clear_stale_socket(const struct sockaddr_un *sun, char *err, size_t errsz)
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
startup_listen_unix(const struct config *cfg, const char *path, char *err,
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
	if (startup_clear_stale_socket(&sun, err, errsz) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)cfg->socket_mode) == -1)
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
	else if (startup_chown_socket(cfg, path, err, errsz) == 0) {
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
startup_listen_tcp(const char *addr, char *err, size_t errsz)
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
startup_systemd_socket(void)
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
	startup_from_systemd = 1;
	return 3;
}

/*
 * Returns the listening socket: the one systemd passed (socket activation),
 * else the one configured in listen (a path, or unix:path, or host:port),
 * else the one spawn-fcgi handed over on fd 0. Returns -1 with a one-line
 * reason in err.
 */
int
startup_listen(const struct config *cfg, char *err, size_t errsz)
{
	int		 type, fd;
	socklen_t	 len = sizeof(type);

	if ((fd = startup_systemd_socket()) != -1)
		return fd;
	if (strncmp(cfg->listen, "unix:", 5) == 0)
		return startup_listen_unix(cfg, cfg->listen + 5, err, errsz);
	if (cfg->listen[0] == '/')
		return startup_listen_unix(cfg, cfg->listen, err, errsz);
	if (cfg->listen[0] != '\0')
		return startup_listen_tcp(cfg->listen, err, errsz);
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
startup_user_ids(const struct config *cfg, uid_t *uid, gid_t *gid, char *err,
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
startup_drop_privileges(const struct config *cfg, char *err, size_t errsz)
{
	uid_t	 uid;
	gid_t	 gid;

	if (geteuid() != 0)
		return 0;
	if (startup_user_ids(cfg, &uid, &gid, err, errsz) == -1)
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

/*
 * Removes the path of the unix socket fd (the one startup_listen returned),
 * so new connections are refused while the queued ones are answered. A
 * socket systemd passed stays as it is: systemd keeps its queue for the
 * next start. Returns 1 if it removed the path, 0 for a socket systemd
 * passed, a TCP socket or a path it may not remove.
 */
int
startup_unlink_socket(int fd)
{
	struct sockaddr_un sun;
	socklen_t	 len = sizeof(sun);

	memset(&sun, 0, sizeof(sun));
	if (startup_from_systemd || getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX || sun.sun_path[0] == '\0' ||
	    unlink(sun.sun_path) == -1)
		return 0;
	return 1;
}
