#!/usr/bin/python3
"""TLS clients for tests/integ/test_tls.c, run with /usr/bin/python3.

Every subcommand takes the server's TLS port and the directory that
tls_make_certs() filled (ca.crt, server*.crt/key, client.crt/key,
rogue.crt/key).  The server's certificate is always verified against
ca.crt, with 127.0.0.1 as the expected address (an IP SAN).

  roundtrip PORT DIR [--cert NAME]
      pymemcache over TLS: set, get, delete, incr, a 500 KB value.
      Exit 0 when every answer was right, 1 otherwise.
  probe PORT DIR [--cert NAME] [--max 1.2|1.3] [--min 1.2|1.3]
        [--ciphers STR]
      One connection: the handshake, then "version".  Prints
      "OK <protocol> <cipher> cn=<server CN> serial=<n> <reply>" and exits
      0; "REFUSED <stage>: <error>" and exit 3 when the server refused us
      (the handshake or the first request failed, or the reply was not a
      VERSION line); exit 4 when we did not trust the server's certificate;
      exit 5 when the TCP connection itself failed.
  loop PORT DIR SECONDS
      One connection doing sets and gets for SECONDS; prints "started"
      after its first answer, at the end "ops N errors E max_ms M".  Exit 0
      when every operation succeeded.
  clienthello
      The hex of a real ClientHello (what a client sends first).
  reload PORT DIR PID
      Keeps a TLS connection open, puts server2.crt/key in place of
      server.crt/key, sends SIGHUP to PID and waits (up to 5 s) until a new
      connection sees the new certificate; then checks that the old
      connection still works.  Exit 0 on success.
  peers PORT DIR COUNT
      COUNT connections one after the other, each a handshake and a
      "version": prints "cn=<CN> serial=<n>" for each.
  stall PORT DIR SECONDS MODE...
      One connection per MODE, at once, each stopping half way: silent
      (connects, sends nothing), record (a finished handshake, then half a
      TLS record), request (a finished handshake, then a record holding
      "get k" without its CRLF).  Prints "MODE closed MS" when the server
      hung up after MS milliseconds, "MODE open MS" when it had not after
      SECONDS.
  badreload PORT DIR PID
      Overwrites server.crt with garbage, SIGHUP, then checks that the
      daemon still serves new connections with the old certificate; the
      same with server2.crt, which does not match server.key.
"""
import argparse
import os
import shutil
import signal
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"
VERSIONS = {
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def fail(msg, code=1):
    print(msg, file=sys.stderr, flush=True)
    sys.exit(code)


def context(certdir, cert=None, tls_max=None, tls_min=None, ciphers=None):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                     cafile=os.path.join(certdir, "ca.crt"))
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if cert is not None:
        ctx.load_cert_chain(os.path.join(certdir, cert + ".crt"),
                            os.path.join(certdir, cert + ".key"))
    if tls_max is not None:
        ctx.maximum_version = VERSIONS[tls_max]
    if tls_min is not None:
        ctx.minimum_version = VERSIONS[tls_min]
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    return ctx


def connect(port, timeout=5):
    try:
        return socket.create_connection((HOST, port), timeout=timeout)
    except OSError as e:
        fail(f"CONNECT-FAILED {e}", 5)


def recv_line(s, limit=4096):
    """Reads up to a CRLF: the bytes (b"" on EOF before any)."""
    buf = b""
    while not buf.endswith(b"\r\n") and len(buf) < limit:
        chunk = s.recv(limit)
        if not chunk:
            break
        buf += chunk
    return buf


def peer_cn(tls):
    cert = tls.getpeercert()
    cn = ""
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                cn = value
    return cn, int(cert.get("serialNumber", "0"), 16)


def tls_open(port, ctx):
    """A TLS connection, or an exit with the probe's codes."""
    raw = connect(port)
    try:
        return ctx.wrap_socket(raw, server_hostname=HOST)
    except ssl.SSLCertVerificationError as e:
        fail(f"UNTRUSTED {e}", 4)
    except (ssl.SSLError, OSError) as e:
        raw.close()
        fail(f"REFUSED handshake: {e!r}", 3)


def cmd_probe(a):
    ctx = context(a.dir, a.cert, a.max, a.min, a.ciphers)
    tls = tls_open(a.port, ctx)
    # With TLS 1.3 a refused client certificate shows only here.
    try:
        tls.sendall(b"version\r\n")
        reply = recv_line(tls)
    except (ssl.SSLError, OSError) as e:
        fail(f"REFUSED first request: {e!r}", 3)
    if not reply.startswith(b"VERSION "):
        fail(f"REFUSED first request: reply {reply!r}", 3)
    cn, serial = peer_cn(tls)
    print(f"OK {tls.version()} {tls.cipher()[0]} cn={cn} serial={serial} "
          f"{reply.decode().strip()}", flush=True)
    tls.close()
    return 0


def check(what, got, want):
    if got != want:
        fail(f"{what}: got {got!r}, want {want!r}")


def cmd_roundtrip(a):
    from pymemcache.client.base import Client

    ctx = context(a.dir, a.cert)
    c = Client((HOST, a.port), tls_context=ctx, connect_timeout=5,
               timeout=10)
    check("version", c.version().count(b".") >= 2, True)
    check("set", c.set("tls:a", b"alpha", noreply=False), True)
    check("get", c.get("tls:a"), b"alpha")
    check("get miss", c.get("tls:missing"), None)
    check("set number", c.set("tls:n", b"41", noreply=False), True)
    check("incr", c.incr("tls:n", 1, noreply=False), 42)
    check("decr", c.decr("tls:n", 2, noreply=False), 40)
    check("delete", c.delete("tls:a", noreply=False), True)
    check("get deleted", c.get("tls:a"), None)
    check("delete missing", c.delete("tls:a", noreply=False), False)
    # Larger than any TLS record (16 KiB) and any socket buffer.
    big = bytes((i * 7 + i // 251) % 256 for i in range(500 * 1024))
    check("set 500 KB", c.set("tls:big", big, noreply=False), True)
    got = c.get("tls:big")
    check("get 500 KB length", len(got) if got else None, len(big))
    check("get 500 KB bytes", got == big, True)
    many = c.get_many([f"tls:m{i}" for i in range(50)] + ["tls:n", "tls:big"])
    check("get_many", sorted(many), ["tls:big", "tls:n"])
    check("get_many big", many["tls:big"] == big, True)
    for i in range(200):
        check(f"set {i}", c.set(f"tls:k{i}", b"v%d" % i, noreply=False), True)
    for i in range(200):
        check(f"get {i}", c.get(f"tls:k{i}"), b"v%d" % i)
    c.close()
    # A fresh connection sees what the first one stored.
    c = Client((HOST, a.port), tls_context=ctx, connect_timeout=5,
               timeout=10)
    check("other connection", c.get("tls:n"), b"40")
    c.close()
    print("roundtrip ok", flush=True)
    return 0


def cmd_loop(a):
    ctx = context(a.dir)
    tls = tls_open(a.port, ctx)
    tls.settimeout(5)
    ops = errors = 0
    worst = 0.0
    end = time.monotonic() + a.seconds
    i = 0
    while time.monotonic() < end:
        value = b"%08d" % i
        key = b"loop%d" % (i % 100)
        t0 = time.monotonic()
        try:
            tls.sendall(b"set " + key + b" 0 0 8\r\n" + value + b"\r\n")
            r1 = recv_line(tls)
            tls.sendall(b"get " + key + b"\r\n")
            r2 = b""
            while not r2.endswith(b"END\r\n"):
                chunk = tls.recv(4096)
                if not chunk:
                    break
                r2 += chunk
        except (ssl.SSLError, OSError) as e:
            print(f"op {i}: {e!r}", file=sys.stderr, flush=True)
            errors += 1
            break
        dt = (time.monotonic() - t0) * 1000
        worst = max(worst, dt)
        want = b"VALUE " + key + b" 0 8\r\n" + value + b"\r\nEND\r\n"
        if r1 != b"STORED\r\n" or r2 != want:
            print(f"op {i}: {r1!r} {r2!r}", file=sys.stderr, flush=True)
            errors += 1
        ops += 1
        if i == 0:
            print("started", flush=True)
        i += 1
        time.sleep(0.005)
    if ops == 0:
        print("started", flush=True)
    print(f"ops {ops} errors {errors} max_ms {int(worst)}", flush=True)
    return 0 if errors == 0 and ops > 0 else 1


def cmd_clienthello(a):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    if len(hello) < 100 or hello[0] != 0x16:
        fail(f"no ClientHello: {hello!r}")
    print(hello.hex(), flush=True)
    return 0


def put_in_place(src, dst):
    """Replaces dst by a copy of src at once, keeping dst's mode."""
    tmp = dst + ".new"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, os.stat(dst).st_mode & 0o777)
    os.replace(tmp, dst)


def session(port, ctx):
    tls = tls_open(port, ctx)
    tls.settimeout(5)
    return tls


def request(tls, req, end=b"\r\n"):
    tls.sendall(req)
    buf = b""
    while not buf.endswith(end):
        chunk = tls.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def cmd_reload(a):
    ctx = context(a.dir)
    old = session(a.port, ctx)
    cn0, serial0 = peer_cn(old)
    check("set before reload", request(old, b"set kept 0 0 4\r\nkept\r\n"),
          b"STORED\r\n")
    put_in_place(os.path.join(a.dir, "server2.key"),
                 os.path.join(a.dir, "server.key"))
    put_in_place(os.path.join(a.dir, "server2.crt"),
                 os.path.join(a.dir, "server.crt"))
    os.kill(a.pid, signal.SIGHUP)
    deadline = time.monotonic() + 5
    seen = []
    while True:
        s = session(a.port, ctx)
        cn, serial = peer_cn(s)
        seen.append((cn, serial))
        check("new connection after reload",
              request(s, b"get kept\r\n", b"END\r\n"),
              b"VALUE kept 0 4\r\nkept\r\nEND\r\n")
        s.close()
        if (cn, serial) != (cn0, serial0):
            break
        if time.monotonic() > deadline:
            fail(f"still {cn0} serial {serial0} 5 s after SIGHUP")
        time.sleep(0.1)
    check("new certificate", cn, "privcached-test-server-2")
    # The connection from before the reload keeps its session.
    check("old connection after reload",
          request(old, b"get kept\r\n", b"END\r\n"),
          b"VALUE kept 0 4\r\nkept\r\nEND\r\n")
    old.close()
    print(f"reloaded: {cn0}/{serial0} -> {cn}/{serial} "
          f"after {len(seen)} connections", flush=True)
    return 0


def still_old(port, ctx, cn0, serial0, what):
    for i in range(3):
        s = session(port, ctx)
        cn, serial = peer_cn(s)
        check(f"certificate after {what}", (cn, serial), (cn0, serial0))
        check(f"request after {what}", request(s, b"version\r\n")[:8],
              b"VERSION ")
        s.close()


def cmd_badreload(a):
    ctx = context(a.dir)
    s = session(a.port, ctx)
    cn0, serial0 = peer_cn(s)
    s.close()
    crt = os.path.join(a.dir, "server.crt")
    # A certificate file that is no certificate.
    with open(crt, "rb") as f:
        good = f.read()
    with open(crt, "wb") as f:
        f.write(b"-----BEGIN CERTIFICATE-----\nnot a certificate\n"
                b"-----END CERTIFICATE-----\n")
    os.kill(a.pid, signal.SIGHUP)
    time.sleep(1)
    still_old(a.port, ctx, cn0, serial0, "a reload with a broken certificate")
    # A good certificate whose key is not the one in ssl_key.
    put_in_place(os.path.join(a.dir, "server2.crt"), crt)
    os.kill(a.pid, signal.SIGHUP)
    time.sleep(1)
    still_old(a.port, ctx, cn0, serial0, "a reload with a key that does "
              "not match")
    with open(crt, "wb") as f:
        f.write(good)
    print(f"kept {cn0}/{serial0}", flush=True)
    return 0


def stalled(port, certdir, mode, seconds, results):
    """One connection that stops half way (see cmd_stall): into results,
    the milliseconds until the server hung up, or None."""
    raw = connect(port)
    t0 = time.monotonic()
    if mode != "silent":
        ctx = context(certdir)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_hostname=HOST)
        raw.settimeout(5)
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(outgoing.read())
                data = raw.recv(65536)
                if not data:
                    results[mode] = "EOF during the handshake"
                    return
                incoming.write(data)
        raw.sendall(outgoing.read())
        if mode == "record":
            obj.write(b"get k\r\n")
            record = outgoing.read()
            raw.sendall(record[:len(record) // 2])
        else:
            obj.write(b"get k")
            raw.sendall(outgoing.read())
        t0 = time.monotonic()
    raw.settimeout(0.2)
    while time.monotonic() - t0 < seconds:
        try:
            data = raw.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            data = b""
        if not data:
            results[mode] = int((time.monotonic() - t0) * 1000)
            return
    results[mode] = None


def cmd_peers(a):
    ctx = context(a.dir)
    for i in range(a.count):
        s = session(a.port, ctx)
        cn, serial = peer_cn(s)
        reply = request(s, b"version\r\n")
        s.close()
        if not reply.startswith(b"VERSION "):
            fail(f"connection {i}: {reply!r}")
        print(f"cn={cn} serial={serial}", flush=True)
    return 0


def cmd_stall(a):
    import threading

    results = {}
    threads = [threading.Thread(target=stalled,
                                args=(a.port, a.dir, m, a.seconds, results))
               for m in a.modes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for m in a.modes:
        r = results.get(m)
        if isinstance(r, int):
            print(f"{m} closed {r}", flush=True)
        elif r is None:
            print(f"{m} open {int(a.seconds * 1000)}", flush=True)
        else:
            print(f"{m} error {r}", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("roundtrip", "probe", "loop", "reload", "badreload"):
        s = sub.add_parser(name)
        s.add_argument("port", type=int)
        s.add_argument("dir")
        if name in ("roundtrip", "probe"):
            s.add_argument("--cert")
        if name == "probe":
            s.add_argument("--max", choices=VERSIONS)
            s.add_argument("--min", choices=VERSIONS)
            s.add_argument("--ciphers")
        if name == "loop":
            s.add_argument("seconds", type=float)
        if name in ("reload", "badreload"):
            s.add_argument("pid", type=int)
    sub.add_parser("clienthello")
    s = sub.add_parser("peers")
    s.add_argument("port", type=int)
    s.add_argument("dir")
    s.add_argument("count", type=int)
    s = sub.add_parser("stall")
    s.add_argument("port", type=int)
    s.add_argument("dir")
    s.add_argument("seconds", type=float)
    s.add_argument("modes", nargs="+", choices=("silent", "record",
                                                 "request"))
    a = p.parse_args()
    return {
        "roundtrip": cmd_roundtrip,
        "probe": cmd_probe,
        "loop": cmd_loop,
        "clienthello": cmd_clienthello,
        "reload": cmd_reload,
        "badreload": cmd_badreload,
        "stall": cmd_stall,
        "peers": cmd_peers,
    }[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
