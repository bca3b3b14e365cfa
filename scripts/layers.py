#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""layers.py BUILD_DIR [--check] [--edges] - measures apsim's layering from the code itself.

Which source file calls which is read off the object files the build made (nm: the symbols
each object defines and the ones it needs), so a call through a function pointer (the bus
calling its drivers through their ops tables: events flow up) is not a dependency, while
every direct call or reference to a global is. Includes are read from the sources.

Each file's layer is the folder it lives in (LAYERS below, lowest first). Printed:

  files, the longest chain of file dependencies (floors), circles of files that call each
  other (strongly connected components), calls and includes that go up a layer, and source
  files over MAX_LINES lines.

With --edges every call inside a circle is printed with one symbol behind it, to show where
to cut. With --check the exit status is 1 when there is any circle, upward call or include, or
over-long file: the test suite runs it so the layout cannot rot unnoticed.
"""
import json
import os
import re
import subprocess
import sys

# Lowest first; files in one layer may call each other (no circles still), a layer may call
# every layer below it. A KVM guest runs its own bus and zcrypt; vfio_ap programs guests.
LAYERS = [
    ("lib/base", 0),
    ("lib/machine", 1),
    ("lib/sysfs", 1),
    ("lib/bus", 2),
    ("lib/zcrypt", 3),
    ("lib/kvm", 4),
    ("lib/vfio_ap", 5),
    ("lib/sim", 6),
    ("lib/script", 7),
    ("cli", 8),
    ("daemon", 8),
]
MAX_LINES = 1000


def layer_of(path):
    best = None
    for prefix, level in LAYERS:
        if path == prefix or path.startswith(prefix + "/"):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, level)
    return best


def objects(build):
    """(source path relative to the source root, object path) of lib/, cli/ and daemon/."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        cmds = json.load(f)
    root = None
    out = []
    for c in cmds:
        src = os.path.normpath(os.path.join(c["directory"], c["file"]))
        obj = os.path.normpath(os.path.join(c["directory"], c["output"]))
        if root is None:
            # the source root: the directory holding meson.build above the build dir's sources
            d = os.path.dirname(src)
            while d != "/" and not os.path.exists(os.path.join(d, "meson_options.txt")):
                d = os.path.dirname(d)
            root = d
        rel = os.path.relpath(src, root)
        if rel.split("/")[0] in ("lib", "cli", "daemon") and "libapsim.so" not in obj:
            if "apsim-internal" in obj or rel.split("/")[0] != "lib":
                out.append((rel, obj))
    return root, sorted(set(out))


def symbols(obj):
    res = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True, text=True,
                         check=True).stdout
    defined = {l.split()[-1] for l in res.splitlines() if l.strip()}
    res = subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True).stdout
    needed = {l.split()[-1] for l in res.splitlines() if l.strip()}
    return defined, needed


def includes(root, rel):
    found = []
    with open(os.path.join(root, rel), errors="replace") as f:
        for line in f:
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if m:
                found.append(m.group(1))
    return found


def resolve_header(root, rel, name, headers):
    cand = os.path.normpath(os.path.join(os.path.dirname(rel), name))
    if cand in headers:
        return cand
    for h in headers:
        if h.endswith("/" + name) or h == name:
            return h
    return None


def sccs(nodes, edges):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def floors(nodes, edges, comps):
    comp_of = {n: i for i, c in enumerate(comps) for n in c}
    depth = {}

    def d(ci, seen=()):
        if ci in depth:
            return depth[ci]
        best = 0
        for n in comps[ci]:
            for w in edges.get(n, ()):
                cw = comp_of[w]
                if cw != ci and cw not in seen:
                    best = max(best, d(cw, seen + (ci,)))
        depth[ci] = best + 1
        return depth[ci]

    return max((d(i) for i in range(len(comps))), default=0)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check = "--check" in sys.argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    root, objs = objects(args[0])
    defs, needs = {}, {}
    for rel, obj in objs:
        if not os.path.exists(obj):
            print(f"layers: {obj} missing: build first", file=sys.stderr)
            return 2
        defs[rel], needs[rel] = symbols(obj)
    owner = {}
    for rel, ds in defs.items():
        for s in ds:
            owner.setdefault(s, rel)
    files = sorted(defs)
    calls = {f: set() for f in files}
    why = {}
    # cli and daemon are separate programs: only lib/ symbols link across them.
    for f in files:
        for s in needs[f]:
            g = owner.get(s)
            if g and g != f and (g.startswith("lib/") or g.split("/")[0] == f.split("/")[0]):
                calls[f].add(g)
                why.setdefault((f, g), s)

    problems = 0
    comps = sccs(files, calls)
    circles = [c for c in comps if len(c) > 1]
    print(f"files: {len(files)}")
    print(f"floors: {floors(files, calls, comps)}")
    print(f"circles: {len(circles)}")
    for c in circles:
        print("  circle: " + " <-> ".join(c))
        if "--edges" in sys.argv:
            for f in c:
                for g in sorted(calls[f] & set(c)):
                    print(f"    {f} -> {g} ({why[(f, g)]})")
    problems += len(circles)

    up = []
    for f in files:
        lf = layer_of(f)
        for g in sorted(calls[f]):
            lg = layer_of(g)
            if lf is None or lg is None:
                up.append((f, g, why[(f, g)], "file outside every layer"))
            elif lg[1] > lf[1]:
                up.append((f, g, why[(f, g)], f"{lf[0]} -> {lg[0]}"))
            elif lg[1] == lf[1] and lg[0] != lf[0] and lf[0].startswith("lib/"):
                up.append((f, g, why[(f, g)], f"sideways {lf[0]} -> {lg[0]}"))
    print(f"upward calls: {len(up)}")
    for f, g, s, what in up:
        print(f"  {f} -> {g} ({s}; {what})")
    problems += len(up)

    headers = set()
    for d in ("lib", "cli", "daemon", "include"):
        for dp, _, fns in os.walk(os.path.join(root, d)):
            for fn in fns:
                if fn.endswith(".h"):
                    headers.add(os.path.relpath(os.path.join(dp, fn), root))
    up_inc = []
    for f in files + sorted(h for h in headers if not h.startswith("include/")):
        lf = layer_of(f)
        for name in includes(root, f):
            h = resolve_header(root, f, name, headers)
            if not h or h.startswith("include/"):
                continue
            lh = layer_of(h)
            if lf and lh and lh[1] > lf[1]:
                up_inc.append((f, h))
    print(f"upward includes: {len(up_inc)}")
    for f, h in up_inc:
        print(f"  {f} includes {h}")
    problems += len(up_inc)

    long_files = []
    for d in ("lib", "cli", "daemon", "include", "tests", "bench", "fuzz", "examples"):
        for dp, _, fns in os.walk(os.path.join(root, d)):
            for fn in fns:
                if fn.endswith((".c", ".h")):
                    p = os.path.join(dp, fn)
                    with open(p, errors="replace") as fh:
                        n = sum(1 for _ in fh)
                    if n > MAX_LINES:
                        long_files.append((os.path.relpath(p, root), n))
    print(f"files over {MAX_LINES} lines: {len(long_files)}")
    for p, n in sorted(long_files):
        print(f"  {p}: {n}")
    problems += len(long_files)
    return 1 if check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
