#!/usr/bin/python3
"""privcached against stock memcached, A B A B, on one pinned CPU each.

For every workload, several rounds; in each round a fresh memcached
(-t 1) and then a fresh privcached, each pinned with taskset to the server
CPU (privcached's children inherit it), the load generator
(obj-bench/loadgen) pinned to the other CPU.  Each run preloads the key
space, warms up, measures for a fixed time.  Prints per workload the median
ops/s of each server, the ratio, both p99s, and diagnostics (server CPU use,
privcached's net/storage CPU split and IPC batch sizes, the load
generator's own CPU use).  The TLS workload (t) runs both servers with -Z
and a certificate made for this run, and also reports each server's TLS
throughput against its own plaintext (a) result from the same run.  Then
the 10,000-idle-connections case, then bench/items_held.py, and finally
rewrites the results section of bench/README.md.  --threads N gives
both servers -t N (memcached's worker threads, privcached's net children).

--scaling instead runs (a) and (b) with memcached -t 1, privcached -t 1,
memcached -t 2 and privcached -t 2 in every round, servers and load
generator all on CPUs 0,1 (on two cores nothing can be pinned to a CPU of
its own), and rewrites the "One net child or two" section of
bench/README.md.

Run `bench/compare.py -h` for the options; `make bench` runs it, `make
bench-scaling` the scaling mode.
"""
import argparse
import atexit
import datetime
import json
import os
import platform
import pwd
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")

# name -> (description, loadgen arguments, target)
# target: (min throughput ratio, max p99 ratio or None), or None for a
# workload that only reports (the TLS one)
WORKLOADS = {
    "a": ("1:10 set:get, 100 B values, 50 conns, depth 1",
          ["-r", "1:10", "-v", "100", "-c", "50", "-d", "1"], (1.0, 1.2)),
    "b": ("as (a), depth 16 (refill as replies arrive)",
          ["-r", "1:10", "-v", "100", "-c", "50", "-d", "16"], (2.5, None)),
    "bg": ("as (a), depth 16 in lockstep groups of 16",
           ["-r", "1:10", "-v", "100", "-c", "50", "-d", "16", "-g"],
           (2.5, None)),
    "c": ("sets only, 1 KB values, 50 conns, depth 1",
          ["-r", "1:0", "-v", "1024", "-c", "50", "-d", "1"], (1.0, 1.2)),
    "d": ("1:1 set:get, 4 KB values, 50 conns, depth 1",
          ["-r", "1:1", "-v", "4096", "-c", "50", "-d", "1"], (1.0, 1.2)),
}
# TLS workloads: name -> the plaintext workload it repeats over TLS (both
# servers with -Z), whose result from the same run it is compared with.
TLS_WORKLOADS = {"t": "a"}
for _t, _plain in TLS_WORKLOADS.items():
    WORKLOADS[_t] = (f"as ({_plain}), over TLS (-Z)", WORKLOADS[_plain][1],
                     None)
DEFAULT_WORKLOADS = "a,b,bg,c,d,t"
KEYS = 100000

BEGIN = "<!-- results:begin (written by bench/compare.py) -->"
END = "<!-- results:end -->"

# --scaling: every workload with each of these (server, -t), in this order
# in every round; servers and load generator on the same CPUs by default.
SCALING_RUNS = [("memcached", 1), ("privcached", 1), ("memcached", 2),
                ("privcached", 2)]
SCALING_WORKLOADS = "a,b"
SCALING_CPUS = "0,1"
SCALING_BEGIN = "<!-- scaling-results-start -->"
SCALING_END = "<!-- scaling-results-end -->"
SCALING_HEADING = "## One net child or two (-t)"


def log(msg):
    print(msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- TLS certificate -------------------------------------------------------

def make_tls_files():
    """A throwaway EC P-256 key and a self-signed certificate for 127.0.0.1,
    made once per run; returns (certificate, key).

    The servers may read them after dropping to `nobody` (as root they
    run with -u nobody), so the directory and files belong to nobody.  The
    directory is made in /tmp rather than $TMPDIR, which may sit in a
    directory nobody cannot enter."""
    d = tempfile.mkdtemp(prefix="privcached-bench-tls.", dir="/tmp")
    atexit.register(shutil.rmtree, d, True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    # The SAN lets the load generator and the readiness probe verify the
    # server by its address: a run that talks to some other TLS server on
    # a reused port fails instead of measuring it.
    cmd = ["/usr/bin/openssl", "req", "-x509", "-newkey", "ec",
           "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", key, "-out", cert, "-days", "2",
           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        sys.exit(f"cannot run /usr/bin/openssl (apt-get install openssl): "
                 f"{e}")
    if p.returncode != 0:
        sys.exit(f"openssl failed ({p.returncode}): {' '.join(cmd)}\n"
                 f"{p.stderr}")
    if os.geteuid() == 0:
        try:
            nobody = pwd.getpwnam("nobody").pw_uid
        except KeyError:
            sys.exit("no user `nobody' for the servers to run as")
        for f in (d, cert, key):
            os.chown(f, nobody, -1)
    os.chmod(d, 0o700)
    os.chmod(cert, 0o444)
    os.chmod(key, 0o400)
    return cert, key


# ---- servers ---------------------------------------------------------------

class Server:
    def __init__(self, kind, args, port, extra_conns=0, tls=False,
                 threads=None):
        self.kind = kind
        self.port = port
        self.tls = tls
        # -t: memcached's worker threads, privcached's net children
        self.threads = args.threads if threads is None else threads
        if tls:
            tls_o = (f"ssl_chain_cert={args.tls_cert},"
                     f"ssl_key={args.tls_key}")
        if kind == "memcached":
            cmd = [args.memcached, "-t", str(self.threads), "-U", "0",
                   "-m", "1024", "-p", str(port), "-l", "127.0.0.1"]
            if extra_conns:
                cmd += ["-c", str(extra_conns)]
            if tls:
                cmd += ["-Z", "-o", tls_o]
        else:
            cmd = [args.privcached, "-t", str(self.threads), "-m", "1024",
                   "-p", str(port), "-l", "127.0.0.1",
                   "-o", "idle_timeout=0,conn_per_ip=0" +
                   (f",{tls_o}" if tls else "") +
                   (f",{args.privcached_o}" if args.privcached_o else "")]
            if extra_conns:
                cmd += ["-c", str(extra_conns)]
            if tls:
                cmd += ["-Z"]
        if os.geteuid() == 0:
            cmd += ["-u", "nobody"]
        self.cmd = ["taskset", "-c", args.server_cpus] + cmd
        self.errlog = open(os.path.join(args.tmpdir, f"{kind}.stderr"), "w")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=self.errlog,
                                     preexec_fn=os.setpgrp)
        self.pid = self.proc.pid   # taskset execs, so this is the server
        self.ctl = self._wait_ready(args)
        self.roles = self._roles()

    def _errtail(self):
        """The end of the server's stderr, to say why it failed."""
        try:
            self.errlog.flush()
            with open(self.errlog.name, errors="replace") as f:
                tail = f.read()[-2000:].strip()
        except OSError:
            return ""
        return f":\n{tail}" if tail else ""

    def _wait_ready(self, args):
        """Connects (over TLS for a TLS server, verifying it like the load
        generator does) and asks `version'; returns the connection, kept
        for `stats'."""
        ctx = None
        if self.tls:
            ctx = ssl.create_default_context(cafile=args.tls_cert)
        why = "no answer"
        for _ in range(500):
            if self.proc.poll() is not None:
                sys.exit(f"{self.kind} exited early: {' '.join(self.cmd)} "
                         f"(see {self.errlog.name}){self._errtail()}")
            s = None
            try:
                s = socket.create_connection(("127.0.0.1", self.port),
                                             timeout=2)
                if ctx is not None:
                    s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
                s.sendall(b"version\r\n")
                if s.recv(100).startswith(b"VERSION"):
                    return s
                why = "no VERSION reply"
                s.close()
            except OSError as e:   # ssl.SSLError is one too
                why = str(e)
                if s is not None:
                    s.close()
            time.sleep(0.02)
        sys.exit(f"{self.kind} on port {self.port} did not come up "
                 f"({why}){self._errtail()}")

    def _roles(self):
        """pid -> role: memcached is one process; privcached 2 + -t: the
        parent, the storage child and one "net" per net child."""
        roles = {self.pid: "parent" if self.kind == "privcached"
                 else "memcached"}
        if self.kind != "privcached":
            return roles
        for _ in range(100):
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open(f"/proc/{d}/stat") as f:
                        st = f.read()
                    ppid = int(st[st.rindex(")") + 2:].split()[1])
                    if ppid != self.pid:
                        continue
                    with open(f"/proc/{d}/cmdline", "rb") as f:
                        cl = f.read().replace(b"\0", b" ").decode(
                            errors="replace")
                except (OSError, ValueError):
                    continue
                if "storage" in cl:
                    roles[int(d)] = "storage"
                elif "net" in cl:
                    roles[int(d)] = "net"
            if len(roles) == 2 + self.threads:
                return roles
            time.sleep(0.05)
        sys.exit(f"privcached children of {self.pid} not found: {roles}")

    def cpu(self):
        """role -> CPU seconds (user + system, all threads), summed over
        the processes of a role (privcached's net children)."""
        out = {}
        for pid, role in self.roles.items():
            out.setdefault(role, 0.0)
            try:
                with open(f"/proc/{pid}/stat") as f:
                    st = f.read()
                fields = st[st.rindex(")") + 2:].split()
                out[role] += (int(fields[11]) + int(fields[12])) / CLK_TCK
            except (OSError, ValueError):
                pass
        return out

    def rss_kb(self):
        total = 0
        for pid in self.roles:
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def stats(self):
        self.ctl.sendall(b"stats\r\n")
        buf = b""
        while not buf.endswith(b"END\r\n"):
            chunk = self.ctl.recv(65536)
            if not chunk:
                break
            buf += chunk
        out = {}
        for line in buf.decode(errors="replace").splitlines():
            parts = line.split(" ")
            if len(parts) == 3 and parts[0] == "STAT":
                out[parts[1]] = parts[2]
        return out

    def stop(self):
        try:
            self.ctl.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errlog.close()


# ---- load generator ----------------------------------------------------------

def loadgen_cmd(args, port, extra):
    return (["taskset", "-c", args.client_cpus, args.loadgen,
             "-p", str(port), "-q", "-S", "-k", str(KEYS)] + extra)


def run_loadgen(args, srv, extra, on_ready=None):
    """Runs the load generator against srv; returns (result, diagnostics)."""
    cmd = loadgen_cmd(args, srv.port, extra)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    result = None
    cpu0 = cpu1 = st0 = st1 = None
    t0 = t1 = None
    for line in p.stdout:
        line = line.strip()
        if line == "@ready":
            if on_ready:
                on_ready()
            p.stdin.write("go\n")
            p.stdin.flush()
        elif line == "@measure":
            t0 = time.monotonic()
            cpu0 = srv.cpu()
            if srv.kind == "privcached":
                st0 = srv.stats()
        elif line == "@done":
            t1 = time.monotonic()
            cpu1 = srv.cpu()
            if srv.kind == "privcached":
                st1 = srv.stats()
        elif line.startswith("{"):
            result = json.loads(line)
    err = p.stderr.read()
    p.wait()
    if p.returncode != 0 or result is None:
        sys.exit(f"load generator failed ({p.returncode}): {' '.join(cmd)}\n"
                 f"{err}")
    diag = {}
    if cpu0 and cpu1 and t1 > t0:
        wall = t1 - t0
        diag["cpu"] = {r: (cpu1[r] - cpu0[r]) / wall for r in cpu1}
        diag["server_cpu"] = sum(diag["cpu"].values())
    if st0 and st1:
        b = int(st1["privcached_ipc_batches"]) - \
            int(st0["privcached_ipc_batches"])
        r = int(st1["privcached_ipc_batch_records"]) - \
            int(st0["privcached_ipc_batch_records"])
        diag["batches"] = b
        diag["records_per_batch"] = r / b if b else 0.0
    return result, diag


def measured_round(args, srv, lg_args):
    """Preload, warm up and measure srv, then stop it: the result, with
    the server-side diagnostics under "diag"."""
    try:
        res, diag = run_loadgen(
            args, srv, lg_args + ["-P", "-t", str(args.duration),
                                  "-w", str(args.warmup)])
    finally:
        srv.stop()
    res["diag"] = diag
    return res


def settle():
    time.sleep(0.5)


# ---- workloads -----------------------------------------------------------------

def run_workload(args, name, counter):
    desc, lg_args, target = WORKLOADS[name]
    tls = name in TLS_WORKLOADS
    if tls:
        lg_args = lg_args + ["--tls-ca", args.tls_cert]
    runs = {"memcached": [], "privcached": []}
    for rnd in range(1, args.rounds + 1):
        for kind in ("memcached", "privcached"):
            counter[0] += 1
            srv = Server(kind, args, free_port(), tls=tls)
            res = measured_round(args, srv, lg_args)
            runs[kind].append(res)
            log(f"[{counter[0]:2d}/{counter[1]}] ({name}) {kind:10s} round "
                f"{rnd}/{args.rounds}: {run_detail(srv, res)}")
            settle()
    return summarize(name, desc, target, runs)


def run_detail(srv, res):
    """One run's numbers for the progress line."""
    diag = res["diag"]
    extra = ""
    if "records_per_batch" in diag:
        net = "net" if srv.threads == 1 else f"{srv.threads} net"
        extra = (f", {net} {100 * diag['cpu'].get('net', 0):.0f}% "
                 f"storage {100 * diag['cpu'].get('storage', 0):.0f}%"
                 f", {diag['records_per_batch']:.1f} req/batch")
    if res.get("tls"):
        extra += f", {res['tls']}"
    return (f"{res['ops_per_sec']:>10,.0f} ops/s  "
            f"p99 {res['lat_us']['p99']:7.1f}us  server cpu "
            f"{100 * diag.get('server_cpu', 0):3.0f}%{extra}  loadgen "
            f"cpu {100 * res['cpu']['util']:.0f}%")


def med(rs, f):
    return statistics.median(f(r) for r in rs)


def summarize(name, desc, target, runs):
    mc, pc = runs["memcached"], runs["privcached"]
    s = {
        "name": name, "desc": desc, "rounds": len(mc),
        "mc_ops": med(mc, lambda r: r["ops_per_sec"]),
        "pc_ops": med(pc, lambda r: r["ops_per_sec"]),
        "mc_p99": med(mc, lambda r: r["lat_us"]["p99"]),
        "pc_p99": med(pc, lambda r: r["lat_us"]["p99"]),
        "mc_p50": med(mc, lambda r: r["lat_us"]["p50"]),
        "pc_p50": med(pc, lambda r: r["lat_us"]["p50"]),
        "mc_cpu": med(mc, lambda r: r["diag"].get("server_cpu", 0)),
        "pc_cpu": med(pc, lambda r: r["diag"].get("server_cpu", 0)),
        "pc_net": med(pc, lambda r: r["diag"].get("cpu", {}).get("net", 0)),
        "pc_sto": med(pc, lambda r: r["diag"].get("cpu", {})
                      .get("storage", 0)),
        "pc_rpb": med(pc, lambda r: r["diag"].get("records_per_batch", 0)),
        "lg_cpu": max(r["cpu"]["util"] for r in mc + pc),
        "mc_all": [r["ops_per_sec"] for r in mc],
        "pc_all": [r["ops_per_sec"] for r in pc],
        # what each server negotiated (the same in every round)
        "mc_tls": " / ".join(sorted({r.get("tls", "") for r in mc})),
        "pc_tls": " / ".join(sorted({r.get("tls", "") for r in pc})),
    }
    s["ratio"] = s["pc_ops"] / s["mc_ops"] if s["mc_ops"] else 0.0
    rr = [p / m for p, m in zip(s["pc_all"], s["mc_all"]) if m]
    s["round_ratios"] = (min(rr), max(rr)) if rr else (0.0, 0.0)
    s["p99_ratio"] = s["pc_p99"] / s["mc_p99"] if s["mc_p99"] else 0.0
    if target is None:
        # Filled in by tls_against_plain once every workload has run.
        s["target"] = "report TLS/plaintext ratio"
        s["met"] = "n/a"
        return s
    tmin, tp99 = target
    ok = s["ratio"] >= tmin and (tp99 is None or s["p99_ratio"] <= tp99)
    s["target"] = (f">= {tmin:.1f}x" +
                   (f", p99 <= {tp99:.1f}x" if tp99 else ""))
    s["met"] = "yes" if ok else "NO"
    return s


def tls_against_plain(summaries):
    """Each TLS workload's ops/s against its plaintext twin's, per server,
    from the same run; None where the twin did not run this time."""
    by_name = {s["name"]: s for s in summaries}
    for s in summaries:
        if s["name"] not in TLS_WORKLOADS:
            continue
        s["plain"] = TLS_WORKLOADS[s["name"]]
        plain = by_name.get(s["plain"])
        for k in ("mc", "pc"):
            s[f"{k}_vs_plain"] = (s[f"{k}_ops"] / plain[f"{k}_ops"]
                                  if plain and plain[f"{k}_ops"] else None)
            s[f"{k}_plain_ops"] = plain[f"{k}_ops"] if plain else None
            s[f"{k}_plain_p99"] = plain[f"{k}_p99"] if plain else None
        s["met"] = (f"privcached TLS/plaintext {s['pc_vs_plain']:.2f}x"
                    if s["pc_vs_plain"] is not None else
                    f"TLS/plaintext n/a (({s['plain']}) not run)")


# ---- one net child or two (--scaling) ------------------------------------------

def run_scaling(args, name, counter):
    """One workload with every (server, -t) of SCALING_RUNS per round;
    returns the workload and a summary row per (server, -t)."""
    desc, lg_args, _ = WORKLOADS[name]
    tls = name in TLS_WORKLOADS
    if tls:
        lg_args = lg_args + ["--tls-ca", args.tls_cert]
    runs = {run: [] for run in SCALING_RUNS}
    for rnd in range(1, args.rounds + 1):
        for kind, threads in SCALING_RUNS:
            counter[0] += 1
            srv = Server(kind, args, free_port(), tls=tls, threads=threads)
            res = measured_round(args, srv, lg_args)
            runs[(kind, threads)].append(res)
            log(f"[{counter[0]:2d}/{counter[1]}] ({name}) {kind:10s} -t "
                f"{threads} round {rnd}/{args.rounds}: "
                f"{run_detail(srv, res)}")
            settle()
    rows = []
    for (kind, threads), rs in runs.items():
        rows.append({
            "server": kind, "threads": threads,
            "ops": med(rs, lambda r: r["ops_per_sec"]),
            "p99": med(rs, lambda r: r["lat_us"]["p99"]),
            "cpu": med(rs, lambda r: r["diag"].get("server_cpu", 0)),
            "net": med(rs, lambda r: r["diag"].get("cpu", {}).get("net", 0)),
            "storage": med(rs, lambda r: r["diag"].get("cpu", {})
                           .get("storage", 0)),
            "rpb": med(rs, lambda r: r["diag"].get("records_per_batch", 0)),
            "lg_cpu": med(rs, lambda r: r["cpu"]["util"]),
            "lg_cpu_max": max(r["cpu"]["util"] for r in rs),
            "all": [r["ops_per_sec"] for r in rs],
        })
    by = {(r["server"], r["threads"]): r for r in rows}
    for r in rows:
        one = by.get((r["server"], 1))
        mc = by.get(("memcached", r["threads"]))
        # -t N against the same server's -t 1; privcached against
        # memcached at the same -t
        r["vs_t1"] = (r["ops"] / one["ops"] if r["threads"] != 1 and one
                      and one["ops"] else None)
        r["vs_mc"] = (r["ops"] / mc["ops"] if r["server"] == "privcached"
                      and mc and mc["ops"] else None)
    return {"name": name, "desc": desc, "rounds": args.rounds, "rows": rows}


def cpu_set(cpus):
    """The CPUs of a taskset list such as 0,1 or 0-3,6."""
    out = set()
    for part in cpus.split(","):
        lo, _, hi = part.partition("-")
        try:
            out.update(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            sys.exit(f"bad CPU list {cpus!r} (e.g. 0,1 or 0-3)")
    return out


def cpus_text(cpus):
    return f"CPUs {cpus}" if len(cpu_set(cpus)) > 1 else f"CPU {cpus}"


def scaling_placement(args):
    """Where the servers and the load generator ran, and what that
    means for the numbers."""
    srv, cli = cpu_set(args.server_cpus), cpu_set(args.client_cpus)
    if srv == cli:
        where = (f"Servers and load generator all on "
                 f"{cpus_text(args.server_cpus)} (`taskset -c "
                 f"{args.server_cpus}` for both, nothing pinned to a single "
                 f"CPU)")
    else:
        where = (f"Servers on {cpus_text(args.server_cpus)}, load "
                 f"generator on {cpus_text(args.client_cpus)}")
    if srv & cli:
        where += (": the load generator competes with the server for "
                  "the same cores, so what it spends the server does not "
                  "get")
    if len(srv) < 3:
        where += (f"; with -t 2 privcached's two net children and its "
                  f"storage child share {len(srv)} "
                  f"core{'s' if len(srv) > 1 else ''}")
    return where + "."


# ---- idle connections ----------------------------------------------------------

def run_idle(args, counter):
    lg_args = WORKLOADS["a"][1]
    out = {"memcached": [], "privcached": []}
    for rnd in range(1, args.idle_rounds + 1):
        for kind in ("memcached", "privcached"):
            counter[0] += 1
            srv = Server(kind, args, free_port(),
                         extra_conns=args.idle_conns + 2000)
            try:
                # Fill first, so the baseline holds the same items.
                run_loadgen(args, srv, lg_args + ["-P", "-t", "0"])
                settle()
                base = srv.rss_kb()
                ready = {}

                def on_ready():
                    # Idle means quiet for a while: privcached gives the
                    # buffers of a connection quiet for 2 s back (memcached
                    # at once), so both are measured 3 s after the last
                    # idle connection answered.
                    time.sleep(3.0)
                    ready["rss"] = srv.rss_kb()

                res, diag = run_loadgen(
                    args, srv, lg_args + ["-i", str(args.idle_conns), "-W",
                                          "-t", str(args.duration),
                                          "-w", str(args.warmup)],
                    on_ready=on_ready)
                loaded = srv.rss_kb()
            finally:
                srv.stop()
            per = (ready["rss"] - base) * 1024 / args.idle_conns
            out[kind].append({"base_kb": base, "idle_kb": ready["rss"],
                              "loaded_kb": loaded, "per_conn": per,
                              "ops": res["ops_per_sec"],
                              "p99": res["lat_us"]["p99"],
                              "cpu": diag.get("server_cpu", 0)})
            log(f"[{counter[0]:2d}/{counter[1]}] (idle) {kind:10s} round "
                f"{rnd}/{args.idle_rounds}: RSS {base / 1024:.1f} -> "
                f"{ready['rss'] / 1024:.1f} MiB with {args.idle_conns} idle "
                f"= {per:.0f} B/conn; {res['ops_per_sec']:,.0f} ops/s p99 "
                f"{res['lat_us']['p99']:.1f}us")
            settle()
    summ = {}
    for kind, rs in out.items():
        summ[kind] = {k: statistics.median(r[k] for r in rs)
                      for k in rs[0]}
    return summ


def run_items_held():
    cmd = ["/usr/bin/python3", os.path.join(HERE, "items_held.py"),
           "-m", "64", "--value", "100"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return f"items_held.py failed: {p.stderr.strip()}"
    return p.stdout.strip()


# ---- report --------------------------------------------------------------------

def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        mcv = subprocess.run([shutil.which("memcached") or "memcached",
                              "-V"], capture_output=True, text=True
                             ).stdout.strip()
    except OSError:
        mcv = "?"
    try:
        rev = subprocess.run(["git", "-C", TOP, "describe", "--always",
                              "--dirty"], capture_output=True, text=True
                             ).stdout.strip()
    except OSError:
        rev = "?"
    return {"nproc": os.cpu_count(), "model": model,
            "kernel": platform.release(), "memcached": mcv, "rev": rev}


def fmt_ops(v):
    return f"{v:,.0f}"


NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six"}


def tables(args, summaries, idle, items, mach, when):
    L = []
    pc_t = f" (-t {args.threads})" if args.threads != 1 else ""
    L.append(f"Run {when} on {mach['nproc']} x {mach['model']}, Linux "
             f"{mach['kernel']}; {mach['memcached']} (-t {args.threads}) "
             f"against privcached {mach['rev']}{pc_t}.  Servers on "
             f"{cpus_text(args.server_cpus)}, load generator on "
             f"{cpus_text(args.client_cpus)}; {args.rounds} rounds "
             f"A B A B, {args.duration:g} s measured after {args.warmup:g} s "
             f"warm-up, {KEYS:,} keys preloaded; medians.")
    L.append("")
    L.append("| workload | memcached ops/s | privcached ops/s | ratio | "
             "memcached p99 us | privcached p99 us | p99 ratio | target | "
             "met |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for s in summaries:
        L.append(f"| ({s['name']}) {s['desc']} | {fmt_ops(s['mc_ops'])} | "
                 f"{fmt_ops(s['pc_ops'])} | {s['ratio']:.2f}x | "
                 f"{s['mc_p99']:.0f} | {s['pc_p99']:.0f} | "
                 f"{s['p99_ratio']:.2f}x | {s['target']} | {s['met']} |")
    L.append("")
    L.append("Diagnostics (medians; CPU as a fraction of one core during "
             "the measurement):")
    L.append("")
    net = "net" if args.threads == 1 else f"{args.threads} net"
    L.append(f"| workload | memcached cpu | privcached cpu ({net} + storage) "
             "| requests per IPC batch | p50 us mc / pc | loadgen cpu (max) "
             "| ratio per round | all runs mc / pc (ops/s) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for s in summaries:
        L.append(f"| ({s['name']}) | {100 * s['mc_cpu']:.0f}% | "
                 f"{100 * s['pc_cpu']:.0f}% ({100 * s['pc_net']:.0f} + "
                 f"{100 * s['pc_sto']:.0f}) | {s['pc_rpb']:.1f} | "
                 f"{s['mc_p50']:.0f} / {s['pc_p50']:.0f} | "
                 f"{100 * s['lg_cpu']:.0f}% | "
                 f"{s['round_ratios'][0]:.2f}-{s['round_ratios'][1]:.2f}x | "
                 f"{' '.join(f'{v / 1000:.0f}k' for v in s['mc_all'])} / "
                 f"{' '.join(f'{v / 1000:.0f}k' for v in s['pc_all'])} |")
    for s in summaries:
        if "plain" in s:
            L += tls_table(s)
    if idle:
        a = next((s for s in summaries if s["name"] == "a"), None)
        L.append("")
        L.append(f"{args.idle_conns:,} idle connections (each has answered "
                 f"one `version`) held while workload (a) runs "
                 f"({args.idle_rounds} rounds, medians; RSS summed over all "
                 f"server processes, privcached's "
                 f"{NUMBER_WORDS.get(2 + args.threads, 2 + args.threads)} "
                 f"included):")
        L.append("")
        L.append("| server | RSS before | RSS with idle | bytes per idle "
                 "connection | ops/s with idle | vs (a) without | p99 us |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for kind in ("memcached", "privcached"):
            r = idle[kind]
            base_ops = a["mc_ops" if kind == "memcached" else "pc_ops"] \
                if a else 0
            L.append(f"| {kind} | {r['base_kb'] / 1024:.1f} MiB | "
                     f"{r['idle_kb'] / 1024:.1f} MiB | {r['per_conn']:.0f} | "
                     f"{fmt_ops(r['ops'])} | "
                     f"{(r['ops'] / base_ops if base_ops else 0):.2f}x | "
                     f"{r['p99']:.0f} |")
        L.append(f"| ratio privcached/memcached | | | "
                 f"{idle['privcached']['per_conn'] / idle['memcached']['per_conn']:.2f}x | "
                 f"{idle['privcached']['ops'] / idle['memcached']['ops']:.2f}x"
                 f" | | |")
    if items:
        L.append("")
        L.append("Items held at -m 64, 100-byte values (bench/items_held.py):")
        L.append("")
        L.append("```")
        L.append(items)
        L.append("```")
    return "\n".join(L)


def scaling_tables(args, summaries, mach, when):
    L = []
    L.append(f"Run {when} on {mach['nproc']} x {mach['model']}, Linux "
             f"{mach['kernel']}; {mach['memcached']} against privcached "
             f"{mach['rev']}, each with -t 1 and -t 2.  "
             f"{scaling_placement(args)}  {args.rounds} rounds of "
             f"{', '.join(f'{k} -t {t}' for k, t in SCALING_RUNS)}; "
             f"{args.duration:g} s measured after {args.warmup:g} s "
             f"warm-up, {KEYS:,} keys preloaded; medians.  CPU in % of "
             f"one core: the server's summed over all its processes "
             f"(privcached: net children + storage; its parent is idle), "
             f"the load generator's (one thread) from its own getrusage.")
    L.append("")
    L.append("| workload | server | -t | ops/s | p99 us | server cpu | "
             "loadgen cpu | -t 2 / -t 1 | privcached / memcached | "
             "all runs (ops/s) |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    busy = []
    for s in summaries:
        for i, r in enumerate(s["rows"]):
            # the description once per workload
            wl = f"({s['name']}) {s['desc']}" if i == 0 else f"({s['name']})"
            cpu = f"{100 * r['cpu']:.0f}%"
            if r["server"] == "privcached":
                cpu += (f" (net {100 * r['net']:.0f} + storage "
                        f"{100 * r['storage']:.0f})")
            vs_t1, vs_mc = (f"{r[k]:.2f}x" if r[k] is not None else ""
                            for k in ("vs_t1", "vs_mc"))
            L.append(f"| {wl} | {r['server']} | {r['threads']} | "
                     f"{fmt_ops(r['ops'])} | {r['p99']:.0f} | {cpu} | "
                     f"{100 * r['lg_cpu']:.0f}% | {vs_t1} | {vs_mc} | "
                     f"{' '.join(f'{v / 1000:.0f}k' for v in r['all'])} |")
            if r["lg_cpu_max"] >= 0.95:
                busy.append(f"({s['name']}) {r['server']} -t {r['threads']}")
    if busy:
        L.append("")
        L.append(f"The load generator reached 95% of a core or more in "
                 f"{', '.join(busy)}: there it, not the server, may set "
                 f"the pace.")
    return "\n".join(L)


def tls_table(s):
    """Each server over TLS against itself in plaintext, same run."""
    def opt(v, f):
        return f(v) if v is not None else "n/a"

    L = [""]
    L.append(f"({s['name']}) over TLS against ({s['plain']}) in plaintext, "
             f"from this run (medians; both servers with -Z and a "
             f"self-signed EC P-256 certificate the load generator "
             f"verifies; handshakes done before the preload):")
    L.append("")
    L.append(f"| server | ({s['plain']}) plaintext ops/s | ({s['name']}) TLS "
             f"ops/s | TLS/plaintext | plaintext p99 us | TLS p99 us | "
             f"negotiated |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for k, kind in (("mc", "memcached"), ("pc", "privcached")):
        L.append(f"| {kind} | {opt(s[f'{k}_plain_ops'], fmt_ops)} | "
                 f"{fmt_ops(s[f'{k}_ops'])} | "
                 f"{opt(s[f'{k}_vs_plain'], lambda v: f'{v:.2f}x')} | "
                 f"{opt(s[f'{k}_plain_p99'], lambda v: f'{v:.0f}')} | "
                 f"{s[f'{k}_p99']:.0f} | {s[f'{k}_tls'] or '?'} |")
    if s["mc_vs_plain"] is None:
        L.append("")
        L.append(f"({s['plain']}) did not run this time: no TLS/plaintext "
                 f"ratio (run `--workloads {s['plain']},{s['name']}`).")
    if s["mc_tls"] != s["pc_tls"]:
        L.append("")
        L.append("The servers negotiated different TLS versions or ciphers: "
                 "the comparison is not like for like.")
    # The client does as much TLS work per request as the server: at depth
    # 1 the load generator's core can run out before the server's does.
    if s["lg_cpu"] >= 0.95:
        L.append("")
        L.append(f"The load generator used up to {100 * s['lg_cpu']:.0f}% "
                 f"of its core in ({s['name']}): a server that needs it "
                 f"to go faster is held back by it.")
    return L


def rewrite_readme(text, begin=BEGIN, end=END, heading="## Latest results",
                   what="results section"):
    """Replaces what stands between begin and end in bench/README.md, or
    appends the block under heading when the markers are missing."""
    path = os.path.join(HERE, "README.md")
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = "# privcached benchmark\n"
    block = f"{begin}\n{text}\n{end}"
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + f"\n\n{heading}\n\n" + block + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)
    log(f"rewrote the {what} of {path}")


# ---- main ----------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5,
                    help="A B rounds per workload (5)")
    ap.add_argument("--duration", type=float, default=6,
                    help="seconds measured per run (6)")
    ap.add_argument("--warmup", type=float, default=1,
                    help="warm-up seconds per run (1)")
    ap.add_argument("--workloads",
                    help=f"comma-separated, of {','.join(WORKLOADS)} "
                    f"({DEFAULT_WORKLOADS}; with --scaling "
                    f"{SCALING_WORKLOADS}); 'none' for none")
    ap.add_argument("--idle-conns", type=int, default=10000,
                    help="idle connections for the idle case (10000); 0 "
                    "skips it")
    ap.add_argument("--idle-rounds", type=int, default=2,
                    help="rounds of the idle case (2)")
    ap.add_argument("--no-items", action="store_true",
                    help="skip bench/items_held.py")
    ap.add_argument("--no-readme", action="store_true",
                    help="do not rewrite bench/README.md")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run make first")
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--server-cpus", metavar="LIST",
                    help="taskset CPU list for the servers, e.g. 0,1 "
                    "(--server-cpu; with --scaling 0,1)")
    ap.add_argument("--client-cpus", metavar="LIST",
                    help="taskset CPU list for the load generator "
                    "(--client-cpu; with --scaling 0,1)")
    ap.add_argument("--threads", type=int, metavar="N",
                    help="-t N for both servers: memcached's worker "
                    "threads, privcached's net children (1)")
    ap.add_argument("--scaling", action="store_true",
                    help="instead of the comparison: workloads (a) and "
                    "(b) with memcached and privcached, each at -t 1 and "
                    "-t 2, servers and load generator sharing CPUs 0,1; "
                    "rewrites the scaling section of bench/README.md")
    ap.add_argument("--memcached", default=shutil.which("memcached"))
    ap.add_argument("--privcached", default=os.path.join(TOP, "privcached"))
    ap.add_argument("--privcached-o", metavar="OPTS",
                    help="more -o options for privcached (an experiment, "
                    "e.g. no_sandbox)")
    ap.add_argument("--loadgen", default=os.path.join(TOP, "obj-bench",
                                                      "loadgen"))
    ap.add_argument("--json", help="also write all results to this file")
    args = ap.parse_args()

    if args.memcached is None:
        sys.exit("stock memcached is not installed (apt-get install "
                 "memcached)")
    if shutil.which("taskset") is None:
        sys.exit("taskset is missing (util-linux)")
    if args.scaling and args.threads is not None:
        sys.exit("--threads does not go with --scaling (which runs -t 1 "
                 "and -t 2)")
    args.threads = 1 if args.threads is None else args.threads
    if args.threads < 1:
        sys.exit("--threads: at least 1")
    default_cpus = SCALING_CPUS if args.scaling else None
    args.server_cpus = (args.server_cpus or default_cpus or
                        str(args.server_cpu))
    args.client_cpus = (args.client_cpus or default_cpus or
                        str(args.client_cpu))
    cpu_set(args.server_cpus)
    cpu_set(args.client_cpus)
    if args.workloads is None:
        args.workloads = (SCALING_WORKLOADS if args.scaling
                          else DEFAULT_WORKLOADS)
    names = [] if args.workloads == "none" else args.workloads.split(",")
    for n in names:
        if n not in WORKLOADS:
            sys.exit(f"unknown workload {n}; known: {','.join(WORKLOADS)}")
    if any(n in TLS_WORKLOADS for n in names):
        args.tls_cert, args.tls_key = make_tls_files()
    if not args.no_build:
        subprocess.run(["make", "-C", TOP, "--no-print-directory",
                        "privcached"], check=True)
        subprocess.run(["make", "-C", TOP, "--no-print-directory", "-f",
                        "GNUmakefile", "-f", "bench/bench.mk", "bench-build"],
                       check=True)
    args.privcached = os.path.abspath(args.privcached)
    args.tmpdir = os.path.join(TOP, "obj-bench")
    os.makedirs(args.tmpdir, exist_ok=True)

    mach = machine()
    when = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")
    if args.scaling:
        run_scaling_mode(args, names, mach, when)
        return
    total = len(names) * args.rounds * 2
    if args.idle_conns:
        total += args.idle_rounds * 2
    counter = [0, total]
    log(f"{mach['nproc']} x {mach['model']}; {len(names)} workloads x "
        f"{args.rounds} rounds x 2 servers, {args.duration:g} s each")
    summaries = [run_workload(args, n, counter) for n in names]
    tls_against_plain(summaries)
    idle = run_idle(args, counter) if args.idle_conns else None
    items = None
    if not args.no_items:
        log("items held at -m 64 (bench/items_held.py) ...")
        items = run_items_held()
    text = tables(args, summaries, idle, items, mach, when)
    print()
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": mach, "when": when, "workloads": summaries,
                       "idle": idle, "items_held": items}, f, indent=1)
    if not args.no_readme:
        rewrite_readme(text)


def run_scaling_mode(args, names, mach, when):
    counter = [0, len(names) * args.rounds * len(SCALING_RUNS)]
    log(f"{mach['nproc']} x {mach['model']}; {len(names)} workloads x "
        f"{args.rounds} rounds x {len(SCALING_RUNS)} (server, -t), "
        f"{args.duration:g} s each")
    log(scaling_placement(args))
    summaries = [run_scaling(args, n, counter) for n in names]
    text = scaling_tables(args, summaries, mach, when)
    print()
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": mach, "when": when, "scaling": summaries},
                      f, indent=1)
    if not args.no_readme:
        rewrite_readme(text, SCALING_BEGIN, SCALING_END, SCALING_HEADING,
                       "scaling section")


if __name__ == "__main__":
    main()
