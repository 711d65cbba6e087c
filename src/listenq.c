/* The listening socket's accept queue, as the kernel reports it (Linux): TCP_INFO for TCP, sock_diag for unix sockets. */
#include "listenq.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#define LISTENQ_TCP_LISTEN	10	/* the kernel's TCP_LISTEN state, which unix sockets share */

/*
 * A TCP socket in LISTEN state: TCP_INFO's tcpi_unacked is the accept
 * queue's length and tcpi_sacked its limit. Returns 0, or -1.
 */
static int
listenq_tcp(int fd, int *queue, int *backlog)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    ti.tcpi_state != LISTENQ_TCP_LISTEN)
		return -1;
	*queue = (int)ti.tcpi_unacked;
	*backlog = (int)ti.tcpi_sacked;
	return 0;
}

/*
 * A unix socket: asks sock_diag for the socket with fd's inode;
 * UNIX_DIAG_RQLEN of a listening socket holds the queue's length and its
 * limit. Returns 0, or -1.
 */
static int
listenq_unix(int fd, int *queue, int *backlog)
{
	struct {
		struct nlmsghdr		 nlh;
		struct unix_diag_req	 req;
	} msg;
	union {
		struct nlmsghdr	 nlh;
		char		 bytes[1024];
	} ans;
	struct sockaddr_nl	 nl = { .nl_family = AF_NETLINK };
	const struct unix_diag_msg *udm;
	const struct rtattr	*rta;
	struct unix_diag_rqlen	 rq;
	struct stat		 st;
	ssize_t			 n;
	int			 sk, rc = -1;
	unsigned int		 left;

	if (fstat(fd, &st) == -1)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = 1U << LISTENQ_TCP_LISTEN;
	msg.req.udiag_ino = (unsigned int)st.st_ino;
	msg.req.udiag_show = UDIAG_SHOW_RQLEN;
	msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0U;
	if ((sk = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return -1;
	if (sendto(sk, &msg, sizeof(msg), 0, (struct sockaddr *)&nl,
	    sizeof(nl)) != (ssize_t)sizeof(msg))
		goto done;
	do
		n = recv(sk, ans.bytes, sizeof(ans.bytes), 0);
	while (n == -1 && errno == EINTR);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(*udm)) || !NLMSG_OK(&ans.nlh, n) ||
	    ans.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		goto done;
	udm = NLMSG_DATA(&ans.nlh);
	if (udm->udiag_ino != (unsigned int)st.st_ino ||
	    udm->udiag_state != LISTENQ_TCP_LISTEN)
		goto done;	/* (a lookup by inode ignores udiag_states) */
	rta = (const struct rtattr *)(udm + 1);
	left = ans.nlh.nlmsg_len - NLMSG_LENGTH(sizeof(*udm));
	for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type != UNIX_DIAG_RQLEN ||
		    RTA_PAYLOAD(rta) < sizeof(rq))
			continue;
		memcpy(&rq, RTA_DATA(rta), sizeof(rq));
		*queue = (int)rq.udiag_rqueue;
		*backlog = (int)rq.udiag_wqueue;
		rc = 0;
	}
done:
	close(sk);
	return rc;
}

/*
 * Reads how many connections wait in the accept queue of listening
 * socket fd (unix or TCP) and the queue's limit. Returns 0 with both
 * set, or -1 when the kernel does not say (another system, another kind
 * of socket).
 */
int
listenq_read(int fd, int *queue, int *backlog)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_UNIX)
		return listenq_unix(fd, queue, backlog);
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		return listenq_tcp(fd, queue, backlog);
	return -1;
}
