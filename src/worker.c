/* One worker process: accept a request, answer it, never die on bad input. */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "log.h"
#include "page.h"
#include "prune.h"
#include "routes.h"
#include "scoreboard.h"

static volatile sig_atomic_t worker_stopping, worker_draining, worker_reopen;

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

/* SIGALRM: only interrupts a read that a client stalled (see worker_accept). */
static void
worker_on_alarm(int sig)
{
	(void)sig;
}

/* SIGUSR1: reopen the log file between requests. */
static void
worker_on_reopen(int sig)
{
	(void)sig;
	worker_reopen = 1;
}

/* Installs the worker's signal dispositions (no SA_RESTART: accept must return). */
static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t	 none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = worker_on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = worker_on_reopen;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
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
		sess_read_cookie(c);
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
	sess_read_cookie(c);
	handler(c);
}

/* Answers one accepted request and releases everything it held. */
static void
worker_handle(struct app *app, FCGX_Request *fr, struct http_response *resp)
{
	struct http_request req;
	struct ctx	 c;
	const char	*uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	char		 path[SCORE_PATH_MAX];
	int64_t		 began = clock_us();

	snprintf(path, sizeof(path), "%.*s", uri ? (int)strcspn(uri, "?") : 0,
	    uri ? uri : "");
	score_request_begin(app->slot, path);
	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = &req;
	c.resp = resp;
	worker_dispatch(&c, fr);
	if (http_response_send(fr->out, resp, &req) == -1)
		log_event("response_failed", "path", req.path, NULL);
	score_request_end(app->slot, route_id(req.path), resp->status,
	    clock_us() - began);
	sess_free(&c.sess);
	http_request_free(&req);
	http_response_reset(resp);
}

/*
 * Accepts one connection and reads its request's first records, with an
 * alarm after timeout seconds (0: none), so a client that stalls before its
 * request is complete is dropped instead of pinning the worker (libfcgi
 * closes that connection and accepts again). Returns libfcgi's result.
 */
static int
worker_accept_one(struct app *app, FCGX_Request *fr, unsigned timeout)
{
	int	 rc;

	score_worker_state(app->slot, SCORE_ACCEPTING);
	alarm(timeout);
	rc = FCGX_Accept_r(fr);
	alarm(0);
	score_worker_state(app->slot, SCORE_IDLE);
	return rc;
}

/*
 * Waits for the next request. Returns 0 with one accepted, -1 when the
 * worker must stop.
 */
static int
worker_accept(struct app *app, FCGX_Request *fr, int listen_fd)
{
	struct pollfd	 pfd = { .fd = listen_fd, .events = POLLIN };
	int		 rc;

	for (;;) {
		if (worker_reopen) {
			worker_reopen = 0;
			log_reopen();
		}
		if (worker_stopping)
			return -1;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		rc = worker_accept_one(app, fr,
		    (unsigned)app->cfg->request_timeout);
		if (rc >= 0)
			return 0;
		if (rc != -EINTR)
			return -1;
	}
}

/* At shutdown, answers the connections already queued on the (unlinked) socket. */
static void
worker_drain(struct app *app, FCGX_Request *fr, int listen_fd,
    struct http_response *resp)
{
	struct pollfd	 pfd = { .fd = listen_fd, .events = POLLIN };

	while (poll(&pfd, 1, 0) == 1 && worker_accept_one(app, fr, 1) >= 0) {
		worker_handle(app, fr, resp);
		FCGX_Finish_r(fr);
	}
}

/*
 * The worker's life: its own database connection, then accept and answer
 * until told to stop. Never returns.
 */
void
worker_run(struct app *app, int listen_fd)
{
	FCGX_Request		 fr;
	struct http_response	 resp;
	const struct config	*cfg = app->cfg;

	worker_signals();
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_errorf("worker: cannot initialise FastCGI");
		_exit(1);
	}
	app->db = db_new(cfg->database, cfg->connect_timeout,
	    cfg->statement_timeout, cfg->db_prepared);
	if (app->db == NULL) {
		log_errorf("worker: out of memory");
		_exit(1);
	}
	if (db_connect(app->db) == -1)
		log_event("worker_db_deferred", NULL);
	http_response_init(&resp);
	score_worker_state(app->slot, SCORE_IDLE);
	while (worker_accept(app, &fr, listen_fd) == 0) {
		worker_handle(app, &fr, &resp);
		FCGX_Finish_r(&fr);
		prune_tick(app);
		if (cfg->max_requests > 0 &&
		    app->slot->requests >= (uint64_t)cfg->max_requests)
			break;	/* recycled: the supervisor forks a fresh one */
	}
	if (worker_draining)
		worker_drain(app, &fr, listen_fd, &resp);
	http_response_free(&resp);
	db_free(app->db);
	_exit(0);
}
