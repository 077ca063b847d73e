#!/bin/sh
# The Debian package's life on this machine (root, dpkg): install, run as
# the unit runs it, upgrade with an edited conffile, remove, purge; after
# each step, what must and must not be there.  Refuses to touch a machine
# that already has privcached installed or a _privcached account.
#   check-deb.sh DIR    DIR holds the privcached_*.deb that make deb built
set -eu

dir=${1:?usage: check-deb.sh DIR}
deb=$(ls "$dir"/privcached_*_*.deb | head -n 1)
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d /tmp/privcached-check-deb.XXXXXX)
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() {
	what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# What the package may touch, listed before it comes and after it is gone.
snapshot() {
	find /etc /lib/systemd /usr/lib/systemd /usr/sbin /usr/share/man \
	    /usr/share/doc /var/lib -xdev \
	    -path /var/lib/dpkg -prune -o -path /var/lib/apt -prune -o \
	    -path /var/lib/systemd/deb-systemd-helper-enabled -prune -o \
	    -path /var/lib/systemd/deb-systemd-helper-masked -prune -o \
	    -path /etc/ld.so.cache -prune -o -print 2>/dev/null | sort
}

cleanup() {
	if dpkg-query -W privcached >/dev/null 2>&1; then
		dpkg -P privcached >/dev/null 2>&1 ||
		    echo "check-deb: could not purge privcached" >&2
	fi
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	[ -d /run/privcached ] && rm -rf /run/privcached
	rm -rf "$scratch"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "check-deb: needs root"; exit 1; }
if dpkg-query -W -f '${Status}' privcached 2>/dev/null |
    grep -q installed || getent passwd _privcached >/dev/null; then
	echo "check-deb: privcached is installed here already; not touching it"
	exit 1
fi

snapshot > "$scratch/before"
cp /etc/passwd /etc/group "$scratch/"

# --- install -------------------------------------------------------------
dpkg -i "$deb" > "$scratch/install.log" 2>&1 ||
    { cat "$scratch/install.log"; exit 1; }
check "binary installed" test -x /usr/sbin/privcached
check "binary stripped" sh -c \
    '! readelf -S /usr/sbin/privcached | grep -q "\.symtab"'
check "privcached(8)" test -f /usr/share/man/man8/privcached.8.gz
check "privcached.conf(5)" test -f /usr/share/man/man5/privcached.conf.5.gz
check "unit installed" test -f /lib/systemd/system/privcached.service
check "/etc/privcached.conf is a conffile" sh -c \
    'dpkg-query -W -f "\${Conffiles}" privcached |
    grep -q "^ /etc/privcached.conf "'
check "_privcached user" getent passwd _privcached
check "_privcached group" getent group _privcached
shell=$(getent passwd _privcached | cut -d: -f7)
home=$(getent passwd _privcached | cut -d: -f6)
check "no login shell ($shell)" sh -c \
    "[ '$shell' = /usr/sbin/nologin ] || [ '$shell' = /bin/false ]"
check "no home directory ($home)" test ! -e "$home"
check "chroot root-owned, 0755, empty" sh -c \
    '[ "$(stat -c "%U %a" /var/lib/privcached/empty)" = "root 755" ] &&
    [ -z "$(ls -A /var/lib/privcached/empty)" ]'

# --- run it as the unit does ---------------------------------------------
# The unit's own command lines, a free port appended (later flags win),
# in the RuntimeDirectory systemd would make.
mkdir -m 0755 /run/privcached
pre=$(sed -n 's/^ExecStartPre=//p' /lib/systemd/system/privcached.service)
start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/privcached.service)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
check "ExecStartPre (--check-config) passes" sh -c "$pre -p $port \
    > $scratch/pre.log 2>&1"
python3 "$here/notify_listen.py" "$scratch/notify" > "$scratch/notify.log" &
listener=$!
i=0
while [ ! -S "$scratch/notify" ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
# Traced: every system call of the three processes must be one the
# unit's SystemCallFilter= allows (systemd is not PID 1 here).
NOTIFY_SOCKET=$scratch/notify strace -f -qq -o "$scratch/strace" \
    $start -p "$port" > "$scratch/daemon.log" 2>&1 &
tracer=$!
# The listener exits 0 on READY=1, 1 after 10 s without it.
if wait "$listener" && grep -q '^READY=1' "$scratch/notify.log"; then
	ok "READY=1 from the unit's ExecStart"
else
	fail "READY=1 from the unit's ExecStart"
fi
pid=$(sed -n 's/^MAINPID=//p' "$scratch/notify.log")
check "pid file written" sh -c "[ \"\$(cat /run/privcached/privcached.pid)\" = '$pid' ]"
check "children run as _privcached" sh -c \
    "ps -o user= --ppid $pid | grep -qx _privcached"
check "serves memcached clients" python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', $port), 3)
s.sendall(b'set k 0 0 1\r\nv\r\nget k\r\n')
want = b'STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n'
got = b''
while len(got) < len(want):
    b = s.recv(100)
    if not b: break
    got += b
assert got == want, got"
# A reload's calls too, then a stop's.
kill -HUP "$pid" 2>/dev/null || true
i=0
while ! grep -q "configuration reloaded" "$scratch/daemon.log" &&
    [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
check "reloads" grep -q "configuration reloaded" "$scratch/daemon.log"
kill "$pid" 2>/dev/null || true
wait "$tracer" || true
pid=
check "stopped, pid file removed" test ! -e /run/privcached/privcached.pid
check "every system call within the unit's SystemCallFilter" python3 \
    "$here/syscalls_allowed.py" /lib/systemd/system/privcached.service \
    "$scratch/strace"
rmdir /run/privcached

# --- upgrade keeps an edited conffile ------------------------------------
echo "-m 32  # edited by check-deb" >> /etc/privcached.conf
cp /etc/privcached.conf "$scratch/edited.conf"
mkdir "$scratch/next"
dpkg-deb -R "$deb" "$scratch/next"
sed -i 's/^Version: \(.*\)$/Version: \1+checkdeb1/' \
    "$scratch/next/DEBIAN/control"
dpkg-deb -b "$scratch/next" "$scratch/next.deb" >/dev/null
check "upgrade installs" sh -c "dpkg -i $scratch/next.deb \
    > $scratch/upgrade.log 2>&1"
check "upgraded version" sh -c \
    "dpkg-query -W -f '\${Version}' privcached | grep -q checkdeb1"
check "edited conffile kept" cmp -s /etc/privcached.conf \
    "$scratch/edited.conf"

# --- remove keeps configuration, purge removes everything ----------------
dpkg -r privcached > "$scratch/remove.log" 2>&1
check "remove: binary gone" test ! -e /usr/sbin/privcached
check "remove: unit gone" test ! -e /lib/systemd/system/privcached.service
check "remove: conffile kept" test -f /etc/privcached.conf
dpkg -P privcached > "$scratch/purge.log" 2>&1
check "purge: conffile gone" test ! -e /etc/privcached.conf
check "purge: user gone" sh -c '! getent passwd _privcached'
check "purge: group gone" sh -c '! getent group _privcached'
check "purge: /var/lib/privcached gone" test ! -e /var/lib/privcached
check "purge: dpkg forgot it" sh -c '! dpkg-query -W privcached 2>/dev/null'
snapshot > "$scratch/after"
check "purge: the files are as before install" \
    diff "$scratch/before" "$scratch/after"
check "purge: passwd and group as before" sh -c \
    "cmp -s /etc/passwd $scratch/passwd && cmp -s /etc/group $scratch/group"

echo "check-deb: $passed passed, $failed failed"
[ "$failed" = 0 ]
