/* One worker process: accept a request, answer it, never die on bad input. */
#include "worker.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "page.h"
#include "prune.h"
#include "routes.h"

static volatile sig_atomic_t worker_stopping;

/* SIGTERM/SIGINT: finish the request in hand, then leave the accept loop. */
static void
worker_on_stop(int sig)
{
	(void)sig;
	worker_stopping = 1;
	FCGX_ShutdownPending();
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
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Routes one request to its handler, or to the error page that fits. */
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

	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = &req;
	c.resp = resp;
	worker_dispatch(&c, fr);
	if (http_response_send(fr->out, resp, &req) == -1)
		log_event("response_failed", "path", req.path, NULL);
	sess_free(&c.sess);
	http_request_free(&req);
	http_response_reset(resp);
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
	while (!worker_stopping && FCGX_Accept_r(&fr) >= 0) {
		worker_handle(app, &fr, &resp);
		FCGX_Finish_r(&fr);
		prune_tick(app);
	}
	http_response_free(&resp);
	db_free(app->db);
	_exit(0);
}
