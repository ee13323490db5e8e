"""Reloads are transactional (DESIGN §7): every kind of failure keeps the running
generation serving, is logged the way `wshost --check-config` reports it
(`FILE:LINE:COL: message`) plus one `reload generation=N failed: ...` line
whose N is the attempt's own number (every attempt takes the next one, so no two
result lines share a number); the next valid reload succeeds.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402

import unittest  # noqa: E402


def line_of(text, needle):
    """1-based number of the line of `text` that contains `needle`."""
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError("%r not in the config" % needle)


class TransactionalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = rl.ReloadHost("transactional", initial="v1").start()
        cls.good = cls.host.config
        cls.client = cls.host.client()  # kept open through every failure
        cls.maps_before = len(cls.host.mapped_plugin_lines())
        cls.fds_before = cls.host.fd_count()
        cls.seq = 0
        cls.last_generation = 1  # the number of the last attempt (1: as started)

    @classmethod
    def tearDownClass(cls):
        host = cls.host
        try:
            cls.client.close()
            host.stop()
            host.check_clean_exit()
            host.cleanup_dir()
        except BaseException:
            sys.stderr.write("\n--- host log (%s) ---\n%s\n" % (host.log_path, host.log()))
            raise

    def setUp(self):
        # Every test starts from the running, valid state: v1 serving as generation 1.
        self.host.write_config(self.good)
        self.host.deploy("v1")
        for f in ("verdup.so",):
            p = os.path.join(self.host.plugin_dir, f)
            if os.path.exists(p):
                os.unlink(p)

    def rid(self):
        type(self).seq += 1
        return "r%d" % self.seq

    def assert_still_v1(self):
        self.assertEqual(rl.version_of(self, self.client, self.rid()), "v1")
        with self.host.client() as fresh:
            self.assertEqual(rl.version_of(self, fresh, self.rid()), "v1")

    def fail_reload(self, must_contain, where=None):
        """SIGHUPs, expects a failed attempt with the next generation number, compares the logged
        errors with `wshost --check-config` on the same files, checks that v1
        still serves and that the attempt left nothing mapped or open."""
        host = self.host
        gen, _, rest, text = host.reload(expect="failed")
        self.assertEqual(gen, self.last_generation + 1, "a failed attempt takes the next generation number")
        type(self).last_generation = gen
        self.assertIn(must_contain, rest)
        # The logged errors are those --check-config reports, in the same form.
        rc, lines, out = rl.check_config_errors(rl.h.require("wshost"), host.config_path)
        self.assertNotEqual(rc, 0, out)
        self.assertTrue(lines, "no FILE:LINE:COL line from --check-config:\n" + out)
        logged = [l for l in text.splitlines()]
        for line in lines:
            self.assertTrue(any(l.endswith(line) for l in logged),
                            "--check-config says %r; not in the reload's log:\n%s" % (line, text))
        self.assertTrue(rest.startswith(": " + lines[0]), (rest, lines[0]))
        m = re.match(r"^(/[^:]+):(\d+):(\d+): ", lines[0])
        self.assertIsNotNone(m, lines[0])
        if where is not None:
            self.assertEqual((m.group(1), int(m.group(2))), where, lines[0])
        self.assert_still_v1()
        rl.wait_until(lambda: (len(host.mapped_plugin_lines()) == self.maps_before
                               and host.fd_count() == self.fds_before),
                      10, "the failed attempt's plugin copies to be released")
        return rest, text

    # -- the failure kinds --
    def test_bad_toml_syntax(self):
        bad = self.good.replace("port = 0", "port = = 0")
        self.host.write_config(bad)
        self.fail_reload(":", where=(self.host.config_path, line_of(bad, "port = = 0")))

    def test_unknown_key(self):
        bad = self.good.replace('path = "/"', 'path = "/"\nbogus_key = 1')
        self.host.write_config(bad)
        rest, _ = self.fail_reload("bogus_key", where=(self.host.config_path, line_of(bad, "bogus_key")))

    def test_wrong_type(self):
        bad = self.good.replace("port = 0", 'port = "eighty"')
        self.host.write_config(bad)
        self.fail_reload("port", where=(self.host.config_path, line_of(bad, "eighty")))

    def test_missing_plugin_file(self):
        bad = self.good + '\n[[plugin]]\nname = "echo"\npath = "no-such-echo.so"\n'
        self.host.write_config(bad)
        self.fail_reload("no-such-echo.so")

    def test_running_plugin_file_deleted(self):
        # The live file goes away: the running copy (memfd) keeps serving.
        os.unlink(os.path.join(self.host.plugin_dir, "verkit.so"))
        self.fail_reload("verkit.so")

    def test_init_failure(self):
        self.host.deploy("broken")
        rest, text = self.fail_reload("init failed")
        self.assertIn("verkit broken init", text)

    def test_abi_major_mismatch(self):
        self.host.deploy("badabi")
        rest, text = self.fail_reload("ABI major mismatch")
        self.assertNotIn("verkit init begin version=badabi", text,
                         "plugin code ran before the ABI check")

    def test_name_mismatch(self):
        self.host.deploy("verdup")  # says "verdup", config says "verkit"
        self.fail_reload("name mismatch")

    def test_not_a_shared_object(self):
        rl.atomic_write(os.path.join(self.host.plugin_dir, "verkit.so"), b"\x7fELF garbage")
        self.fail_reload("not a loadable shared object")

    def test_duplicate_action(self):
        self.host.deploy("verdup", as_name="verdup.so")
        bad = self.good + '\n[[plugin]]\nname = "verdup"\npath = "verdup.so"\n'
        self.host.write_config(bad)
        self.fail_reload("duplicate action")

    # -- runs last (unittest sorts by name) --
    def test_zz_next_valid_reload_succeeds(self):
        """After all the failures, a valid reload takes the number after the last
        failed one and serves v2 on the connection that lived through them."""
        self.host.deploy("v2")
        gen, _, rest, _ = self.host.reload(expect="ok")
        self.assertEqual(gen, self.last_generation + 1)
        self.assertEqual(rest.strip(), "")
        self.assertEqual(rl.version_of(self, self.client, self.rid()), "v2")
        log = self.host.log_text()
        results = re.findall(r"reload generation=(\d+) (ok|failed)", log)
        # 2, 3, ... in order, each number once, every one failed but the last.
        self.assertEqual(results, [(str(n), "failed") for n in range(2, gen)] + [(str(gen), "ok")])
        self.client.marker_roundtrip("version", expect={"version": "v2"})
        self.host.check_no_sanitizer_reports()


if __name__ == "__main__":
    rl.main()
