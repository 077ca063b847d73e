/*
 * Versions.  Clients parse the "version" reply and the stats version as
 * memcached's numeric triple first, so that comes first: the memcached
 * protocol level privcached implements, then our own release.
 */

#ifndef PRIVCACHED_VERSION_H
#define PRIVCACHED_VERSION_H

#define PRIVCACHED_VERSION		"0.1.0"
#define PRIVCACHED_MEMCACHED_LEVEL	"1.6.18"
#define PRIVCACHED_PROTO_VERSION	\
	PRIVCACHED_MEMCACHED_LEVEL "-privcached-" PRIVCACHED_VERSION

#endif /* PRIVCACHED_VERSION_H */
