"""Checks that every system call in an strace -f log is one the unit's
SystemCallFilter= allows (as systemd-analyze syscall-filter expands its
groups): a call outside it would be refused with EPERM under systemd, a
failure no test without systemd as PID 1 could see otherwise.
usage: syscalls_allowed.py UNIT STRACE_LOG"""
import re
import subprocess
import sys

unit, log = sys.argv[1], sys.argv[2]
names = []
for line in open(unit):
    if line.startswith("SystemCallFilter="):
        names += line.split("=", 1)[1].split()
if not names or any(n.startswith("~") for n in names):
    sys.exit("no allow-list SystemCallFilter= in " + unit)

groups, cur = {}, None
listing = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                         capture_output=True, text=True, check=True).stdout
for line in listing.splitlines():
    if line.startswith("@"):
        cur = line.split()[0]
        groups[cur] = []
    elif cur and line.strip() and not line.strip().startswith("#"):
        groups[cur].append(line.strip())


def expand(name, seen=()):
    if not name.startswith("@"):
        return {name}
    if name not in groups or name in seen:
        sys.exit("unknown or looping group " + name)
    out = set()
    for member in groups[name]:
        out |= expand(member, seen + (name,))
    return out


allowed = set()
for n in names:
    allowed |= expand(n)
called = set()
for line in open(log):
    m = re.match(r"\d+\s+([a-z_0-9]+)\(", line)
    if m:
        called.add(m.group(1))
if len(called) < 20:
    sys.exit("only %d system calls in %s: was it traced?" % (len(called), log))
bad = sorted(called - allowed)
if bad:
    sys.exit("outside the unit's SystemCallFilter: " + " ".join(bad))
print("%d system calls, all in the unit's filter" % len(called))
