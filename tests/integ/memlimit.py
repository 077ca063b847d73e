#!/usr/bin/python3
"""cache_memlimit through pymemcache against a daemon started with -m 3
-o memlimit_max=32 on 127.0.0.1:PORT, whose storage child is STORAGE_PID:
it grows past -m, refuses past the reserve with memcached's words, and a
lower limit gives emptied pages back (total_malloced and the storage
child's shared memory drop).  Exits non-zero with a reason."""
import sys
import time

from pymemcache.client.base import Client

MB = 1024 * 1024
port = int(sys.argv[1])
storage = int(sys.argv[2])
c = Client(("127.0.0.1", port), timeout=10)
value = b"B" * 66560


def fail(why):
    sys.exit(why)


def rss_shmem():
    """Shared memory the storage child has mapped in, bytes."""
    with open("/proc/%d/status" % storage) as f:
        for line in f:
            if line.startswith("RssShmem:"):
                return int(line.split()[1]) * 1024
    fail("no RssShmem for %d" % storage)


def slabs():
    return c.stats("slabs")[b"total_malloced"]


for i in range(40):
    if not c.set("key%d" % i, value, noreply=False):
        fail("set key%d" % i)
evicted = c.stats()[b"evictions"]
if evicted == 0:
    fail("-m 3 held 40 values of 65 KB")
if slabs() > 3 * MB:
    fail("total_malloced %d past -m 3" % slabs())

if c.cache_memlimit(16) is not True:
    fail("cache_memlimit 16 was not accepted")
if c.stats("settings")[b"maxbytes"] != 16 * MB:
    fail("stats settings maxbytes after cache_memlimit 16")
if c.stats()[b"limit_maxbytes"] != 16 * MB:
    fail("stats limit_maxbytes after cache_memlimit 16")
for i in range(40, 150):
    if not c.set("key%d" % i, value, noreply=False):
        fail("set key%d" % i)
if c.stats()[b"evictions"] != evicted:
    fail("evictions below the grown limit")
full = slabs()
if full <= 8 * MB or full > 16 * MB:
    fail("total_malloced %d after growing to 16" % full)
if len(c.get_many(["key%d" % i for i in range(40, 150)])) != 110:
    fail("values stored past -m are gone")

# Past the reserve, and below memcached's floor: memcached's words.
for mb, words in ((33, "MEMLIMIT_ADJUST_FAILED"),
                  (7, "MEMLIMIT_TOO_SMALL")):
    try:
        c.cache_memlimit(mb)
        fail("cache_memlimit %d was accepted" % mb)
    except Exception as e:
        if words not in str(e):
            fail("cache_memlimit %d: %r" % (mb, e))
if c.stats()[b"limit_maxbytes"] != 16 * MB:
    fail("a refused cache_memlimit changed the limit")

shared = rss_shmem()
if c.cache_memlimit(8) is not True:
    fail("cache_memlimit 8 was not accepted")
for i in range(150):
    c.delete("key%d" % i, noreply=False)
deadline = time.monotonic() + 10
while slabs() > 8 * MB:
    if time.monotonic() > deadline:
        fail("total_malloced stayed at %d after the deletes" % slabs())
    time.sleep(0.05)
# What storage has in memory is within the pages classes still hold (and
# the header and page table): the pages given back left it.
if shared <= 8 * MB:
    fail("storage had only %d of shared memory at 16" % shared)
if rss_shmem() > slabs() + 64 * 1024:
    fail("storage still has %d of shared memory, was %d, holds %d"
         % (rss_shmem(), shared, slabs()))
# The pages given back serve again, up to the limit.
for i in range(150):
    if not c.set("key%d" % i, value, noreply=False):
        fail("set key%d after shrinking" % i)
if slabs() > 8 * MB:
    fail("total_malloced %d past the lowered limit" % slabs())
print("ok")
