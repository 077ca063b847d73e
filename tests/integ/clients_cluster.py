#!/usr/bin/python3
"""Client-side and proxy-side distribution over several servers.

  clients_cluster.py ketama P1 P2 P3     libmemcached (pylibmc) ketama
  clients_cluster.py hashclient P1 P2 P3 pymemcache's HashClient
  clients_cluster.py proxy PROXY P1 P2 P3  through twemproxy
  clients_cluster.py proxy-degraded PROXY  after one server is gone
Exit 0 when every key comes back and every server holds some."""
import socket
import sys
import time


def curr_items(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(b"stats\r\n")
    buf = b""
    while not buf.endswith(b"END\r\n"):
        buf += s.recv(65536)
    for line in buf.decode().splitlines():
        if line.startswith("STAT curr_items "):
            return int(line.split()[2])
    return -1


def check_spread(ports):
    counts = [curr_items(p) for p in ports]
    if min(counts) <= 0:
        sys.exit(f"keys not spread over every server: {counts}")


def roundtrip(set_fn, get_fn, n, prefix):
    for i in range(n):
        if not set_fn(f"{prefix}{i}", f"v{i}"):
            sys.exit(f"set {prefix}{i} failed")
    for i in range(n):
        got = get_fn(f"{prefix}{i}")
        if got not in (f"v{i}", f"v{i}".encode()):
            sys.exit(f"get {prefix}{i}: {got!r}")


mode = sys.argv[1]
if mode == "ketama":
    import pylibmc
    ports = [int(p) for p in sys.argv[2:]]
    mc = pylibmc.Client([f"127.0.0.1:{p}" for p in ports],
                        behaviors={"ketama": True})
    roundtrip(mc.set, mc.get, 300, "ketama:")
    check_spread(ports)
elif mode == "hashclient":
    from pymemcache.client.hash import HashClient
    ports = [int(p) for p in sys.argv[2:]]
    mc = HashClient([("127.0.0.1", p) for p in ports], connect_timeout=3,
                    timeout=3)
    roundtrip(lambda k, v: mc.set(k, v, noreply=False), mc.get, 300,
              "hash:")
    check_spread(ports)
elif mode == "proxy":
    from pymemcache.client.base import Client
    proxy = int(sys.argv[2])
    ports = [int(p) for p in sys.argv[3:]]
    mc = Client(("127.0.0.1", proxy), connect_timeout=3, timeout=3)
    roundtrip(lambda k, v: mc.set(k, v, noreply=False), mc.get, 300,
              "proxy:")
    check_spread(ports)
elif mode == "proxy-degraded":
    from pymemcache.client.base import Client
    proxy = int(sys.argv[2])
    # The first requests to the dead server fail; once twemproxy ejects
    # it, every key lands on the two left.
    deadline = time.time() + 20
    while True:
        try:
            mc = Client(("127.0.0.1", proxy), connect_timeout=3,
                        timeout=3)
            roundtrip(lambda k, v: mc.set(k, v, noreply=False), mc.get,
                      100, f"after:{int(time.time() * 1000)}:")
            break
        except Exception as e:
            if time.time() > deadline:
                sys.exit(f"traffic did not continue: {e!r}")
            time.sleep(0.5)
else:
    sys.exit(f"unknown mode {mode}")
sys.exit(0)
