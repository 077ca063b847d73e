#!/usr/bin/python3
"""Admin commands through pymemcache (stats cachedump, cache_memlimit)
against the daemon on 127.0.0.1:PORT; exits non-zero with a reason."""
import socket
import sys

from pymemcache.client.base import Client

port = int(sys.argv[1])
c = Client(("127.0.0.1", port), timeout=5)
c.set("dumped:a", b"1")
c.set("dumped:b", b"22")

# The smallest class holds both; the listing is memcached's "ITEM" form.
listed = {}
for cls in range(1, 64):
    got = c.stats("cachedump", str(cls), "0")
    if got:
        listed.update(got)
        break
# The test that runs this stored two keys of its own first.
want = {b"dumped:a", b"dumped:b", b"tool:one", b"tool%two"}
if set(listed) != want:
    sys.exit("cachedump listed %r, want %r" % (sorted(listed), sorted(want)))
for key, val in listed.items():
    if not val.startswith(b"[") or b" b; " not in val:
        sys.exit("cachedump line for %r is %r" % (key, val))

# Within the arena -m made: accepted; past it: refused with memcached's
# words (pymemcache raises on anything but OK).
if c.cache_memlimit(32) is not True:
    sys.exit("cache_memlimit 32 was not accepted")
settings = c.stats("settings")
if settings.get(b"maxbytes") != 32 * 1024 * 1024:
    sys.exit("stats settings maxbytes is %r" % settings.get(b"maxbytes"))
try:
    c.cache_memlimit(1024 * 1024)
    sys.exit("cache_memlimit past the arena was accepted")
except Exception as e:
    if "MEMLIMIT_ADJUST_FAILED" not in str(e):
        sys.exit("cache_memlimit past the arena: %r" % e)
c.cache_memlimit(64)

# The general and settings keys memcached has and tools read.
general = c.stats()
for key in (b"cmd_meta", b"reserved_fds", b"log_watchers", b"version",
            b"privcached_version", b"store_too_large"):
    if key not in general:
        sys.exit("stats has no %r" % key)
if general[b"version"] != b"1.6.18":
    sys.exit("stats version is %r" % general[b"version"])
raw = socket.create_connection(("127.0.0.1", port), timeout=5)
raw.sendall(b"mn\r\nmg dumped:a v\r\nmn\r\n")
got = b""
while got.count(b"MN\r\n") < 2:
    chunk = raw.recv(4096)
    if not chunk:
        sys.exit("connection closed")
    got += chunk
if c.stats()[b"cmd_meta"] != general[b"cmd_meta"] + 1:
    sys.exit("cmd_meta should count mg once, not mn")
for key in (b"lru_crawler", b"lru_crawler_sleep", b"detail_enabled",
            b"slab_automove", b"hot_lru_pct", b"temp_lru", b"dump_enabled"):
    if key not in settings:
        sys.exit("stats settings has no %r" % key)
print("ok")
