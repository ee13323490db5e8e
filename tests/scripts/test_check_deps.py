"""The dependency guard (scripts/lib/check_deps.py) against scratch trees: each
missing module or program fails the guard with its name, and the Debian package
to add where one is known; a module found but from a package outside the install
lists fails too; a tree with nothing missing passes. The real tree is never read.

  /usr/bin/python3 tests/scripts/test_check_deps.py --scripts scripts/lib
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

SCRIPTS = None  # --scripts: the folder holding check_deps.py


def write(root, rel, text, mode=0o644):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    os.chmod(path, mode)
    return path


class Guard(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="wshost-guard-")
        self.root = self.tmp.name
        # A tree the guard accepts: stdlib, a local helper, a program on every system.
        write(self.root, "tests/a/helper.py", "import json\n")
        write(self.root, "tests/a/test_ok.py", """\
            import os, sys, subprocess
            import helper
            from . import sibling
            subprocess.run(["sh", "-c", "true"])
        """)
        write(self.root, "tests/a/CMakeLists.txt", """\
            add_executable(built_here main.c)
            add_test(NAME built COMMAND built_here)   # a target, not a program
            add_test(NAME shell COMMAND sh -c true)
        """)

    def tearDown(self):
        self.tmp.cleanup()

    def guard(self, *extra):
        p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "check_deps.py"), "--root", self.root]
                           + list(extra), capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    def assert_fails_naming(self, *words, extra=()):
        rc, out = self.guard(*extra)
        self.assertEqual(rc, 1, out)
        self.assertIn("check-deps: FAILED", out)
        for w in words:
            self.assertIn(w, out)
        return out

    def test_clean_tree_passes(self):
        rc, out = self.guard()
        self.assertEqual(rc, 0, out)
        self.assertIn("check-deps: ok", out)

    def test_missing_module_is_named(self):
        write(self.root, "tests/scratch/test_scratch.py", "import wshost_no_such_module_12\n")
        out = self.assert_fails_naming("'wshost_no_such_module_12'", "tests/scratch/test_scratch.py",
                                       "No module named 'wshost_no_such_module_12'")
        self.assertIn("apt-file search", out)  # no package known: says how to find one

    def test_missing_module_under_bench_and_from_import(self):
        write(self.root, "bench/lib/tool.py", "from wshost_absent_pkg.sub import thing\n")
        self.assert_fails_naming("'wshost_absent_pkg'", "bench/lib/tool.py")

    def test_known_module_names_its_debian_package(self):
        # An interpreter without Debian's dist-packages (-S: no site) cannot see
        # websocket-client: the guard must name python3-websocket.
        python = write(self.root, "bin/python-nosite", "#!/bin/sh\nexec %s -S \"$@\"\n" % sys.executable, 0o755)
        write(self.root, "tests/scratch/test_ws.py", "import websocket\n")
        self.assert_fails_naming("'websocket'", "Debian package python3-websocket", extra=("--python", python))

    def test_missing_program_in_add_test_is_named(self):
        write(self.root, "tests/b/CMakeLists.txt", "add_test(NAME t COMMAND wshost-no-such-program-12 --x)\n")
        self.assert_fails_naming("program 'wshost-no-such-program-12'", "tests/b/CMakeLists.txt")

    def test_missing_program_in_subprocess_and_which_is_named(self):
        write(self.root, "tests/c/test_run.py", """\
            import shutil, subprocess
            subprocess.check_output(["wshost-absent-tool-a", "-v"])
            shutil.which("wshost-absent-tool-b")
        """)
        self.assert_fails_naming("'wshost-absent-tool-a'", "'wshost-absent-tool-b'")

    def test_missing_program_probed_by_a_script_is_named(self):
        write(self.root, "bench/run", "#!/bin/bash\ncommand -v wshost-absent-tool-c >/dev/null\n", 0o755)
        self.assert_fails_naming("'wshost-absent-tool-c'", "bench/run")

    def test_known_program_names_its_debian_package(self):
        # An empty PATH: `curl` is nowhere, and the map knows its package.
        write(self.root, "tests/c/test_curl.py", 'import subprocess\nsubprocess.run(["curl", "-s"])\n')
        env_guard = [sys.executable, os.path.join(SCRIPTS, "check_deps.py"), "--root", self.root]
        p = subprocess.run(env_guard, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PATH=os.path.join(self.root, "no-bin")))
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, out)
        self.assertIn("program 'curl'", out)
        self.assertIn("Debian package curl", out)

    def test_find_program_any_name_will_do(self):
        write(self.root, "tests/d/CMakeLists.txt", "find_program(SH_EXE NAMES wshost-absent-d sh REQUIRED)\n")
        rc, out = self.guard()
        self.assertEqual(rc, 0, out)
        write(self.root, "tests/d/CMakeLists.txt", "find_program(X_EXE NAMES wshost-absent-d wshost-absent-e)\n")
        self.assert_fails_naming("wshost-absent-d/wshost-absent-e", "tests/d/CMakeLists.txt")

    def test_program_through_a_local_helper_is_named(self):
        # The package test's style: a local run() wrapper, argv lists kept in
        # variables and concatenated, programs probed in a loop.
        write(self.root, "tests/e/test_pkg.py", """\
            import shutil, subprocess
            def run(cmd, **kw):
                return subprocess.run(cmd, **kw)
            apt = ["wshost-absent-tool-f", "-y"]
            run(apt + ["install", "x.deb"])
            for tool in ("sh", "wshost-absent-tool-g"):
                shutil.which(tool)
            run(["/usr/bin/wshost", "--version"])  # the tree's own program, installed by the test
        """)
        write(self.root, "host/CMakeLists.txt", "add_executable(wshost main.cpp)\n")
        out = self.assert_fails_naming("'wshost-absent-tool-f'", "'wshost-absent-tool-g'", "tests/e/test_pkg.py")
        self.assertNotIn("/usr/bin/wshost", out)
        self.assertNotIn("program 'sh'", out)

    def test_npm_package_not_declared_is_named(self):
        write(self.root, "tests/web/package.json", '{"dependencies": {"left-pad": "1.3.0"}}\n')
        write(self.root, "tests/web/package-lock.json",
              '{"lockfileVersion": 3, "packages": {"node_modules/left-pad": {"version": "1.3.0"}}}\n')
        write(self.root, "tests/web/run.mjs", """\
            import fs from "node:fs";
            import path from "path";
            import pad from "left-pad";
            const rel = await import("./local.mjs");
        """)
        rc, out = self.guard()
        self.assertEqual(rc, 0, out)
        self.assertIn("1 npm packages", out)
        write(self.root, "tests/web/more.mjs", 'const pw = await import("wshost-absent-npm/lib/x.js");\n')
        self.assert_fails_naming("npm package 'wshost-absent-npm'", "tests/web/more.mjs", "tests/web/package.json")
        # Declared but not locked: npm ci would not install it either.
        write(self.root, "tests/web/package.json",
              '{"dependencies": {"left-pad": "1.3.0", "wshost-absent-npm": "1.0.0"}}\n')
        self.assert_fails_naming("npm package 'wshost-absent-npm'", "not locked in tests/web/package-lock.json")

    def test_module_from_a_package_outside_the_install_lists(self):
        # websocket imports here, but the install step (--packages) would not
        # bring python3-websocket: passes on this machine, fails on a new one.
        write(self.root, "tests/scratch/test_ws.py", "import websocket\n")
        rc, out = self.guard("--packages", "python3-websocket", "python3")
        self.assertEqual(rc, 0, out)
        self.assertIn("all from the install step", out)
        self.assert_fails_naming("'websocket'", "comes from Debian package python3-websocket",
                                 "scripts/lib/deps.sh does not install", extra=("--packages", "python3"))


def main():
    global SCRIPTS
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--scripts", required=True)
    ns, rest = ap.parse_known_args()
    SCRIPTS = os.path.abspath(ns.scripts)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
