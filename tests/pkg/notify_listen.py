"""Stands in for systemd's notify socket: binds PATH, prints each
datagram's lines until one says READY=1 (exit 0) or 10 s pass (exit 1)."""
import socket
import sys
import time

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        msg = sock.recv(4096).decode()
    except socket.timeout:
        break
    print(msg, flush=True)
    if "READY=1" in msg.split("\n"):
        sys.exit(0)
sys.exit(1)
