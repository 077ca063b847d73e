#!/usr/bin/python3
"""Stores N keys with pymemcache and reads them back: exit 0 when every
value came back intact, 1 otherwise."""
import sys

from pymemcache.client.base import Client

port = int(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
client = Client(("127.0.0.1", port), connect_timeout=3, timeout=3)
for i in range(count):
    if not client.set(f"key:{i}", f"value-{i}-" + "x" * (i % 50), noreply=False):
        print(f"set key:{i} failed", file=sys.stderr)
        sys.exit(1)
for i in range(count):
    want = (f"value-{i}-" + "x" * (i % 50)).encode()
    got = client.get(f"key:{i}")
    if got != want:
        print(f"get key:{i}: {got!r} != {want!r}", file=sys.stderr)
        sys.exit(1)
many = client.get_many([f"key:{i}" for i in range(count)])
if len(many) != count:
    print(f"get_many returned {len(many)} of {count}", file=sys.stderr)
    sys.exit(1)
sys.exit(0)
