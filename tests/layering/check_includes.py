#!/usr/bin/env python3
"""Checks host/src's #include lines against the layer table (host/CMakeLists.txt).

Each line of the table reads `layer: lower layers it may include`; `.` is the
top of host/src (the server's wiring). A file in host/src/<layer>/ may include,
with quotes, only "<same layer>/file.h" or "<allowed layer>/file.h", and the
file must exist; a file at the top may include anything of host/src. A bare
"file.h" inside a layer is refused too: after the split into folders it would
be resolved next to the includer, hiding which layer it comes from.

Usage: check_includes.py --src host/src --layers build/host/layers.txt
       [--expect-violations N]   (for the checker's own test: exit 0 iff N found)
"""
import argparse
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_table(path):
    table = {}
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        layer, _, deps = line.partition(":")
        table[layer.strip()] = set(deps.split())
    return table


def violations(src, table):
    found = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".hpp", ".c", ".cpp") or not path.is_file():
            continue
        rel = path.relative_to(src)
        layer = rel.parts[0] if len(rel.parts) > 1 else "."
        if layer not in table:
            found.append(f"{rel}: folder '{layer}' is not a layer of the table (add it to host/CMakeLists.txt)")
            continue
        allowed = table[layer] | {layer}
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            parts = pathlib.PurePosixPath(target).parts
            if layer == "." and len(parts) == 1:
                if not (src / target).is_file():
                    found.append(f"{rel}:{n}: \"{target}\" is not a file of host/src")
                continue
            if len(parts) != 2:
                found.append(f"{rel}:{n}: \"{target}\": include host files as \"layer/file.h\"")
                continue
            if not (src / target).is_file():
                found.append(f"{rel}:{n}: \"{target}\" is not a file of host/src")
                continue
            if parts[0] not in allowed:
                found.append(f"{rel}:{n}: layer '{layer}' includes \"{target}\" but may only include "
                             f"{', '.join(sorted(allowed))}")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--layers", required=True)
    ap.add_argument("--expect-violations", type=int)
    args = ap.parse_args()
    table = read_table(args.layers)
    found = violations(pathlib.Path(args.src), table)
    for v in found:
        print(v)
    if args.expect_violations is not None:
        ok = len(found) == args.expect_violations
        print(f"{len(found)} violation(s), expected {args.expect_violations}: {'ok' if ok else 'FAILED'}")
        return 0 if ok else 1
    print(f"{len(found)} violation(s) of the layer table" if found else "includes follow the layer table")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
