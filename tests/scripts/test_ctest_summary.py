"""The skip summary of scripts/test (scripts/lib/ctest_summary.py) on a ctest
JUnit file written here: counts, the reason of each skipped test, and passing
tests that skipped some of their cases are all printed.

  /usr/bin/python3 tests/scripts/test_ctest_summary.py --scripts scripts/lib
"""

import argparse
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPTS = None  # --scripts: the folder holding ctest_summary.py

# What ctest --output-junit writes (cmake 3.25), one case of each kind.
JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="t" tests="7" failures="1" disabled="0" skipped="3" hostname="" time="0">
  <testcase name="plain" classname="plain" time="0.1" status="run"><system-out>ok
</system-out></testcase>
  <testcase name="corpus" classname="corpus" time="0.1" status="notrun">
    <skipped message="SKIP_RETURN_CODE=77"/>
    <system-out>SKIP: optional corpus absent: JSONTestSuite not found at X
</system-out></testcase>
  <testcase name="JSONTestSuite.AcceptsEveryYFile" classname="g" time="0.1" status="notrun">
    <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
    <system-out>[ RUN      ] JSONTestSuite.AcceptsEveryYFile
jsontestsuite_test.cpp:62: Skipped
SKIP: optional corpus absent: JSONTestSuite not found at X

[  SKIPPED ] JSONTestSuite.AcceptsEveryYFile (0 ms)
</system-out></testcase>
  <testcase name="caps" classname="caps" time="0.1" status="run"><system-out>test_a (m.C.test_a) ... ok
test_b (m.C.test_b) ... skipped 'cannot bind a client socket to 127.0.0.2'
OK (skipped=1)
</system-out></testcase>
  <testcase name="install" classname="install" time="0.1" status="notrun">
    <skipped message="SKIP_RETURN_CODE=77"/>
    <system-out>SKIPPED: apt-get install needs root
</system-out></testcase>
  <testcase name="silent" classname="silent" time="0.1" status="notrun"><skipped message="x"/>
    <system-out>nothing said</system-out></testcase>
  <testcase name="broken" classname="broken" time="0.1" status="fail"><failure message=""/>
    <system-out>bad</system-out></testcase>
</testsuite>
"""


class Summary(unittest.TestCase):
    def run_summary(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(text)
        try:
            p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "ctest_summary.py"), f.name, "build"],
                               capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(f.name)
        return p.returncode, p.stdout.splitlines()

    def test_counts_and_reasons(self):
        rc, lines = self.run_summary(JUNIT)
        self.assertEqual(rc, 0, lines)
        self.assertEqual(lines[0], "build: 7 tests: 2 passed, 1 failed, 4 skipped")
        self.assertIn("build: skipped corpus: optional corpus absent: JSONTestSuite not found at X", lines)
        self.assertIn("build: skipped JSONTestSuite.AcceptsEveryYFile: "
                      "optional corpus absent: JSONTestSuite not found at X", lines)
        self.assertIn("build: skipped install: apt-get install needs root", lines)
        self.assertIn("build: skipped silent: no reason printed", lines)
        self.assertIn("build: passed with 1 case skipped: caps: cannot bind a client socket to 127.0.0.2", lines)
        self.assertEqual(len(lines), 6, lines)

    def test_no_test_is_a_failure(self):
        rc, lines = self.run_summary('<?xml version="1.0"?><testsuite name="t" tests="0"></testsuite>')
        self.assertEqual(rc, 1)
        self.assertIn("build: ran no test", lines)

    def test_missing_file_is_a_failure(self):
        p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "ctest_summary.py"), "/nonexistent.xml", "b"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("b: no ctest results", p.stdout)


def main():
    global SCRIPTS
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--scripts", required=True)
    ns, rest = ap.parse_known_args()
    SCRIPTS = os.path.abspath(ns.scripts)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
