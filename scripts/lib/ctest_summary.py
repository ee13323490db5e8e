#!/usr/bin/python3
"""Counts and skip reasons of one ctest run, from its --output-junit file.

  ctest_summary.py JUNIT TREE

Prints "TREE: N tests: P passed, F failed, S skipped", then one line per skipped
test with the reason it printed, and one per passing test that skipped some of
its cases (a unittest `skipTest`, a gtest GTEST_SKIP), so a skip is never read as
a pass. The reason is the test's first "SKIP: ..." line (the convention for
tests that need an optional corpus or tool; "SKIPPED: ..." is read too), else
what unittest or GoogleTest
printed for the skip.

Exit status: 0, or 1 when the file is missing or holds no test.
"""

import re
import sys
import xml.etree.ElementTree as ET

SKIP_LINE = re.compile(r"^\s*SKIP(?:PED)?: (.+)$", re.M)
UNITTEST_SKIP = re.compile(r" \.\.\. skipped '(.*)'$", re.M)
GTEST_SKIP = re.compile(r": Skipped\n(.*)\n", re.M)
GTEST_SKIPPED_CASE = re.compile(r"^\[  SKIPPED \] (\S+)", re.M)


def reasons(out):
    """The distinct skip reasons in a test's output, in order."""
    found = SKIP_LINE.findall(out) + UNITTEST_SKIP.findall(out) + GTEST_SKIP.findall(out)
    seen = []
    for r in (re.sub(r"^SKIP(?:PED)?: ", "", x.strip()) for x in found):
        if r and r not in seen:
            seen.append(r)
    return seen


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: ctest_summary.py JUNIT TREE\n")
        return 2
    path, tree = argv[1], argv[2]
    try:
        cases = ET.parse(path).getroot().iter("testcase")
    except (OSError, ET.ParseError) as e:
        print("%s: no ctest results (%s)" % (tree, e))
        return 1
    passed, failed, skipped, partial = [], [], [], []
    for case in cases:
        name = case.get("name")
        out = case.findtext("system-out") or ""
        status = case.get("status")
        if status == "notrun" or case.find("skipped") is not None:
            skipped.append((name, reasons(out) or ["no reason printed"]))
        elif status == "run":
            passed.append(name)
            n = len(UNITTEST_SKIP.findall(out)) + len(GTEST_SKIPPED_CASE.findall(out))
            if n:
                partial.append((name, n, reasons(out)))
        else:
            failed.append(name)
    total = len(passed) + len(failed) + len(skipped)
    print("%s: %d tests: %d passed, %d failed, %d skipped" % (tree, total, len(passed), len(failed), len(skipped)))
    for name, why in skipped:
        print("%s: skipped %s: %s" % (tree, name, "; ".join(why)))
    for name, n, why in partial:
        print("%s: passed with %d case%s skipped: %s: %s" % (tree, n, "" if n == 1 else "s", name,
                                                            "; ".join(why) or "no reason printed"))
    if total == 0:
        print("%s: ran no test" % tree)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
