#!/usr/bin/env python3
"""Checks stack/, fs/ and nine/ against the floor plan in docs/design.md.

Usage: layers.py SRCDIR BUILDDIR

Two graphs between modules (a module is NAME.c with NAME.h): one from the
`#include "..."` lines, one from the calls between object files (nm: a
symbol one object needs and another defines).  Fails when a module is not
on the plan, an arrow does not point down a floor (files on one floor never
use one another, so the floors are the real levels: the plan has as many
as the longest chain of uses), the graphs have a circle, or a file is over
600 lines without a reason at its top.  Prints what it found either way,
and on failure each module's level as the arrows count it.
"""
import os
import re
import subprocess
import sys

MAX_LINES = 600
REASON = "longer than 600 lines because"


def read_plan(path):
    """Floor of each module.  One line per floor: its number, its files,
    then after a gap what lives there."""
    text = open(path).read()
    block = re.search(r"```\nfloor[^\n]*\n(.*?)```", text, re.S)
    if not block:
        sys.exit("no floor plan block in " + path)
    floors = {}
    for line in block.group(1).splitlines():
        m = re.match(r"\s*(\d+)\s+(.*)", line)
        if not m:
            continue
        floor = int(m.group(1))
        cols = re.split(r"\s{2,}", m.group(2).strip())
        for name in re.sub(r"\b[a-z]+:", "", cols[0]).split():
            floors[name] = floor
    return floors


def modules(src):
    """Module name -> its files, for stack/, fs/ and nine/."""
    mods = {}
    for d in ("stack", "fs", "nine"):
        for f in sorted(os.listdir(os.path.join(src, d))):
            if f.endswith((".c", ".h")):
                mods.setdefault(f[:-2], []).append(os.path.join(d, f))
    return mods


def include_edges(src, mods):
    edges = set()
    for name, files in mods.items():
        for f in files:
            for line in open(os.path.join(src, f)):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if m and m.group(1) != "config.h":
                    other = os.path.basename(m.group(1))[:-2]
                    if other != name and other in mods:
                        edges.add((name, other, f + " includes " + m.group(1)))
    return edges


def objects(build, mods):
    """Module -> its object file, as automake names them."""
    objs = {}
    for name, files in mods.items():
        for f in files:
            if not f.endswith(".c"):
                continue
            d = os.path.dirname(f)
            prefix = "libstack_a-" if d == "stack" else "sockfs-"
            o = os.path.join(build, d, prefix + name + ".o")
            if not os.path.exists(o):
                sys.exit("no object " + o + ": build first")
            objs[name] = o
    return objs


def call_edges(objs):
    defined, needed = {}, {}
    for name, o in objs.items():
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                needed.setdefault(name, set()).add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBR":
                defined[parts[2]] = name
    edges = set()
    for name, syms in needed.items():
        for s in syms:
            other = defined.get(s)
            if other and other != name:
                edges.add((name, other, name + " uses " + s))
    return edges


def circles(edges):
    """Strongly connected components with more than one module."""
    graph = {}
    for a, b, _ in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def levels(edges, mods):
    """Each module's level: 1 for one that uses nothing, else one above
    the highest it uses (circles are reported apart and cut here)."""
    graph, lvl = {}, {}
    for a, b, _ in edges:
        graph.setdefault(a, set()).add(b)

    def level(m, seen):
        if m not in lvl:
            below = [level(x, seen | {m}) for x in graph.get(m, ()) if x not in seen]
            lvl[m] = 1 + max(below, default=0)
        return lvl[m]

    for m in mods:
        level(m, frozenset())
    return lvl


def main():
    src, build = sys.argv[1], sys.argv[2]
    floors = read_plan(os.path.join(src, "docs", "design.md"))
    mods = modules(src)
    bad = []
    for name in sorted(mods):
        if name not in floors:
            bad.append("%s is not on the floor plan (docs/design.md)" % name)
    for name in sorted(floors):
        if name not in mods:
            bad.append("the floor plan names %s, which does not exist" % name)
    edges = include_edges(src, mods) | call_edges(objects(build, mods))
    for a, b, why in sorted(edges):
        fa, fb = floors.get(a), floors.get(b)
        if fa is None or fb is None:
            continue
        if fb > fa:
            bad.append("up a floor (%d to %d): %s" % (fa, fb, why))
        elif fa == fb:
            bad.append("on one floor (%d): %s" % (fa, why))
    for comp in circles(edges):
        bad.append("circle: " + " ".join(comp))
    for files in mods.values():
        for f in files:
            lines = open(os.path.join(src, f)).read().splitlines()
            head = "\n".join(lines[:8]).lower()
            if len(lines) > MAX_LINES and REASON not in head:
                bad.append("%s has %d lines and no reason at its top" % (f, len(lines)))
            if f.endswith("_internal.h"):
                bad.append("%s: no header shared as internal" % f)
    arrows = len({(a, b) for a, b, _ in edges})
    print("layers: %d modules on %d floors, %d arrows between them"
          % (len(mods), len(set(floors.values())), arrows))
    for b in bad:
        print("layers: " + b)
    if bad:
        lvl = levels(edges, mods)
        for n in sorted(set(lvl.values())):
            print("layers: level %2d: %s" % (n, " ".join(sorted(m for m in lvl if lvl[m] == n))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
