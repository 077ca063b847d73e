#!/usr/bin/python3
"""Items held before eviction, privcached beside stock memcached.

Starts both servers with the same -m on loopback, fills each with 100-byte
values (keys key:0000000001...) until the first eviction and prints how many
items each held.  Usage: bench/items_held.py [-m MB] [--value BYTES]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_ready(port, proc):
    for _ in range(250):
        if proc.poll() is not None:
            sys.exit(f"server on {port} exited early")
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(b"version\r\n")
            if s.recv(100).startswith(b"VERSION"):
                return s
            s.close()
        except OSError:
            time.sleep(0.02)
    sys.exit(f"server on {port} did not come up")


def stats(sock):
    sock.sendall(b"stats\r\n")
    buf = b""
    while not buf.endswith(b"END\r\n"):
        buf += sock.recv(65536)
    out = {}
    for line in buf.decode().splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "STAT":
            out[parts[1]] = parts[2]
    return out


def fill(sock, value_len):
    value = b"v" * value_len
    n = 0
    batch = 1000
    while True:
        req = b"".join(b"set key:%010d 0 0 %d noreply\r\n%s\r\n"
                       % (n + i, value_len, value) for i in range(batch))
        sock.sendall(req)
        n += batch
        st = stats(sock)
        if int(st["evictions"]) > 0:
            return int(st["curr_items"]) + int(st["evictions"]), \
                int(st["curr_items"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-m", type=int, default=64)
    ap.add_argument("--value", type=int, default=100)
    ap.add_argument("--privcached", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "privcached"))
    args = ap.parse_args()
    memcached = shutil.which("memcached")
    if memcached is None:
        sys.exit("stock memcached is not installed (apt-get install memcached)")
    results = {}
    for name, argv in (
            ("memcached", [memcached, "-t", "1", "-U", "0"]),
            ("privcached", [os.path.abspath(args.privcached)])):
        port = free_port()
        cmd = argv + ["-m", str(args.m), "-p", str(port), "-l", "127.0.0.1"]
        if os.geteuid() == 0:
            cmd += ["-u", "nobody"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            sock = wait_ready(port, proc)
            stored, held = fill(sock, args.value)
            results[name] = held
            print(f"{name:10s} -m {args.m}: {held} items of {args.value} "
                  f"bytes held at the first eviction")
        finally:
            proc.terminate()
            proc.wait()
    ratio = results["privcached"] / results["memcached"]
    print(f"ratio privcached/memcached: {ratio:.3f}")


if __name__ == "__main__":
    main()
