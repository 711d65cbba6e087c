/* Address lists (status_allow): IPv4/IPv6 addresses and CIDR prefixes, parsed and matched. */
#include "netlist.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETLIST_SEP	", "

struct netlist_net {
	int		 family;
	unsigned char	 addr[16];
	int		 bits;
};

/* Parses one entry, "address" or "address/bits", into net. Returns 0, or -1 with why. */
static int
netlist_parse(char *entry, struct netlist_net *net, const char **why)
{
	char	*slash, *end;
	long	 bits;
	int	 max;

	net->family = strchr(entry, ':') != NULL ? AF_INET6 : AF_INET;
	max = net->family == AF_INET6 ? 128 : 32;
	bits = max;
	if ((slash = strchr(entry, '/')) != NULL) {
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || slash[1] == '-' ||
		    slash[1] == '+' || bits < 0 || bits > max) {
			*why = net->family == AF_INET6 ?
			    "a prefix length is 0 to 128" :
			    "an IPv4 prefix length is 0 to 32";
			return -1;
		}
	}
	if (inet_pton(net->family, entry, net->addr) != 1) {
		*why = "not an IP address";
		return -1;
	}
	net->bits = (int)bits;
	return 0;
}

/* Returns 1 if the address a (of net's family) lies in net, else 0. */
static int
netlist_in(const unsigned char *a, const struct netlist_net *net)
{
	int	 bits = net->bits, i;

	for (i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((a[i] & mask) != (net->addr[i] & mask))
			return 0;
	}
	return 1;
}

/* Checks every entry of list (comma or space separated). Returns 0, or -1 naming the first bad one in err. */
int
netlist_check(const char *list, char *err, size_t errsz)
{
	char			 copy[NETLIST_MAX], entry[64], *tok, *save = NULL;
	const char		*why = "";
	struct netlist_net	 net;

	if (strlen(list) >= sizeof(copy)) {
		snprintf(err, errsz, "longer than %d bytes", NETLIST_MAX - 1);
		return -1;
	}
	memcpy(copy, list, strlen(list) + 1);
	for (tok = strtok_r(copy, NETLIST_SEP, &save); tok != NULL;
	    tok = strtok_r(NULL, NETLIST_SEP, &save)) {
		snprintf(entry, sizeof(entry), "%s", tok);
		if (netlist_parse(tok, &net, &why) == -1) {
			snprintf(err, errsz, "\"%s\": %s", entry, why);
			return -1;
		}
	}
	return 0;
}

/* Returns 1 if addr matches an entry of list (checked by netlist_check), else 0. */
int
netlist_match(const char *list, const char *addr)
{
	char			 copy[NETLIST_MAX], *tok, *save = NULL;
	const char		*why;
	unsigned char		 a[16];
	struct netlist_net	 net;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, NETLIST_SEP, &save); tok != NULL;
	    tok = strtok_r(NULL, NETLIST_SEP, &save))
		if (netlist_parse(tok, &net, &why) == 0 &&
		    inet_pton(net.family, addr, a) == 1 && netlist_in(a, &net))
			return 1;
	return 0;
}
