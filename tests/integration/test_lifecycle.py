"""Process lifecycle (DESIGN §5, §8): ready file, SIGTERM/SIGINT drain with close
1001 and exit 0, SIGHUP keeps serving, command-line interface.

Every test starts its own host (signals would disturb the shared one).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402
from wshost_harness import assert_success, echo_roundtrip  # noqa: E402

import unittest  # noqa: E402

import websocket  # noqa: E402  (Debian's python3-websocket)


class SignalTest(unittest.TestCase):
    def default_host(self, name):
        return h.Host(h.config_text(plugins=("echo", "testkit")), name=name)

    def test_ready_file(self):
        with self.default_host("ready") as host:
            self.assertEqual(host.info["pid"], host.proc.pid)
            self.assertGreater(host.info["ws"], 0)
            # written through a temporary file + rename: nothing else is left over
            self.assertEqual(sorted(os.listdir(host.dir)),
                             ["ready.json", "wshost.log", "wshost.toml"])
            with host.client() as c:
                echo_roundtrip(self, c)

    def listening_addresses(self, pid):
        """Local addresses of the TCP sockets `pid` listens on, from /proc."""
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = []
        for table, family in (("tcp", 4), ("tcp6", 6)):
            with open("/proc/%d/net/%s" % (pid, table)) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                        found.append((family, cols[1].split(":")[0]))
        return found

    def test_binds_exactly_the_configured_literal(self):
        # 127.0.0.1 must not become "every interface" (LWS-NOTES T1).
        with self.default_host("bind4") as host:
            self.assertEqual(self.listening_addresses(host.proc.pid), [(4, "0100007F")])
        v6 = h.config_text(plugins=("echo",)).replace('address = "127.0.0.1"', 'address = "::1"', 1)
        with h.Host(v6, name="bind6") as host:
            self.assertEqual(self.listening_addresses(host.proc.pid),
                             [(6, "00000000000000000000000001000000")])
            c = h.Client.__new__(h.Client)
            c.url, c.timeout = "ws://[::1]:%d/" % host.info["ws"], h.RECV_TIMEOUT_S
            c.ws = websocket.create_connection(c.url, timeout=c.timeout)
            with c:
                echo_roundtrip(self, c)

    def drain_with(self, sig):
        with self.default_host("drain-%d" % sig) as host:
            clients = [host.client() for _ in range(3)]
            try:
                for i, c in enumerate(clients):
                    echo_roundtrip(self, c, "before-%d" % i, "before-%d" % i)
                t0 = time.monotonic()
                host.send_signal(sig)
                for c in clients:
                    code, _ = c.expect_close(timeout=20)
                    self.assertEqual(code, 1001, "close code on %s" % signal.Signals(sig).name)
                rc = host.wait()
                self.assertEqual(rc, 0, "exit code after %s; log:\n%s"
                                 % (signal.Signals(sig).name, host.log()))
                self.assertLess(time.monotonic() - t0, 20)
            finally:
                for c in clients:
                    c.abort()
        # Host.__exit__ checked the exit code and the sanitizer output.

    def test_sigterm_closes_clients_with_1001_and_exits_0(self):
        self.drain_with(signal.SIGTERM)

    def test_sigint_drains_like_sigterm(self):
        self.drain_with(signal.SIGINT)

    def test_sigterm_with_request_in_flight(self):
        cfg = h.config_text(plugins=("echo", "testkit", "slowkit"))
        with h.Host(cfg, name="drain-busy") as host:
            c, m = host.client(), host.client()
            try:
                c.send_text('{"action":"slow_sleep","payload":{"ms":300},"requestId":"busy"}')
                echo_roundtrip(self, m, "m", "m")  # the job has been dispatched
                host.send_signal(signal.SIGTERM)
                # Either the reply still gets out before the close, or it is dropped:
                # but the close code is 1001 and nothing else arrives.
                try:
                    _, resp = c.recv_json(timeout=20)
                    assert_success(self, resp, {"slept": 300}, "busy")
                    code, _ = c.expect_close(timeout=20)
                except h.ServerClosed as closed:
                    code = closed.code
                self.assertEqual(code, 1001)
                self.assertEqual(m.expect_close(timeout=20)[0], 1001)
                self.assertEqual(host.wait(), 0)
            finally:
                c.abort()
                m.abort()

    def test_sighup_keeps_serving(self):
        with self.default_host("sighup") as host:
            with host.client() as c:
                echo_roundtrip(self, c, "before", "before")
                since = os.path.getsize(host.log_path)
                host.send_signal(signal.SIGHUP)
                h.wait_for_log(host, r"(?i)sighup|reload", since)
                echo_roundtrip(self, c, "after", "after")
                resp = c.request('{"action":"tk_echo_raw","payload":{"k":1},"requestId":"k"}')
                assert_success(self, resp, {"k": 1}, "k")
                with host.client() as c2:
                    echo_roundtrip(self, c2, "new", "new")
                self.assertIsNone(host.proc.poll())


class CommandLineTest(unittest.TestCase):
    def run_wshost(self, *args, timeout=60):
        return subprocess.run([h.require("wshost")] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                              env=h.host_env())

    def write_config(self, text):
        base = h.Paths.workdir or None
        if base:
            os.makedirs(base, exist_ok=True)
        d = tempfile.mkdtemp(prefix="wshost-cli-", dir=base)
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "wshost.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def assertNoSanitizer(self, p):
        err = p.stderr.decode("utf-8", "replace")
        self.assertFalse([m for m in h.SANITIZER_MARKERS if m in err], err)

    def test_version(self):
        p = self.run_wshost("--version")
        self.assertEqual(p.returncode, 0, p)
        self.assertRegex((p.stdout + p.stderr).decode(), r"\b0\.1\.0\b")

    def test_help(self):
        p = self.run_wshost("--help")
        self.assertEqual(p.returncode, 0, p)
        out = (p.stdout + p.stderr).decode()
        for opt in ("--config", "--ready-file", "--check-config", "--version"):
            self.assertIn(opt, out)
        # The ready file's keys, the exit codes and where the docs are.
        for key in ("pid", "ws", "control", "control_socket"):
            self.assertRegex(out, r"\n\s+%s\s" % key)
        for code in ("0", "1", "2"):
            self.assertRegex(out, r"\n\s+%s\s" % code)
        for doc in ("wshost(8)", "plugin.h", "README.md", "docs/control-api.md"):
            self.assertIn(doc, out)

    def test_bad_usage_fails(self):
        for args in (("--no-such-option",), ("--config",)):
            with self.subTest(args=args):
                p = self.run_wshost(*args)
                self.assertNotEqual(p.returncode, 0, p)
                self.assertTrue(p.stderr.strip(), "no error message for %r" % (args,))
                self.assertNoSanitizer(p)

    def test_check_config_valid(self):
        path = self.write_config(h.config_text())
        p = self.run_wshost("--check-config", path)
        self.assertEqual(p.returncode, 0, p)
        self.assertNoSanitizer(p)

    def test_check_config_unknown_key_cites_line(self):
        text = '[server]\naddress = "127.0.0.1"\nbogus_key = 1\n'
        path = self.write_config(text)
        p = self.run_wshost("--check-config", path)
        self.assertNotEqual(p.returncode, 0, p)
        err = p.stderr.decode()
        self.assertIn("bogus_key", err)
        self.assertIn("%s:3:" % path, err)
        self.assertNoSanitizer(p)

    def test_check_config_loads_plugins(self):
        text = h.config_text(plugins=("echo",)) + (
            '\n[[plugin]]\nname = "ghost"\npath = "/nonexistent/ghost.so"\n')
        path = self.write_config(text)
        p = self.run_wshost("--check-config", path)
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn("ghost", p.stderr.decode())
        self.assertNoSanitizer(p)

    def test_plugin_name_mismatch_is_refused(self):
        # testkit.so declares the name "testkit"
        text = h.config_text(plugins=()) + (
            '\n[[plugin]]\nname = "notkit"\npath = %s\n' % h.toml_str(h.require("testkit")))
        path = self.write_config(text)
        p = self.run_wshost("--check-config", path)
        self.assertNotEqual(p.returncode, 0, p)
        err = p.stderr.decode()
        self.assertIn("notkit", err)
        self.assertIn("testkit", err)
        self.assertNoSanitizer(p)

    def test_start_with_bad_config_fails_without_ready_file(self):
        path = self.write_config("[server]\nport = \"eighty\"\n")
        ready = os.path.join(os.path.dirname(path), "ready.json")
        p = self.run_wshost("--config", path, "--ready-file", ready)
        self.assertNotEqual(p.returncode, 0, p)
        self.assertFalse(os.path.exists(ready))
        self.assertIn("%s:2:" % path, p.stderr.decode())
        self.assertNoSanitizer(p)


if __name__ == "__main__":
    h.main()
