#!/usr/bin/python3
"""Every stats key the Prometheus memcached exporter (pkg/exporter) reads
must be present and parse the way it parses it: numbers as floats,
rusage as sec.usec, booleans as yes/no."""
import re
import socket
import sys

port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)


def stats(what=b""):
    s.sendall(b"stats" + (b" " + what if what else b"") + b"\r\n")
    buf = b""
    while not buf.endswith(b"END\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    out = {}
    for line in buf.decode().splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "STAT":
            out[parts[1]] = parts[2]
    return out


s.sendall(b"set exporter 0 0 1\r\nx\r\nget exporter\r\n")
s.recv(1000)
general = stats()
bad = []
numbers = ["uptime", "time", "cas_badval", "cmd_flush", "cmd_set", "bytes",
           "limit_maxbytes", "curr_items", "total_items", "bytes_read",
           "bytes_written", "curr_connections", "total_connections",
           "rejected_connections", "conn_yields", "listen_disabled_num",
           "evictions", "reclaimed", "store_too_large", "store_no_memory",
           "lru_crawler_starts", "direct_reclaims", "crawler_items_checked",
           "crawler_reclaimed", "moves_to_cold", "moves_to_warm",
           "moves_within_lru", "total_malloced", "accepting_conns"]
for op in ("get", "delete", "incr", "decr", "cas", "touch"):
    numbers += [op + "_hits", op + "_misses"]
for key in numbers:
    try:
        float(general[key])
    except (KeyError, ValueError):
        bad.append(f"stats {key}={general.get(key)!r}")
if "version" not in general:
    bad.append("stats version missing")
for key in ("rusage_user", "rusage_system"):
    if not re.fullmatch(r"\d+\.\d+", general.get(key, "")):
        bad.append(f"stats {key}={general.get(key)!r}")
settings = stats(b"settings")
try:
    float(settings["maxconns"])
except (KeyError, ValueError):
    bad.append("stats settings maxconns")
for key in ("lru_crawler", "lru_maintainer_thread"):
    if key in settings and settings[key] not in ("yes", "no"):
        bad.append(f"stats settings {key}={settings[key]!r}")
items = stats(b"items")
for key in ("number", "age", "hits_to_hot", "hits_to_warm", "hits_to_cold",
            "hits_to_temp", "evicted", "evicted_nonzero", "evicted_time",
            "evicted_unfetched", "expired_unfetched", "outofmemory",
            "reclaimed", "tailrepairs", "mem_requested"):
    found = [k for k in items if re.fullmatch(r"items:\d+:" + key, k)]
    if not found:
        bad.append(f"stats items: no items:N:{key}")
    for k in found:
        try:
            float(items[k])
        except ValueError:
            bad.append(f"stats items {k}={items[k]!r}")
slabs = stats(b"slabs")
for key in ("chunk_size", "chunks_per_page", "total_pages", "total_chunks",
            "used_chunks", "free_chunks", "free_chunks_end", "cmd_set", "get_hits", "delete_hits", "incr_hits", "decr_hits",
            "cas_hits", "cas_badval", "touch_hits"):
    found = [k for k in slabs if re.fullmatch(r"\d+:" + key, k)]
    if not found:
        bad.append(f"stats slabs: no N:{key}")
    for k in found:
        try:
            float(slabs[k])
        except ValueError:
            bad.append(f"stats slabs {k}={slabs[k]!r}")
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
sys.exit(0)
