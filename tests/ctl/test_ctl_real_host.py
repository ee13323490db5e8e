#!/usr/bin/python3
"""wshostctl against a real wshost, over the two transports a fake server cannot stand in for:
https with [control.tls] (a self-signed certificate made by openssl for the run), and the
control API on a Unix socket. Exit codes as documented: 0 ok, 1 refused, 3 unreachable."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import wshost_harness as h  # noqa: E402

WSHOSTCTL = os.environ.get("WSHOSTCTL", "")
TOKEN = "ctl-real-host-token"


def host_config(control_lines):
    return "\n".join(["[server]", 'address = "127.0.0.1"', "port = 0", "", "[control]"] + control_lines +
                     ['tokens = [{ token = "%s", scopes = ["push", "admin", "metrics"] }]' % TOKEN, ""])


def ctl(*args, token=TOKEN):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSHOST_CONTROL_")}
    if token:
        env["WSHOST_CONTROL_TOKEN"] = token
    return subprocess.run([WSHOSTCTL] + list(args), capture_output=True, text=True, env=env, timeout=30)


class RealHost(unittest.TestCase):
    control_lines = []

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wshostctl-")  # short: a socket path holds 107 bytes
        cls.prepare()
        cls.host = h.Host(host_config(cls.control_lines), name=cls.__name__).start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()
        cls.host.check_clean_exit()
        cls.host.cleanup_dir()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assertExit(self, out, code):
        self.assertEqual(out.returncode, code, "stdout: %s\nstderr: %s" % (out.stdout, out.stderr))


class Https(RealHost):
    @classmethod
    def prepare(cls):
        cls.cert, key = os.path.join(cls.tmp, "cert.pem"), os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cls.cert,
                        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.control_lines = ['address = "127.0.0.1"', "port = 0", "tls = { enabled = true, cert_file = %s, "
                             "key_file = %s }" % (h.toml_str(cls.cert), h.toml_str(key))]

    def url(self, scheme="https"):
        return "%s://127.0.0.1:%d" % (scheme, self.host.info["control"])

    def test_trusted_certificate(self):
        out = ctl("--url", self.url(), "--cacert", self.cert, "status")
        self.assertExit(out, 0)
        self.assertEqual(out.stdout, "health: ok (HTTP 200)\nready:  yes (HTTP 200)\n")
        out = ctl("--url", self.url(), "--cacert", self.cert, "--json", "send-text", "42", "over tls")
        self.assertExit(out, 0)
        self.assertEqual(json.loads(out.stdout)["delivery"]["matched"], 0)
        self.assertExit(ctl("--url", self.url(), "--cacert", self.cert, "plugins", token=None), 1)  # 401

    def test_untrusted_certificate_is_unreachable(self):
        out = ctl("--url", self.url(), "status")
        self.assertExit(out, 3)
        self.assertIn("wshostctl: TLS with %s failed: " % self.url(), out.stderr)

    def test_insecure_skips_the_check(self):
        self.assertExit(ctl("--url", self.url(), "--insecure", "metrics"), 0)

    def test_plain_http_to_the_tls_listener_is_unreachable(self):
        self.assertExit(ctl("--url", self.url("http"), "--timeout", "5", "status"), 3)


class UnixSocket(RealHost):
    @classmethod
    def prepare(cls):
        cls.socket = os.path.join(cls.tmp, "control.sock")
        cls.control_lines = ["socket = " + h.toml_str(cls.socket)]

    def test_commands_over_the_socket(self):
        url = "unix:" + self.socket
        out = ctl("--url", url, "status")
        self.assertExit(out, 0)
        self.assertIn("health: ok", out.stdout)
        out = ctl("--url", url, "reload")
        self.assertExit(out, 0)
        self.assertRegex(out.stdout, r"^reload generation \d+: ok\n")
        out = ctl("--url", url, "--json", "connections", "--all")
        self.assertExit(out, 0)
        self.assertEqual(json.loads(out.stdout)["connections"], [])
        out = ctl("--url", url, "tags", "999", "--set", "a=b")
        self.assertExit(out, 1)  # no such connection
        self.assertIn("HTTP 404", out.stderr)


if __name__ == "__main__":
    h.main()  # --wshost and --workdir; the client comes from $WSHOSTCTL
