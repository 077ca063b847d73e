#!/usr/bin/python3
"""Every command pymemcache has, against a running server; exit 1 with a
message on the first wrong answer."""
import sys
import time

from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheClientError, MemcacheServerError

port = int(sys.argv[1])
c = Client(("127.0.0.1", port), connect_timeout=3, timeout=3)


def check(what, got, want):
    if got != want:
        print(f"{what}: got {got!r}, want {want!r}", file=sys.stderr)
        sys.exit(1)


check("flush_all", c.flush_all(noreply=False), True)
check("version", c.version().split(b"-")[0].count(b"."), 2)
check("set", c.set("a", b"1", noreply=False), True)
check("set noreply", c.set("b", b"two"), True)
check("get", c.get("b"), b"two")
check("get miss", c.get("missing"), None)
check("add existing", c.add("a", b"x", noreply=False), False)
check("add new", c.add("c", b"3", noreply=False), True)
check("replace missing", c.replace("zz", b"x", noreply=False), False)
check("replace", c.replace("c", b"33", noreply=False), True)
check("append", c.append("c", b"4", noreply=False), True)
check("prepend", c.prepend("c", b"2", noreply=False), True)
check("after append/prepend", c.get("c"), b"2334")
check("append missing", c.append("nope", b"x", noreply=False), False)
value, cas = c.gets("c")
check("gets", value, b"2334")
check("cas bad", c.cas("c", b"x", int(cas) + 1000, noreply=False), False)
check("cas good", c.cas("c", b"new", cas, noreply=False), True)
check("cas missing", c.cas("never", b"x", 1, noreply=False), None)
check("after cas", c.get("c"), b"new")
check("incr", c.incr("a", 41, noreply=False), 42)
check("decr", c.decr("a", 50, noreply=False), 0)
check("incr wrap", c.set("w", b"18446744073709551615", noreply=False), True)
check("incr wraps", c.incr("w", 1, noreply=False), 0)
check("incr missing", c.incr("nokey", 1, noreply=False), None)
try:
    c.incr("b", 1, noreply=False)
    print("incr on non-numeric did not fail", file=sys.stderr)
    sys.exit(1)
except MemcacheClientError:
    pass
check("touch", c.touch("a", 100, noreply=False), True)
check("touch missing", c.touch("nokey", 100, noreply=False), False)
check("delete", c.delete("a", noreply=False), True)
check("delete missing", c.delete("a", noreply=False), False)
keys = {f"k{i}": f"v{i}".encode() for i in range(500)}
check("set_many", c.set_many(keys, noreply=False), [])
check("get_many", c.get_many(list(keys)), keys)
gm = c.gets_many(["k1", "k2"])
check("gets_many", sorted(gm), ["k1", "k2"])
check("delete_many", c.delete_many(["k1", "k2"], noreply=False), True)
check("after delete_many", c.get_many(["k1", "k2", "k3"]), {"k3": b"v3"})
big = b"x" * (1024 * 1024 - 512)
check("set big", c.set("big", big, noreply=False), True)
check("get big", c.get("big"), big)
try:
    c.set("toobig", b"x" * (2 * 1024 * 1024), noreply=False)
    print("oversized set did not fail", file=sys.stderr)
    sys.exit(1)
except MemcacheServerError:
    pass
check("expiry set", c.set("exp", b"x", expire=1, noreply=False), True)
check("expiry get", c.get("exp"), b"x")
time.sleep(2.1)
check("expired", c.get("exp"), None)
check("negative expiry", c.set("neg", b"x", expire=-1, noreply=False), True)
check("negative expired", c.get("neg"), None)
stats = c.stats()
for name in (b"curr_items", b"get_hits", b"get_misses", b"cmd_get",
             b"curr_connections", b"bytes", b"limit_maxbytes", b"uptime"):
    if name not in stats:
        print(f"stats lacks {name!r}", file=sys.stderr)
        sys.exit(1)
check("stats settings", c.stats("settings")[b"item_size_max"], 1048576)
check("stats slabs", b"active_slabs" in c.stats("slabs"), True)
check("stats items", any(k.startswith(b"items:") for k in c.stats("items")),
      True)
check("flush_all delayed", c.flush_all(delay=2, noreply=False), True)
check("before delayed flush", c.get("k3"), b"v3")
time.sleep(3.1)
check("after delayed flush", c.get("k3"), None)
c.quit()
sys.exit(0)
