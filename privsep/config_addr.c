/*
 * Address lists: -l's listeners and -o allow's networks.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "compat.h"
#include "config.h"

/*
 * One -l element: "host", "host:port", "[v6]" or "[v6]:port"; a bare
 * address with several colons is IPv6 without a port.
 */
static int
config_listen_one(struct config *conf, const char *spec, char *err,
    size_t errlen)
{
	struct listen_spec	*ls;
	const char		*close, *colon, *portstr = NULL;
	char			*host;
	long long		 port = 0;
	int			 notls = 0;

	if (conf->c_nlisten >= CONFIG_LISTEN_MAX)
		return (errbuf_set(err, errlen,
		    "-l: more than %d listeners", CONFIG_LISTEN_MAX));
	/* memcached's way to keep one listener plaintext under -Z. */
	if (strncmp(spec, "notls:", 6) == 0) {
		notls = 1;
		spec += 6;
	}
	if (spec[0] == '[') {
		if ((close = strchr(spec, ']')) == NULL || close == spec + 1 ||
		    (close[1] != '\0' && close[1] != ':'))
			return (errbuf_set(err, errlen,
			    "-l: invalid address '%s'", spec));
		host = strndup(spec + 1, close - spec - 1);
		if (close[1] == ':')
			portstr = close + 2;
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		host = strndup(spec, colon - spec);
		portstr = colon + 1;
	} else
		host = strdup(spec);
	if (host == NULL)
		return (errbuf_set(err, errlen, "-l: %s", strerror(errno)));
	if (*host == '\0') {
		free(host);
		return (errbuf_set(err, errlen,
		    "-l: invalid address '%s'", spec));
	}
	if (portstr != NULL && config_number("-l", portstr, 1,
	    CONFIG_PORT_MAX, &port, err, errlen) == -1) {
		free(host);
		return (-1);
	}
	ls = &conf->c_listen[conf->c_nlisten++];
	ls->ls_host = host;
	ls->ls_port = port;
	ls->ls_notls = notls;
	return (0);
}

int
config_listen(struct config *conf, const char *arg, char *err, size_t errlen)
{
	char	*list, *p, *elem;
	int	 rv = 0;

	if ((list = strdup(arg)) == NULL)
		return (errbuf_set(err, errlen, "-l: %s", strerror(errno)));
	p = list;
	while ((elem = strsep(&p, ",")) != NULL) {
		if ((rv = config_listen_one(conf, elem, err, errlen)) == -1)
			break;
	}
	free(list);
	return (rv);
}

/*
 * allow=CIDR[;CIDR...]: who may connect over TCP; admin_allow: who may run
 * admin commands.  Repeatable.
 */
int
config_allow(struct config *conf, const char *name, const char *val,
    char *err, size_t errlen)
{
	struct net_live	*nl = &conf->c_net.nc_live;
	struct net_cidr	*nr, *arr = nl->nl_allow;
	uint32_t	*count = &nl->nl_nallow;
	char		*list, *p, *elem, *slash;
	const char	*errstr;
	long long	 prefix;
	int		 rv = 0, max;

	if (strcmp(name, "admin_allow") == 0) {
		arr = nl->nl_admin_allow;
		count = &nl->nl_nadmin_allow;
	}
	if (*val == '\0')
		return (errbuf_set(err, errlen, "-o %s: needs "
		    "addresses, e.g. %s=10.0.0.0/8;::1", name, name));
	if ((list = strdup(val)) == NULL)
		return (errbuf_set(err, errlen, "%s", strerror(errno)));
	p = list;
	while (rv == 0 && (elem = strsep(&p, ";")) != NULL) {
		if (*count >= NET_ALLOW_MAX) {
			rv = errbuf_set(err, errlen, "-o %s: more than "
			    "%d entries", name, NET_ALLOW_MAX);
			break;
		}
		nr = &arr[*count];
		memset(nr, 0, sizeof(*nr));
		if ((slash = strchr(elem, '/')) != NULL)
			*slash++ = '\0';
		if (inet_pton(AF_INET, elem, nr->nr_addr) == 1) {
			nr->nr_family = AF_INET;
			max = 32;
		} else if (inet_pton(AF_INET6, elem, nr->nr_addr) == 1) {
			nr->nr_family = AF_INET6;
			max = 128;
		} else {
			rv = errbuf_set(err, errlen, "-o %s: '%s' is not "
			    "an IPv4 or IPv6 address", name, elem);
			break;
		}
		prefix = max;
		if (slash != NULL) {
			prefix = strtonum(slash, 0, max, &errstr);
			if (errstr != NULL) {
				rv = errbuf_set(err, errlen, "-o %s: "
				    "prefix /%s of %s is %s (0..%d)", name,
				    slash, elem, errstr, max);
				break;
			}
		}
		nr->nr_prefix = prefix;
		(*count)++;
	}
	free(list);
	return (rv);
}
