/* Client addresses as throttling sees them: IPv4 alone, IPv6 by its /64 network. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/*
 * Writes the throttling key of a client address: an IPv4 address as it is
 * (an IPv4-mapped IPv6 one as the IPv4 address), an IPv6 address as its
 * /64 network ("2001:db8:1:2::/64"), since one subscriber gets a whole /64
 * and would otherwise have 2^64 addresses to spread guesses over. Anything
 * else (a unix socket's "-", garbage) is kept as given, cut to fit.
 */
void
netaddr_throttle_key(const char *addr, char out[NETADDR_KEY_SIZE])
{
	struct in6_addr	 a6;
	char		 text[INET6_ADDRSTRLEN];

	if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(out, NETADDR_KEY_SIZE, "%s", addr);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		inet_ntop(AF_INET, a6.s6_addr + 12, text, sizeof(text));
		snprintf(out, NETADDR_KEY_SIZE, "%s", text);
		return;
	}
	memset(a6.s6_addr + 8, 0, 8);
	inet_ntop(AF_INET6, &a6, text, sizeof(text));
	snprintf(out, NETADDR_KEY_SIZE, "%s/64", text);
}
