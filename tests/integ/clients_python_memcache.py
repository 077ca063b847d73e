#!/usr/bin/python3
"""python-memcache (the memcache module) against a running server."""
import sys

import memcache

port = int(sys.argv[1])
mc = memcache.Client([f"127.0.0.1:{port}"], cache_cas=True)


def check(what, got, want):
    if got != want:
        print(f"{what}: got {got!r}, want {want!r}", file=sys.stderr)
        sys.exit(1)


check("flush", mc.flush_all(), None)
check("set", mc.set("a", "alpha"), True)
check("get", mc.get("a"), "alpha")
check("set int", mc.set("n", 5), True)
check("incr", mc.incr("n", 10), 15)
check("decr", mc.decr("n", 20), 0)
check("add", mc.add("a", "x"), False)
check("replace", mc.replace("a", "beta"), True)
check("append", mc.append("a", "!"), True)
check("prepend", mc.prepend("a", "<"), True)
check("get after", mc.get("a"), "<beta!")
check("gets", mc.gets("a"), "<beta!")
check("cas", mc.cas("a", "gamma"), True)
check("get cas", mc.get("a"), "gamma")
check("set_multi", mc.set_multi({"x": 1, "y": "two", "z": [3]}), [])
check("get_multi", mc.get_multi(["x", "y", "z", "q"]),
      {"x": 1, "y": "two", "z": [3]})
check("delete", mc.delete("x"), 1)
check("delete_multi", mc.delete_multi(["y", "z"]), 1)
check("touch", mc.touch("a", 100), True)
stats = mc.get_stats()
check("stats servers", len(stats), 1)
check("stats has curr_items", "curr_items" in stats[0][1], True)
# get_slab_stats() is broken in this library on Python 3 (str/bytes).
sys.exit(0)
