/* Address lists (status_allow): IPv4/IPv6 addresses and CIDR prefixes, parsed and matched. */
#ifndef TESSERA_NETLIST_H
#define TESSERA_NETLIST_H

#include <stddef.h>

#define NETLIST_MAX	1024	/* bytes of a list */

int	netlist_check(const char *list, char *err, size_t errsz)
	    __attribute__((warn_unused_result));
int	netlist_match(const char *list, const char *addr);

#endif
