#!/bin/sh
# Makes sure the packages privcached needs are installed.
#   deps.sh ensure build|test|deb   install only if something is missing
#   deps.sh install build|test|deb  install (or confirm) everything
# (deb: what make deb needs to build the Debian package, Debian only.)
# Debian/Ubuntu use apt-get, OpenBSD pkg_add; elsewhere it says what to get.
set -u

what=${2:-test}

debian_build="gcc make pkg-config libbsd-dev libmd-dev libevent-dev libseccomp-dev \
libtls-dev"
debian_test="$debian_build clang libclang-rt-dev libcriterion-dev python3 python3-pymemcache \
python3-memcache python3-pylibmc libmemcached-tools memcached nutcracker \
procps util-linux mandoc openssl php-cli php-memcached \
libcache-memcached-fast-perl"
debian_deb="$debian_build debhelper dpkg-dev fakeroot lintian git python3 \
adduser strace"
# Only for ../shared/openbsd-check in .ci/run (the clang of OpenBSD 7.7 and
# of 7.8): `make deps' installs them, `make check' never asks for them.
debian_xcheck="clang-16 clang-19"
# OpenBSD's base has all the daemon needs (libevent 1.4, libtls, imsg);
# the libevent 2.1 package is for bench/loadgen only.
openbsd_build=""
openbsd_test="libevent criterion python3 py3-pymemcache \
libmemcached memcached"

have_build() {
	case "$(uname -s)" in
	Linux) pkg-config --exists libbsd-overlay libevent libseccomp libmd \
	    libtls ;;
	OpenBSD) [ -f /usr/include/event.h ] && [ -f /usr/include/tls.h ] ;;
	*) pkg-config --exists libevent ;;
	esac
}

# setpriv and libFuzzer serve tests the GNUmakefile runs on Linux only.
have_linux_test() {
	[ "$(uname -s)" != Linux ] && return 0
	command -v setpriv >/dev/null 2>&1 &&
	    command -v clang >/dev/null 2>&1 &&
	    [ -f "$(clang -print-file-name=libclang_rt.fuzzer-$(uname -m).a)" ]
}

have_test() {
	have_build &&
	    pkg-config --exists criterion &&
	    [ -x /usr/bin/python3 ] &&
	    /usr/bin/python3 -c 'import pymemcache, memcache, pylibmc' \
	        2>/dev/null &&
	    command -v nutcracker >/dev/null 2>&1 &&
	    command -v memccapable >/dev/null 2>&1 &&
	    command -v memcached >/dev/null 2>&1 &&
	    have_linux_test &&
	    command -v mandoc >/dev/null 2>&1 &&
	    command -v openssl >/dev/null 2>&1 &&
	    have_admin_clients
}

# The admin-command clients of test_admin_tools (Debian only).
have_admin_clients() {
	[ "$(uname -s)" != Linux ] && return 0
	command -v php >/dev/null 2>&1 &&
	    php -r 'exit(class_exists("Memcached") ? 0 : 1);' 2>/dev/null &&
	    perl -MCache::Memcached::Fast -e 1 2>/dev/null
}

have_deb() {
	have_build && command -v dh >/dev/null 2>&1 &&
	    command -v dpkg-buildpackage >/dev/null 2>&1 &&
	    command -v fakeroot >/dev/null 2>&1 &&
	    command -v lintian >/dev/null 2>&1 &&
	    command -v git >/dev/null 2>&1 &&
	    command -v python3 >/dev/null 2>&1 &&
	    command -v adduser >/dev/null 2>&1 &&
	    command -v strace >/dev/null 2>&1
}

install() {
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages; run 'make deps' as root" \
		    "(or install: $1)" >&2
		exit 1
	fi
	if command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q || exit 1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends $1 || exit 1
	elif command -v pkg_add >/dev/null 2>&1; then
		[ -z "$2" ] || pkg_add -I $2 || exit 1
	else
		echo "deps: no apt-get or pkg_add here; install: $1" >&2
		exit 1
	fi
}

case "$what" in
build) deb=$debian_build; obsd=$openbsd_build; check=have_build ;;
test) deb=$debian_test; obsd=$openbsd_test; check=have_test ;;
deb) deb=$debian_deb; obsd=""; check=have_deb ;;
*) echo "usage: deps.sh ensure|install build|test|deb" >&2; exit 2 ;;
esac

case "${1:-}" in
ensure)
	$check && exit 0
	echo "deps: installing missing packages" >&2
	install "$deb" "$obsd"
	$check || { echo "deps: still missing after install" >&2; exit 1; }
	;;
install)
	[ "$what" = test ] && deb="$deb $debian_xcheck"
	install "$deb" "$obsd"
	;;
*)
	echo "usage: deps.sh ensure|install build|test|deb" >&2
	exit 2
	;;
esac
