#!/usr/bin/python3
"""The dependency guard of scripts/test (`scripts/test --check-deps` runs it alone).

Reads the tree instead of a hand-kept list, and fails before anything is built when
a test or the benchmarks' smoke run would miss something:

  Python modules   every `import` in tests/**/*.py and bench/**/*.py (ast), less the
                   standard library and the tree's own modules, must import under the
                   interpreter the tests use (tests/CMakeLists.txt: WSHOST_PYTHON,
                   /usr/bin/python3).
  npm packages     every bare import/require in tests/**/*.{js,mjs,cjs} and
                   bench/**/*.{js,mjs,cjs} must be declared in the nearest package.json
                   and locked in the package-lock.json beside it (what `npm ci` installs).
  programs         add_test() COMMANDs and find_program() in the CMake files,
                   subprocess calls (also through a local run() wrapper, with argv
                   lists held in variables) and which() of literal names in the Python
                   files, `command -v`/`which` and `#!` lines in the scripts under
                   tests/ and bench/, plus DECLARED_PROGRAMS (what scanning cannot
                   see), must be on PATH.

Each one missing is named with the Debian package that provides it. With
--packages (the lists scripts/lib/deps.sh installs), each one found must also come
from one of those packages, from a package they depend on, or from a package every
Debian system has (Essential or Priority: required): something installed by hand
passes here and fails on a new machine.

Exit status: 0 all present, 1 something missing, 2 usage.
"""

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys

# Debian package of each third-party module the tests may import.
MODULE_PACKAGES = {
    "websocket": "python3-websocket",
    "websockets": "python3-websockets",
    "prometheus_client": "python3-prometheus-client",
    "redis": "python3-redis",
    "yaml": "python3-yaml",
    "requests": "python3-requests",
}

# Debian package of each program the tests or the benchmarks may run.
PROGRAM_PACKAGES = {
    "bash": "bash", "sh": "dash", "env": "coreutils", "taskset": "util-linux",
    "cc": "gcc", "gcc": "gcc", "c++": "g++", "g++": "g++", "make": "make",
    "cmake": "cmake", "ctest": "cmake", "pkg-config": "pkg-config",
    "nm": "binutils", "readelf": "binutils", "objdump": "binutils",
    "python3": "python3", "curl": "curl", "git": "git",
    "wrk": "wrk", "node": "nodejs", "npm": "npm", "valgrind": "valgrind",
    "clang": "clang", "clang++": "clang", "chromium": "chromium",
    "redis-server": "redis-server", "redis-cli": "redis-tools",
    "dpkg": "dpkg", "dpkg-deb": "dpkg", "dpkg-query": "dpkg", "dpkg-shlibdeps": "dpkg-dev",
    "apt-get": "apt", "lintian": "lintian", "file": "file", "man": "man-db",
    "cpack": "cmake", "systemd-analyze": "systemd",
    "clang-format": "clang-format", "clang-format-14": "clang-format-14",
}

# Programs run where the scanners cannot see them: (program, the file that runs
# it, how). Checked while that file exists.
DECLARED_PROGRAMS = [
    ("nm", "tests/abi/check_exports.sh", "CMake passes CMAKE_NM, nm by default"),
    ("pkg-config", "tests/abi/out_of_tree.sh", "builds a plugin with the installed .pc file"),
    ("taskset", "bench/run", "pins the server and the load generator"),
    ("npm", "bench/run", "npm ci in bench/node, for the node ws baseline"),
    ("npm", "tests/e2e/package-lock.json", "scripts/test runs npm ci there"),
    ("chromium", "tests/e2e/chat_demo.mjs", "playwright-core launches /usr/bin/chromium"),
    ("clang", "scripts/lib/fuzz_tree.sh", "the build-fuzz tree's C compiler"),
    ("clang++", "scripts/lib/fuzz_tree.sh", "the build-fuzz tree's C++ compiler"),
    ("clang-format", "scripts/lib/check_style.sh", "scripts/test's format check"),
]

# Probed by scripts that work without them; reported, never a failure.
OPTIONAL_PROGRAMS = {
    "valgrind": "bench/profile only (callgrind profiles, not the smoke run)",
    "duplicates": "scripts/test's informational duplicates report (a workplace tool, not a package)",
    "clang-format-14": "scripts/lib/check_style.sh prefers it to clang-format (the same program on Debian 12)",
    "man": "tests/packaging: systemd-analyze verify checks the units' man references only where man is",
}

SKIP_DIRS = {".git", "node_modules", "__pycache__", "results"}
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}
SHELL_PROBE = re.compile(r"(?:\bcommand\s+-v|\bwhich|\btype\s+-P)\s+([A-Za-z0-9_.+-]+)")


def walk(top, accept):
    for d, dirs, files in os.walk(top):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("build"))
        for f in sorted(files):
            path = os.path.join(d, f)
            if accept(path):
                yield path


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


class Needs:
    """What the tree needs: name -> the files that need it (relative paths)."""

    def __init__(self, root):
        self.root = root
        self.modules = {}
        self.programs = {}
        self.program_groups = []  # find_program(): any one name of each group will do
        self.npm = {}  # npm package -> (the package.json that must declare it, files importing it)
        self.targets = set()  # the tree's own executables (add_executable)
        self.errors = []

    def rel(self, path):
        return os.path.relpath(path, self.root)

    def add(self, table, name, path):
        table.setdefault(name, set()).add(self.rel(path) if os.path.isabs(path) else path)


def python_files(root):
    for top in ("tests", "bench"):
        yield from walk(os.path.join(root, top), lambda p: p.endswith(".py"))


def scan_python(needs):
    files = list(python_files(needs.root))
    local = {os.path.basename(p)[:-3] for p in files}
    local |= {os.path.basename(os.path.dirname(p)) for p in files if p.endswith("__init__.py")}
    stdlib = set(sys.stdlib_module_names)
    for path in files:
        try:
            tree = ast.parse(read(path), filename=path)
        except SyntaxError as e:
            needs.errors.append("%s: cannot parse: %s" % (needs.rel(path), e))
            continue
        names = Names(tree)
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            for top in {n.split(".")[0] for n in modules} - stdlib - local:
                needs.add(needs.modules, top, path)
            if isinstance(node, ast.Call):
                for program in called_programs(node, names):
                    needs.add(needs.programs, program, path)


class Names:
    """What a name in a file may hold, as far as literals tell: `apt = ["apt-get", ...]`
    (an argv list), `for tool in ("a", "b")` (strings). One table per file, scopes
    ignored: enough to find the program of `run(apt + ["install", deb])`."""

    def __init__(self, tree):
        self.values = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.values.setdefault(node.targets[0].id, []).append(node.value)
            elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) \
                    and isinstance(node.iter, (ast.Tuple, ast.List, ast.Set)):
                self.values.setdefault(node.target.id, []).extend(node.iter.elts)

    def strings(self, node, depth=0):
        """The string literals `node` may be."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name) and depth < 4:
            return set().union(*[self.strings(v, depth + 1) for v in self.values.get(node.id, [])])
        return set()

    def argv0(self, node, depth=0):
        """The literal program names an argv expression may start with."""
        if isinstance(node, (ast.List, ast.Tuple)):
            return self.strings(node.elts[0], depth) if node.elts else set()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.argv0(node.left, depth)
        if isinstance(node, ast.Name) and depth < 4:
            return set().union(*[self.argv0(v, depth + 1) for v in self.values.get(node.id, [])])
        return set()


def called_programs(call, names):
    """`subprocess.run(["curl", ...])`, a local `run(apt + [...])` -> the program;
    `shutil.which("wrk")`, `which(tool)` over a literal tuple -> those names."""
    func = call.func
    attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if not attr or not call.args:
        return set()
    if attr == "which":
        found = names.strings(call.args[0])
    elif attr in SUBPROCESS_CALLS:
        found = names.argv0(call.args[0])
    else:
        return set()
    return {p for p in found if plain_word(p) or p.startswith("/")}


def cmake_files(root):
    def accept(p):
        return os.path.basename(p) == "CMakeLists.txt" or p.endswith(".cmake")
    return walk(root, accept)


def cmake_commands(text, command):
    """The argument lists of every `command(...)` call (comments dropped)."""
    text = re.sub(r"#[^\n]*", "", text)
    for m in re.finditer(r"\b%s\s*\(" % command, text, re.IGNORECASE):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield re.findall(r'"[^"]*"|[^\s()]+', text[m.end():i - 1])


def plain_word(token):
    """A literal program name: no variable, generator expression, quote or path."""
    return re.fullmatch(r"[A-Za-z0-9_.+-]+", token) is not None


def scan_cmake(needs):
    files = list(cmake_files(needs.root))
    texts = {p: read(p) for p in files}
    targets = needs.targets
    for text in texts.values():
        for args in cmake_commands(text, "add_executable"):
            if args:
                targets.add(args[0])
    for path, text in texts.items():
        for args in cmake_commands(text, "add_test"):
            if "COMMAND" in args:
                i = args.index("COMMAND") + 1
            else:
                i = 1  # add_test(<name> <command> ...)
            if i < len(args) and plain_word(args[i]) and args[i] not in targets:
                needs.add(needs.programs, args[i], path)
        for args in cmake_commands(text, "find_program"):
            # find_program(<VAR> name | NAMES name... [HINTS|PATHS|REQUIRED...])
            words = args[1:]
            if "NAMES" in words:
                words = words[words.index("NAMES") + 1:]
            names = []
            for w in words:
                if re.fullmatch(r"[A-Z_]+", w):
                    break  # the next keyword ends the names
                if plain_word(w):
                    names.append(w)
            if names:
                needs.program_groups.append((names, needs.rel(path)))


def is_script(path):
    if path.endswith(".sh"):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def scan_scripts(needs):
    for top in ("tests", "bench"):
        for path in walk(os.path.join(needs.root, top), is_script):
            text = read(path)
            first = text.splitlines()[0] if text else ""
            if first.startswith("#!"):
                words = first[2:].split()
                if words and os.path.basename(words[0]) == "env" and len(words) > 1:
                    needs.add(needs.programs, words[1], path)
                elif words:
                    needs.add(needs.programs, words[0], path)
            if path.endswith(".py"):
                continue
            for name in SHELL_PROBE.findall(text):
                needs.add(needs.programs, name, path)


# Node's own modules, importable without npm (node 18's module.builtinModules).
NODE_BUILTINS = set("""
assert async_hooks buffer child_process cluster console constants crypto dgram diagnostics_channel dns
domain events fs http http2 https inspector module net os path perf_hooks process punycode querystring
readline repl stream string_decoder sys timers tls trace_events tty url util v8 vm wasi worker_threads
zlib test""".split())
JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"'\s]+)["']""")


def npm_package(specifier):
    """"playwright-core/lib/x" -> "playwright-core"; "@s/p/x" -> "@s/p"; a builtin,
    "node:..." or a relative/absolute path -> None."""
    if specifier.startswith((".", "/", "node:")):
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    return None if name in NODE_BUILTINS else name


def scan_javascript(needs):
    """Every npm package a .js/.mjs/.cjs file imports must be declared in the
    package.json nearest to it, and locked in the package-lock.json beside that
    (`npm ci` installs only what is locked; one installed by hand or found through
    NODE_PATH would pass here and fail on a new machine)."""
    for top in ("tests", "bench"):
        base = os.path.join(needs.root, top)
        for path in walk(base, lambda p: p.endswith((".js", ".mjs", ".cjs"))):
            for spec in JS_IMPORT.findall(read(path)):
                name = npm_package(spec)
                if not name:
                    continue
                d = os.path.dirname(path)
                while not os.path.exists(os.path.join(d, "package.json")) and d != base:
                    d = os.path.dirname(d)
                manifest = os.path.join(d, "package.json")
                entry = needs.npm.setdefault(name + "\0" + manifest, (name, needs.rel(manifest), set()))
                entry[2].add(needs.rel(path))


def check_npm(needs):
    problems = []
    for name, manifest, files in sorted(needs.npm.values()):
        path = os.path.join(needs.root, manifest)
        lock = os.path.join(os.path.dirname(path), "package-lock.json")
        declared, locked = False, False
        try:
            with open(path) as f:
                pkg = json.load(f)
            declared = any(name in (pkg.get(k) or {})
                           for k in ("dependencies", "devDependencies", "optionalDependencies"))
            with open(lock) as f:
                locked = "node_modules/" + name in (json.load(f).get("packages") or {})
        except (OSError, ValueError):
            pass
        if not (declared and locked):
            problems.append("npm package '%s' (imported by %s) is not %s in %s: add it there with `npm install "
                            "--save %s` in that folder and commit both files (npm ci installs only what is "
                            "locked)" % (name, where(files), "declared" if not declared else "locked",
                                         manifest if not declared else os.path.relpath(lock, needs.root), name))
    return problems


def scan(root):
    needs = Needs(root)
    scan_python(needs)
    scan_cmake(needs)
    scan_scripts(needs)
    scan_javascript(needs)
    for name, path, how in DECLARED_PROGRAMS:
        if os.path.exists(os.path.join(root, path)):
            needs.programs.setdefault(name, set()).add("%s (%s)" % (path, how))
    # The tree's own programs run from where a test installed them (/usr/bin/wshost
    # in the package test) are products, not dependencies.
    for name in [n for n in needs.programs if n.startswith("/") and os.path.basename(n) in needs.targets]:
        del needs.programs[name]
    return needs


# ---- checking ----------------------------------------------------------------

PROBE = r"""
import importlib, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        m = importlib.import_module(name)
        out[name] = {"origin": getattr(m, "__file__", None) or ""}
    except Exception as e:
        out[name] = {"error": "%s: %s" % (type(e).__name__, e)}
print(json.dumps(out))
"""


def probe_modules(python, names):
    """{module: {"origin": file} | {"error": text}} as `python` sees them."""
    try:
        p = subprocess.run([python, "-c", PROBE] + sorted(names), capture_output=True, text=True,
                           timeout=120, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    except OSError as e:
        return {n: {"error": "cannot run %s: %s" % (python, e)} for n in names}
    if p.returncode != 0:
        return {n: {"error": "%s failed: %s" % (python, p.stderr.strip())} for n in names}
    return json.loads(p.stdout)


def find_on_path(name):
    """Every executable called `name` on PATH (an absolute name: itself, if it exists)."""
    if "/" in name:
        return [name] if os.access(name, os.X_OK) else []
    found = []
    for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
        p = os.path.join(d or ".", name)
        if os.path.isfile(p) and os.access(p, os.X_OK) and p not in found:
            found.append(p)
    return found


class Dpkg:
    """Which Debian package owns a file, and which packages an install of the
    listed ones brings (their dependency closure, plus what every system has)."""

    def __init__(self, listed):
        self.ok = shutil.which("dpkg-query") is not None
        self.allowed = set()
        self.listed = set(listed)
        if self.ok:
            self.allowed = self.closure(listed)

    def closure(self, listed):
        out = subprocess.run(
            ["dpkg-query", "-W", "-f",
             "${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t${Provides}\t${Depends}, ${Pre-Depends}\n"],
            capture_output=True, text=True).stdout
        deps, providers, base = {}, {}, set()
        for line in out.splitlines():
            pkg, status, essential, priority, provides, depends = (line.split("\t") + [""] * 6)[:6]
            if not status.startswith("ii"):
                continue
            deps[pkg] = names_of(depends)
            for virtual in names_of(provides):
                providers.setdefault(virtual, set()).add(pkg)
            if essential == "yes" or priority == "required":
                base.add(pkg)
        seen, todo = set(), list(listed)
        while todo:
            name = todo.pop()
            for pkg in ({name} if name in deps else set()) | providers.get(name, set()):
                if pkg not in seen:
                    seen.add(pkg)
                    todo.extend(deps.get(pkg, ()))
        return seen | base

    def owners(self, paths):
        """{path: package or None}; tries the /bin <-> /usr/bin aliases of merged /usr."""
        aliases = {}
        for path in paths:
            candidates = [path, os.path.realpath(path)]
            for c in list(candidates):
                for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
                    if c.startswith(a):
                        candidates.append(b + c[len(a):])
                    elif c.startswith(b):
                        candidates.append(a + c[len(b):])
            aliases[path] = candidates
        wanted = sorted({c for cs in aliases.values() for c in cs})
        out = subprocess.run(["dpkg-query", "-S"] + wanted, capture_output=True, text=True).stdout
        owner = {}
        for line in out.splitlines():
            if ": " in line and not line.startswith("diversion"):
                pkgs, path = line.rsplit(": ", 1)
                owner.setdefault(path, pkgs.split(",")[0].split(":")[0].strip())
        return {p: next((owner[c] for c in cs if c in owner), None) for p, cs in aliases.items()}


def names_of(field):
    """Package names in a Depends/Provides field (versions, arches, alternatives dropped)."""
    names = set()
    for part in re.split(r"[,|]", field):
        part = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", part).strip()
        if part:
            names.add(part.split(":")[0].split()[0])
    return names


def where(files):
    files = sorted(files)
    return ", ".join(files[:3]) + (" and %d more" % (len(files) - 3) if len(files) > 3 else "")


def check(needs, python, packages, out):
    problems = list(needs.errors) + check_npm(needs)
    dpkg = Dpkg(packages) if packages else None
    provenance = []  # (what, path, files)

    probed = probe_modules(python, needs.modules) if needs.modules else {}
    for name in sorted(needs.modules):
        r = probed.get(name, {"error": "not probed"})
        if "error" in r:
            pkg = MODULE_PACKAGES.get(name)
            hint = ("add Debian package %s to scripts/lib/deps.sh" % pkg) if pkg else (
                "no Debian package known for it: find one with `apt-file search /%s/`, add it to "
                "scripts/lib/deps.sh and to MODULE_PACKAGES" % name)
            problems.append("Python module '%s' (imported by %s) does not import under %s: %s; %s"
                            % (name, where(needs.modules[name]), python, r["error"], hint))
        elif r["origin"]:
            provenance.append(("Python module '%s'" % name, r["origin"], needs.modules[name]))

    optional_missing = []
    for name in sorted(needs.programs):
        found = find_on_path(name)
        if not found:
            if name in OPTIONAL_PROGRAMS:
                optional_missing.append(name)
                continue
            pkg = PROGRAM_PACKAGES.get(name)
            hint = ("add Debian package %s to scripts/lib/deps.sh" % pkg) if pkg else (
                "no Debian package known for it: find one with `apt-file search bin/%s`, add it to "
                "scripts/lib/deps.sh and to PROGRAM_PACKAGES" % name)
            problems.append("program '%s' (run by %s) is not on PATH; %s" % (name, where(needs.programs[name]), hint))
        elif name not in OPTIONAL_PROGRAMS:
            provenance.append(("program '%s'" % name, found, needs.programs[name]))
    for names, path in needs.program_groups:
        if not any(find_on_path(n) for n in names):
            pkgs = sorted({PROGRAM_PACKAGES[n] for n in names if n in PROGRAM_PACKAGES})
            problems.append("none of %s (find_program in %s) is on PATH; add Debian package %s"
                            % ("/".join(names), path, " or ".join(pkgs) or "(unknown: add to PROGRAM_PACKAGES)"))

    if dpkg and dpkg.ok:
        problems += check_provenance(dpkg, provenance)

    for name in optional_missing:
        out.write("check-deps: optional program '%s' not installed: %s\n" % (name, OPTIONAL_PROGRAMS[name]))
    return problems


def check_provenance(dpkg, provenance):
    """Everything found must come with the install step, not from a hand install."""
    paths = set()
    for _, found, _ in provenance:
        paths.update(found if isinstance(found, list) else [found])
    owner = dpkg.owners(sorted(paths))
    problems = []
    for what, found, files in provenance:
        candidates = found if isinstance(found, list) else [found]
        owners = [owner[p] for p in candidates]
        if any(o in dpkg.allowed for o in owners if o):
            continue
        pkgs = sorted({o for o in owners if o})
        if pkgs:
            problems.append("%s (%s) comes from Debian package %s, which scripts/lib/deps.sh does not "
                            "install: add it to a list there" % (what, where(files), " or ".join(pkgs)))
        else:
            problems.append("%s (%s) is %s, from no Debian package (installed by hand?): a new machine "
                            "will not have it" % (what, where(files), candidates[0]))
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                    help="the tree to read (default: this repository)")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter the tests use")
    ap.add_argument("--packages", nargs="*", default=None,
                    help="the Debian packages the install step installs (provenance check)")
    ap.add_argument("--list", action="store_true", help="print what the tree needs, and check nothing")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    if not os.path.isdir(os.path.join(root, "tests")):
        ap.error("no tests/ under %s" % root)
    needs = scan(root)
    if args.list:
        for name in sorted(needs.modules):
            print("module  %-20s %s" % (name, where(needs.modules[name])))
        for name in sorted(needs.programs):
            print("program %-20s %s" % (name, where(needs.programs[name])))
        for names, path in needs.program_groups:
            print("program %-20s %s (find_program)" % ("/".join(names), path))
        for name, manifest, files in sorted(needs.npm.values()):
            print("npm     %-20s %s (from %s)" % (name, where(files), manifest))
        return 0
    problems = check(needs, args.python, args.packages, sys.stdout)
    summary = "%d Python modules, %d npm packages, %d programs" % (
        len(needs.modules), len(needs.npm), len(needs.programs) + len(needs.program_groups))
    if problems:
        for p in problems:
            print("check-deps: MISSING: %s" % p)
        print("check-deps: FAILED (%d problems; %s checked)" % (len(problems), summary))
        return 1
    print("check-deps: ok (%s, all present%s)" % (summary, ", all from the install step" if args.packages else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
