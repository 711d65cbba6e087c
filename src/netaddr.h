/* Client addresses as throttling sees them: IPv4 alone, IPv6 by its /64 network. */
#ifndef TESSERA_NETADDR_H
#define TESSERA_NETADDR_H

#include <stddef.h>

/* "2001:db8:1:2::/64" with its NUL: INET6_ADDRSTRLEN (46) and "/64" */
#define NETADDR_KEY_SIZE	50

void	netaddr_throttle_key(const char *addr, char out[NETADDR_KEY_SIZE]);

#endif
