/* make bench's floor: the least a FastCGI responder can do per signed-in hit (one prepared UPDATE ... RETURNING). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>
#include <sodium.h>

#define TOKEN_BYTES	32
#define RAW_BYTES	64	/* token || MAC: tessera's cookie, decoded */
#define COOKIE_NAME	"tessera_session="

/*
 * The dashboard's one write, bare: slide last_seen_at of the row the
 * token hash names and return what a page would show.
 */
#define FLOOR_SQL \
	"UPDATE tessera.sessions SET last_seen_at = now() " \
	"WHERE token_hash = $1 RETURNING id"

/*
 * Finds tessera's session cookie in cookies and writes the hash of its
 * token (no MAC check: the floor trusts its load generator). Returns 1 if
 * found and decoded, else 0.
 */
static int
floor_token_hash(const char *cookies, unsigned char hash[TOKEN_BYTES])
{
	unsigned char	 raw[RAW_BYTES];
	const char	*p, *end;
	size_t		 len;

	if (cookies == NULL || (p = strstr(cookies, COOKIE_NAME)) == NULL)
		return 0;
	p += strlen(COOKIE_NAME);
	end = p + strcspn(p, "; ");
	if (sodium_base642bin(raw, sizeof(raw), p, (size_t)(end - p), NULL, &len,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(raw))
		return 0;
	crypto_generichash(hash, TOKEN_BYTES, raw, TOKEN_BYTES, NULL, 0);
	return 1;
}

/* Answers one request: 200 with the row's id, 303 without a live row, 503 on a database error. */
static void
floor_answer(PGconn *conn, FCGX_Request *r)
{
	unsigned char	 hash[TOKEN_BYTES];
	const char	*values[1] = { (const char *)hash };
	const int	 lengths[1] = { TOKEN_BYTES }, formats[1] = { 1 };
	PGresult	*res;

	if (!floor_token_hash(FCGX_GetParam("HTTP_COOKIE", r->envp), hash)) {
		FCGX_PutS("Status: 303 See Other\r\nLocation: /\r\n\r\n", r->out);
		return;
	}
	res = PQexecPrepared(conn, "floor", 1, values, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		FCGX_PutS("Status: 503 Service Unavailable\r\n"
		    "Content-Type: text/plain\r\n\r\ndatabase\n", r->out);
	else if (PQntuples(res) != 1)
		FCGX_PutS("Status: 303 See Other\r\nLocation: /\r\n\r\n", r->out);
	else
		FCGX_FPrintF(r->out, "Content-Type: text/html; charset=utf-8\r\n"
		    "Cache-Control: no-store\r\n\r\n"
		    "<!doctype html><title>floor</title><p>session %s</p>\n",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
}

/*
 * Serves FastCGI on the listening socket fd with its own connection until
 * killed. Returns 1 if it cannot start.
 */
static int
floor_serve(int fd, const char *conninfo, const char *commit)
{
	FCGX_Request	 r;
	PGconn		*conn;
	PGresult	*res;
	const char	*params[1] = { commit };

	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(conn));
		return 1;
	}
	res = PQexecParams(conn, "SELECT set_config('synchronous_commit', $1, false)",
	    1, NULL, params, NULL, NULL, 0);
	PQclear(res);
	res = PQprepare(conn, "floor", FLOOR_SQL, 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(conn));
		return 1;
	}
	PQclear(res);
	FCGX_InitRequest(&r, fd, 0);
	while (FCGX_Accept_r(&r) == 0) {
		floor_answer(conn, &r);
		FCGX_Finish_r(&r);
	}
	PQfinish(conn);
	return 0;
}

/*
 * Usage: floor SOCKET WORKERS CONNINFO [on|off]: listens on the unix
 * socket and forks WORKERS single-threaded responders (synchronous_commit
 * on or off), then waits for them. Exits 1 if it cannot start.
 */
int
main(int argc, char *argv[])
{
	int	 fd, i, n;

	n = argc > 2 ? atoi(argv[2]) : 0;
	if (argc < 4 || n < 1 || sodium_init() == -1 || FCGX_Init() != 0) {
		fprintf(stderr, "usage: floor SOCKET WORKERS CONNINFO [on|off]\n");
		return 1;
	}
	if ((fd = FCGX_OpenSocket(argv[1], 1024)) == -1) {
		fprintf(stderr, "floor: cannot listen on %s\n", argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (fork() == 0)
			return floor_serve(fd, argv[3], argc > 4 ? argv[4] : "on");
	while (wait(NULL) > 0)
		;
	return 0;
}
