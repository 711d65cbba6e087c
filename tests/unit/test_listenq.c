/* Unit tests for listenq.c: the accept queue of real listening sockets, unix and TCP, as the kernel reports it. */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "listenq.h"

#define BACKLOG	37

/* Connects n clients to the socket at addr (they wait in its accept queue); their fds go to fds. */
static void
connect_clients(int family, const struct sockaddr *addr, socklen_t len, int *fds, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		assert_true((fds[i] = socket(family, SOCK_STREAM, 0)) != -1);
		assert_int_equal(connect(fds[i], addr, len), 0);
	}
}

/* Closes the n fds. */
static void
close_all(int *fds, int n)
{
	while (n-- > 0)
		close(fds[n]);
}

TEST(a_unix_socket_reports_its_queue_and_backlog)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	char			 dir[] = "/tmp/tessera-unit-XXXXXX";
	int			 fd, clients[3], queue = -1, backlog = -1;

	assert_non_null(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, BACKLOG), 0);
	assert_int_equal(listenq_read(fd, &queue, &backlog), 0);
	assert_int_equal(queue, 0);
	assert_int_equal(backlog, BACKLOG);
	connect_clients(AF_UNIX, (struct sockaddr *)&sun, sizeof(sun), clients, 3);
	assert_int_equal(listenq_read(fd, &queue, &backlog), 0);
	assert_int_equal(queue, 3);
	close_all(clients, 3);
	close(fd);
	unlink(sun.sun_path);
	rmdir(dir);
}

TEST(a_tcp_socket_reports_its_queue_and_backlog)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	int			 fd, clients[2], queue = -1, backlog = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, BACKLOG), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	connect_clients(AF_INET, (struct sockaddr *)&sin, len, clients, 2);
	assert_int_equal(listenq_read(fd, &queue, &backlog), 0);
	assert_int_equal(queue, 2);
	assert_int_equal(backlog, BACKLOG);
	close_all(clients, 2);
	close(fd);
}

TEST(what_is_not_a_listening_socket_is_refused)
{
	int	 fds[2], queue = -1, backlog = -1, tcp;

	assert_int_equal(listenq_read(-1, &queue, &backlog), -1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(listenq_read(fds[0], &queue, &backlog), -1);
	close_all(fds, 2);
	assert_true((tcp = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(listenq_read(tcp, &queue, &backlog), -1);	/* not listening */
	close(tcp);
	assert_int_equal(queue, -1);
	assert_int_equal(backlog, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_unix_socket_reports_its_queue_and_backlog),
		cmocka_unit_test(a_tcp_socket_reports_its_queue_and_backlog),
		cmocka_unit_test(what_is_not_a_listening_socket_is_refused),
	};

	return cmocka_run_group_tests_name("listenq", tests, NULL, NULL);
}
