"""JSONTestSuite over the wire: every file of test_parsing/ is sent as one text
frame to a real host.

  n_*  (must be rejected): `invalid_json`, or close 1007 when the file is not
       valid UTF-8 (never parsed). `invalid_message` is accepted only where the
       nesting passes the depth cap before the text turns invalid.
  y_*  (must be accepted): never `invalid_json`; none is a valid envelope, so
       each gets `invalid_message` (or 1007 if not UTF-8: none is).
  i_*  (either way): any error response or 1007, no crash.
After the corpus the host still answers an echo request and exits cleanly.

The corpus is third-party data read from WSHOST_TESTDATA/JSONTestSuite; when it
is absent the test exits with code 77 (CTest SKIP_RETURN_CODE).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402
from wshost_harness import assert_error, echo_roundtrip  # noqa: E402


SKIP = 77
DEPTH_CAP = 128  # host/src/json/json_scan.h kMaxJsonDepth


def corpus_dir():
    return os.path.join(h.Paths.testdata or "", "JSONTestSuite", "test_parsing")


def is_utf8(data):
    try:
        data.decode("utf-8")  # strict: refuses surrogates, overlongs, > U+10FFFF
        return True
    except UnicodeDecodeError:
        return False


def max_prefix_depth(data):
    """Deepest nesting reached while scanning (strings skipped, roughly)."""
    depth = best = 0
    in_str = esc = False
    for b in data:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            best = max(best, depth)
        elif b in (0x5D, 0x7D):
            depth -= 1
    return best


class JsonTestSuiteTest(h.HostPerClass):
    @classmethod
    def config(cls):
        return h.config_text(plugins=("echo",))

    def setUp(self):
        self.client = None

    def tearDown(self):
        if self.client:
            self.client.close()

    def conn(self):
        if self.client is None:
            self.client = self.host.client()
        return self.client

    def send_file(self, name):
        """Sends one corpus file; returns ("close", code) or ("reply", resp)."""
        with open(os.path.join(corpus_dir(), name), "rb") as f:
            data = f.read()
        c = self.conn()
        c.send_text(data)
        try:
            return data, ("reply", c.recv_json()[1])
        except h.ServerClosed as closed:
            c.abort()
            self.client = None
            return data, ("close", closed.code)

    def run_prefix(self, prefix, check):
        names = sorted(n for n in os.listdir(corpus_dir()) if n.startswith(prefix))
        self.assertTrue(names, "no %s files" % prefix)
        for name in names:
            if self.host.proc.poll() is not None:
                self.fail("the host exited (%s) before %s; log:\n%s"
                          % (self.host.proc.returncode, name, self.host.log()))
            with self.subTest(file=name):
                data, (kind, value) = self.send_file(name)
                check(name, data, kind, value)
        echo_roundtrip(self, self.conn(), "after-" + prefix, "after")

    def test_n_files_are_rejected(self):
        def check(name, data, kind, value):
            if not is_utf8(data):
                self.assertEqual((kind, value), ("close", 1007))
                return
            self.assertEqual(kind, "reply", "closed with %r" % (value,))
            if max_prefix_depth(data) > DEPTH_CAP:
                self.assertIn(value["error"]["code"], ("invalid_json", "invalid_message"))
                assert_error(self, value, value["error"]["code"])
            else:
                assert_error(self, value, "invalid_json")
        self.run_prefix("n_", check)

    def test_y_files_are_accepted_as_json(self):
        def check(name, data, kind, value):
            self.assertTrue(is_utf8(data))
            self.assertEqual(kind, "reply", "closed with %r" % (value,))
            assert_error(self, value, "invalid_message")
        self.run_prefix("y_", check)

    def test_i_files_never_crash(self):
        def check(name, data, kind, value):
            if kind == "close":
                self.assertFalse(is_utf8(data), "closed %r for valid UTF-8" % (value,))
                self.assertEqual(value, 1007)
            else:
                self.assertIn(value["error"]["code"], ("invalid_json", "invalid_message"))
                assert_error(self, value, value["error"]["code"])
        self.run_prefix("i_", check)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(add_help=False)
    h.add_path_args(parser)
    ns, _ = parser.parse_known_args()
    h.apply_path_args(ns)
    if not os.path.isdir(corpus_dir()):
        print("SKIP: optional corpus absent: JSONTestSuite not found at %s (third-party data, "
              "read from shared/testdata beside the project)" % corpus_dir())
        sys.exit(SKIP)
    h.main()
