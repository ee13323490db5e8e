"""Where the binary, the plugins and the test data are: command-line options
shared by every test file (`main()`), falling back to environment variables:

  --wshost   WSHOST_BIN        the host binary
  --echo     WSHOST_ECHO       echo.so          --sum      WSHOST_SUM      sum.so
  --testkit  WSHOST_TESTKIT    testkit.so       --slowkit  WSHOST_SLOWKIT  slowkit.so
  --testdata WSHOST_TESTDATA   third-party corpora (JSONTestSuite)
  --workdir  WSHOST_WORKDIR    where hosts keep their config, ready file and log
  --fixture-state WSHOST_FIXTURE_STATE  state dir of the CTest fixture host
                               (absent: each test class starts its own host)
"""

import argparse
import os
import sys
import unittest


class Paths:
    wshost = os.environ.get("WSHOST_BIN", "")
    echo = os.environ.get("WSHOST_ECHO", "")
    sum = os.environ.get("WSHOST_SUM", "")
    testkit = os.environ.get("WSHOST_TESTKIT", "")
    slowkit = os.environ.get("WSHOST_SLOWKIT", "")
    testdata = os.environ.get("WSHOST_TESTDATA", "")
    workdir = os.environ.get("WSHOST_WORKDIR", "")
    fixture_state = os.environ.get("WSHOST_FIXTURE_STATE", "")


def add_path_args(parser):
    for name in ("wshost", "echo", "sum", "testkit", "slowkit", "testdata", "workdir",
                 "fixture-state"):
        parser.add_argument("--" + name, dest=name.replace("-", "_"), default=None)


def apply_path_args(ns):
    for key, value in vars(ns).items():
        if value is not None and hasattr(Paths, key):
            setattr(Paths, key, value)


def main():
    """unittest.main() after taking the path options off the command line."""
    parser = argparse.ArgumentParser(add_help=False)
    add_path_args(parser)
    ns, rest = parser.parse_known_args()
    apply_path_args(ns)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


def require(path_attr):
    value = getattr(Paths, path_attr)
    if not value:
        raise RuntimeError("missing path: pass --%s or set the environment variable"
                           % path_attr.replace("_", "-"))
    if not os.path.exists(value):
        raise RuntimeError("%s does not exist: %s" % (path_attr, value))
    return os.path.abspath(value)
