#!/usr/bin/env python3
# calls.py: which object files call which (from nm), and any cycle
# between the files of one directory; exit 1 on a cycle.
#   calls.py obj/net/*.o
# With --only FILE:SYM[,SYM...] instead: exit 1 when an object other than
# FILE uses one of the symbols (the parent's TLS context builders).
#   calls.py --only obj/privsep/checkconf.o:tls_server obj/privsep/*.o
import subprocess
import sys


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TD":
            defined.add(parts[2])
    return defined, used


def confine(rule, uses):
    allowed, syms = rule.split(":", 1)
    for p, used in sorted(uses.items()):
        bad = sorted(used & set(syms.split(",")))
        if p != allowed and bad:
            sys.exit("%s uses %s: only %s may" % (p, ", ".join(bad),
                                                   allowed))


def main(paths):
    rules = []
    while len(paths) >= 2 and paths[0] == "--only":
        rules.append(paths[1])
        paths = paths[2:]
    defs, uses = {}, {}
    for p in paths:
        defs[p], uses[p] = symbols(p)
    for rule in rules:
        confine(rule, uses)
    if rules:
        return
    owner = {s: p for p, ds in defs.items() for s in ds}
    calls = {p: sorted({owner[s] for s in uses[p] if s in owner} - {p})
             for p in paths}
    state, stack = {}, []

    def visit(p):
        state[p] = 1
        stack.append(p)
        for q in calls[p]:
            if state.get(q) == 1:
                cycle = stack[stack.index(q):] + [q]
                sys.exit("call cycle: " + " -> ".join(cycle))
            if q not in state:
                visit(q)
        stack.pop()
        state[p] = 2

    for p in paths:
        if p not in state:
            visit(p)


if __name__ == "__main__":
    main(sys.argv[1:])
