/* One worker process: accept a request, answer it, never die on bad input. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "clock.h"
#include "fcgi_check.h"
#include "fmt.h"
#include "log.h"
#include "page.h"
#include "prune.h"
#include "ratelimit.h"
#include "routes.h"
#include "scoreboard.h"

#define REFUSED_LOG_PER_SECOND	10	/* request_refused lines a worker writes at most */

static volatile sig_atomic_t worker_stopping, worker_draining, worker_reopen;

/* What one worker holds for its whole life. */
struct worker {
	struct app		*app;
	int			 listen_fd;
	int			 wait_fd;	/* epoll: woken alone for the listening socket */
	FCGX_Request		 fr;		/* the request in hand (libfcgi's) */
	struct http_response	 resp;
	struct fcgi_check	*check;		/* admits requests before libfcgi reads them */
	struct ratelimit	 refused;	/* request_refused lines, against a flood */
};

/*
 * SIGTERM/SIGINT: finish the request in hand, then leave. SIGUSR2 (the
 * supervisor's shutdown, after it unlinked the socket): also answer the
 * connections still queued on the socket first.
 */
static void
worker_on_stop(int sig)
{
	worker_stopping = 1;
	if (sig == SIGUSR2)
		worker_draining = 1;
}

/* SIGUSR1: reopen the log file between requests. */
static void
worker_on_reopen(int sig)
{
	(void)sig;
	worker_reopen = 1;
}

/*
 * Installs the worker's signal dispositions (no SA_RESTART: accept must
 * return). Returns 0, or -1 with errno set.
 */
static int
worker_signals(void)
{
	struct sigaction sa;
	sigset_t	 none;
	int		 rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_stop;
	sigemptyset(&sa.sa_mask);
	rc |= sigaction(SIGTERM, &sa, NULL);
	rc |= sigaction(SIGINT, &sa, NULL);
	rc |= sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = worker_on_reopen;
	rc |= sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	rc |= sigaction(SIGPIPE, &sa, NULL);
	rc |= sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	rc |= sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	rc |= sigprocmask(SIG_SETMASK, &none, NULL);
	return rc == 0 ? 0 : -1;
}

/* Routes one request to its handler (an AUTHORIZER one to the gateway), or to the error page that fits. */
static void
worker_dispatch(struct ctx *c, FCGX_Request *fr)
{
	route_handler	 handler = NULL;
	char		 allow[64];
	int		 status;

	if ((status = http_request_init(c->req, fr->envp)) != 0) {
		page_error(c, status, "The request could not be understood.");
		return;
	}
	if (fr->role == FCGI_AUTHORIZER) {	/* Apache asks about its request */
		sess_read_cookie(&c->env, &c->sess);
		page_authorizer(c, FCGX_GetParam("REQUEST_URI", fr->envp) ?
		    FCGX_GetParam("REQUEST_URI", fr->envp) : c->req->path);
		return;
	}
	status = route_find(c->req->path, c->req->method, &handler, allow,
	    sizeof(allow));
	if (status == 404) {
		page_error(c, 404, "There is no page at this address.");
		return;
	}
	if (status == 405) {
		http_header(c->resp, "Allow", allow);
		page_error(c, 405, "This page does not take that method.");
		return;
	}
	if (strcmp(c->req->method, "POST") == 0 && !http_same_origin(c->req)) {
		log_event("origin_rejected", "path", c->req->path, "addr",
		    c->req->remote_addr, NULL);
		page_error(c, 403, "This form was sent from another site.");
		return;
	}
	if (strcmp(c->req->method, "POST") == 0 &&
	    (status = http_request_read_body(c->req, fr->in, fr->envp,
	    (size_t)c->app->cfg->max_body)) != 0) {
		page_error(c, status, status == 413 ?
		    "The form sent was too large." : status == 415 ?
		    "Forms must be sent as application/x-www-form-urlencoded." :
		    "The form sent was malformed.");
		return;
	}
	sess_read_cookie(&c->env, &c->sess);
	handler(c);
}

/*
 * Spares the connection libfcgi's lingering close (shutdown, then poll and
 * read until the web server hangs up: three system calls and a wait on the
 * other side) when a plain close cannot cost the response: the web server
 * does not keep the connection, sent the request with its last record,
 * and every byte of it has been read, so none is left for the kernel to
 * answer with a reset.
 */
static void
worker_close_plainly_if_read(struct worker *w)
{
	int	 unread;

	if (!w->fr.keepConnection && fcgi_check_ended(w->check) &&
	    ioctl(w->fr.ipcFd, FIONREAD, &unread) == 0 && unread == 0)
		FCGX_Detach(&w->fr);
}

/* Answers one accepted request and releases everything it held. */
static void
worker_handle(struct worker *w)
{
	struct http_request req;
	struct ctx	 c;
	const char	*uri = FCGX_GetParam("REQUEST_URI", w->fr.envp);
	char		 path[SCORE_PATH_MAX];
	int64_t		 began = clock_us();

	fmt_copy_n(path, sizeof(path), uri ? uri : "",
	    uri ? strcspn(uri, "?") : 0);	/* without the query */
	score_request_begin(w->app->slot, path);
	db_set_path(w->app->db, path);
	memset(&c, 0, sizeof(c));
	c.app = w->app;
	c.req = &req;
	c.resp = &w->resp;
	c.env = (struct sess_env){ w->app->cfg, w->app->keys, w->app->db, &req,
	    &w->resp };
	worker_dispatch(&c, &w->fr);
	if (http_response_send(w->fr.out, &w->resp, &req) == -1)
		log_event("response_failed", "path", req.path, NULL);
	score_request_end(w->app->slot, route_id(req.path), w->resp.status,
	    clock_us() - began);
	sess_free(&c.sess);
	http_request_free(&req);
	http_response_reset(&w->resp);
	db_set_path(w->app->db, NULL);
	worker_close_plainly_if_read(w);
	FCGX_Finish_r(&w->fr);
}

/*
 * Logs request_refused_suppressed with how many request_refused lines the
 * rate limit held back, once the second they fell in is over.
 */
static void
worker_refused_summary(struct worker *w)
{
	uint64_t	 held;
	char		 n[FMT_INT_MAX];

	/* nothing held back (every request but in a flood): no clock to read */
	if (w->refused.held == 0 ||
	    (held = ratelimit_summary(&w->refused, clock_ms())) == 0)
		return;
	fmt_int(n, (long long)held);
	log_event("request_refused_suppressed", "suppressed", n, NULL);
}

/*
 * Counts a refused request and logs why, at most REFUSED_LOG_PER_SECOND
 * lines a second: a peer flooding the socket with malformed records must
 * not flood the log too. What is held back is said in one summary line.
 */
static void
worker_refused(struct worker *w, const char *why)
{
	score_count(SC_REQUESTS_REFUSED);
	worker_refused_summary(w);
	if (ratelimit_allow(&w->refused, clock_ms(), REFUSED_LOG_PER_SECOND))
		log_event("request_refused", "reason", why, NULL);
}

/*
 * Admits the connection in w->fr.ipcFd: its request must arrive whole and
 * well-formed within request_read_timeout (fcgi_check.c), else it is
 * closed unread. Returns 0 with libfcgi holding the request, -1 if refused.
 */
static int
worker_admit(struct worker *w)
{
	const char	*why;
	int		 rc;

	score_worker_state(w->app->slot, SCORE_ACCEPTING);
	if (fcgi_check_wait(w->check, w->fr.ipcFd,
	    w->app->cfg->request_read_timeout * 1000, &why) == -1) {
		worker_refused(w, why);
		close(w->fr.ipcFd);
		w->fr.ipcFd = -1;
		score_worker_state(w->app->slot, SCORE_IDLE);
		return -1;
	}
	/* FCGX_Accept_r first finishes the last request: it must not close this one */
	w->fr.keepConnection = 1;
	rc = FCGX_Accept_r(&w->fr);
	score_worker_state(w->app->slot, SCORE_IDLE);
	return rc >= 0 ? 0 : -1;
}

/*
 * Takes a connection queued on the listening socket into fr->ipcFd.
 * Returns 1 with one, 0 if there was none to take (another worker was
 * quicker, or a signal came), -1 on a failure that must stop the worker.
 */
static int
worker_take(struct worker *w)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t	 len = sizeof(sa);
	int		 fd, one = 1;

	if ((fd = accept4(w->listen_fd, (struct sockaddr *)&sa, &len,
	    SOCK_CLOEXEC)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return 0;
		log_errorf("worker: accept: %s", strerror(errno));
		return -1;
	}
	/* no replies to wait for: libfcgi did the same */
	if ((sa.ss_family == AF_INET || sa.ss_family == AF_INET6) &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_errorf("worker: TCP_NODELAY: %s", strerror(errno));
	w->fr.ipcFd = fd;
	return 1;
}

/*
 * Waits for the next well-formed request: on the connection libfcgi kept
 * (FCGI_KEEP_CONN), else on the listening socket; until a signal says
 * stop when block, else only among the connections already queued (the
 * drain at shutdown). Returns 0 with one accepted, -1 when none comes.
 */
static int
worker_next(struct worker *w, int block)
{
	struct epoll_event ev;
	int		 rc;

	for (;;) {
		if (block && worker_reopen) {
			worker_reopen = 0;
			if (log_reopen() == -1)
				log_errorf("log_file: cannot reopen it: %s",
				    strerror(errno));
		}
		if (block && worker_stopping)
			return -1;
		worker_refused_summary(w);
		if (w->fr.ipcFd < 0) {
			/* under load one is queued: take it before waiting */
			if ((rc = worker_take(w)) == -1)
				return -1;
			/* a summary of refusals held back is due when their second ends */
			if (rc == 0) {
				if ((rc = epoll_wait(w->wait_fd, &ev, 1, block ?
				    ratelimit_wait_ms(&w->refused, clock_ms()) :
				    0)) == -1 && errno != EINTR)
					return -1;
				if (rc == 0 && !block)
					return -1;
				/*
				 * Woken for a connection, maybe alone among the
				 * workers: take it even when told to stop since,
				 * or it could wait unseen for the next one.
				 */
				if (rc <= 0 || (rc = worker_take(w)) == 0)
					continue;
				if (rc == -1)
					return -1;
			}
		}
		if (worker_admit(w) == 0)
			return 0;
	}
}

/*
 * Makes the worker's epoll instance for the listening socket. EPOLLEXCLUSIVE:
 * a connection wakes one waiting worker, not all of them (with poll each
 * woke every idle worker, all but one of which found nothing to accept).
 * Returns the descriptor, or -1.
 */
static int
worker_wait_fd(int listen_fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	int		 fd;

	if ((fd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	ev.data.fd = listen_fd;
	if (epoll_ctl(fd, EPOLL_CTL_ADD, listen_fd, &ev) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The worker's life: when connect_first, connect to the database and
 * prepare every statement; then accept and answer until told to stop.
 * Connecting before accepting keeps that cost (a few milliseconds, tens on
 * a loaded machine) off the first requests of a worker started with the
 * pool, by a reload or after max_requests: the others serve meanwhile. A
 * worker replacing a crashed one connects for the first request that needs
 * the database instead, so that input crashing workers cannot make
 * PostgreSQL set up a connection per crash; so does any worker whose
 * connection failed. Never returns.
 */
void
worker_run(struct app *app, int listen_fd, int connect_first)
{
	struct worker		 w = { .app = app, .listen_fd = listen_fd };
	const struct config	*cfg = app->cfg;
	int			 flags;

	if (worker_signals() == -1) {
		log_errorf("worker: cannot set up its signals: %s", strerror(errno));
		_exit(1);
	}
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&w.fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_errorf("worker: cannot initialise FastCGI");
		_exit(1);
	}
	/* several workers wait on one socket: accept must not wait for the next connection */
	if ((flags = fcntl(listen_fd, F_GETFL)) == -1 ||
	    fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    (w.wait_fd = worker_wait_fd(listen_fd)) == -1) {
		log_errorf("worker: listening socket: %s", strerror(errno));
		_exit(1);
	}
	app->db = db_new(cfg->database, cfg->connect_timeout,
	    cfg->statement_timeout, cfg->db_prepared);
	w.check = fcgi_check_new((size_t)cfg->max_body);
	if (app->db == NULL || w.check == NULL) {
		log_errorf("worker: out of memory");
		_exit(1);
	}
	db_share_outage(app->db, &app->score->db_outage);
	db_commit_nowait(app->db);	/* touches skip the disk wait (session.c) */
	/* a failure is logged there; the first request to need the database tries again */
	if (connect_first)
		(void)!db_connect(app->db);
	http_response_init(&w.resp);
	score_worker_ready(app->slot);
	while (worker_next(&w, 1) == 0) {
		worker_handle(&w);
		prune_tick(app->db, cfg->prune_interval);
		if (cfg->max_requests > 0 &&
		    app->slot->requests >= (uint64_t)cfg->max_requests)
			break;	/* recycled: the supervisor forks a fresh one */
	}
	while (worker_draining && worker_next(&w, 0) == 0)
		worker_handle(&w);
	http_response_free(&w.resp);
	fcgi_check_free(w.check);
	db_free(app->db);
	_exit(0);
}
