/*
 * Versions.  Clients parse the "version" reply and the stats version as
 * memcached's (Perl's version->parse dies on a suffix), so those say only
 * the memcached protocol level privcached implements; our own release is
 * in stats as privcached_version and in -V.
 */

#ifndef PRIVCACHED_VERSION_H
#define PRIVCACHED_VERSION_H

#define PRIVCACHED_VERSION		"0.1.0"
#define PRIVCACHED_MEMCACHED_LEVEL	"1.6.18"
#define PRIVCACHED_PROTO_VERSION	\
	PRIVCACHED_MEMCACHED_LEVEL "-privcached-" PRIVCACHED_VERSION

#endif /* PRIVCACHED_VERSION_H */
