#!/usr/bin/python3
"""Admin commands through pymemcache (stats cachedump, cache_memlimit)
against the daemon on 127.0.0.1:PORT; exits non-zero with a reason."""
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
print("ok")
