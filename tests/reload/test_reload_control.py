"""Reload through the control API (DESIGN §6, §7): `POST /v1/reload` runs (or
joins) an attempt and answers its result, `GET /v1/reload` reports the latest:
{"generation","status","started","finished","errors":[{file,line,col,message}],
"restart_required":[...]}. Needs the admin scope.

Skips (exit 77) when this build serves no control listener or answers 501.
"""

import http.client
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402
from reloadlib import h  # noqa: E402

import unittest  # noqa: E402

ADMIN = "reload-test-admin"
PUSH = "reload-test-push"
METRICS = "reload-test-metrics"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
CONTROL_LINES = ["", "[control]", "enabled = true", 'address = "127.0.0.1"', "port = 0",
                 'tokens = [{ token = "%s", scopes = ["admin"] }, { token = "%s", scopes = ["push"] },'
                 ' { token = "%s", scopes = ["metrics"] }]' % (ADMIN, PUSH, METRICS)]


class ControlHost(rl.ReloadHost):
    def render(self, **kw):
        text = super().render(**kw)
        # Replace the harness's "[control] enabled = false" with a real listener.
        return text.replace("\n[control]\nenabled = false\n", "\n".join(CONTROL_LINES) + "\n")

    def call(self, method, path, token=ADMIN, body=b"{}", timeout=120):
        """One request on a fresh connection. POST bodies default to "{}" (what
        wshostctl sends); body=b"" sends Content-Length: 0."""
        conn = http.client.HTTPConnection("127.0.0.1", self.info["control"], timeout=timeout)
        try:
            headers = {"Authorization": "Bearer " + token} if token else {}
            if method == "POST":
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body if method == "POST" else None, headers=headers)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            return resp.status, body
        finally:
            conn.close()


class ControlReloadTest(unittest.TestCase):
    host = None

    @classmethod
    def setUpClass(cls):
        cls.host = ControlHost("control")
        cls.host.start()
        if type(cls.host.info.get("control")) is not int:
            cls.skip_reason = "this build serves no control listener"
            return
        status, body = cls.host.call("GET", "/v1/reload")
        cls.skip_reason = None if status != 501 else "GET /v1/reload answers 501 in this build"

    @classmethod
    def tearDownClass(cls):
        if cls.host is not None:
            cls.host.stop()
            cls.host.check_clean_exit()
            cls.host.cleanup_dir()

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def result(self, body):
        try:
            value = h.strict_json(body)
        except ValueError:
            self.fail("the reload answer is not JSON: %r" % body[:300])
        self.assertEqual(set(value), {"generation", "status", "started", "finished", "errors",
                                      "restart_required"}, value)
        self.assertIsInstance(value["generation"], int)
        self.assertRegex(value["started"], RFC3339)
        if value["status"] != "running":
            self.assertRegex(value["finished"], RFC3339)
        for e in value["errors"]:
            self.assertEqual(set(e), {"file", "line", "col", "message"}, e)
        return value

    def test_1_scopes(self):
        self.assertEqual(self.host.call("POST", "/v1/reload", token=None)[0], 401)
        self.assertEqual(self.host.call("POST", "/v1/reload", token=PUSH)[0], 403)
        self.assertEqual(self.host.call("GET", "/v1/reload", token=PUSH)[0], 403)

    def test_2_ok_failed_restart_required(self):
        host = self.host
        with host.client() as c:
            host.deploy("v2")
            since = host.log_size()
            status, body = host.call("POST", "/v1/reload")
            self.assertEqual(status, 200, body)
            r = self.result(body)
            self.assertEqual((r["generation"], r["status"], r["errors"], r["restart_required"]),
                             (2, "ok", [], []), r)
            h.wait_for_log(host, r"reload generation=2 ok", since=since)
            self.assertEqual(rl.version_of(self, c, "c1"), "v2")

            # A failing plugin: 422, the errors as --check-config reports them.
            host.deploy("broken")
            status, body = host.call("POST", "/v1/reload")
            self.assertEqual(status, 422, body)
            r = self.result(body)
            # JSON: the generation serving (reload.h); the log names the attempted one,
            # a number of its own.
            self.assertEqual((r["generation"], r["status"]), (2, "failed"), r)
            h.wait_for_log(host, r"reload generation=3 failed", since=since)
            self.assertEqual(len(r["errors"]), 1, r)
            err = r["errors"][0]
            self.assertEqual(err["file"], host.config_path)
            self.assertIn("init failed", err["message"])
            rc, lines, _ = rl.check_config_errors(h.require("wshost"), host.config_path)
            self.assertEqual(lines, ["%s:%d:%d: %s" % (err["file"], err["line"], err["col"], err["message"])])
            self.assertEqual(rl.version_of(self, c, "c2"), "v2")
            status, body = host.call("GET", "/v1/reload")
            self.assertEqual(status, 200, body)
            self.assertEqual(self.result(body)["status"], "failed")

            # Bad TOML: the position of the error.
            host.deploy("v1")
            good = host.render()
            bad = good.replace("port = 0\npath", "port = = 0\npath")
            host.write_config(bad)
            status, body = host.call("POST", "/v1/reload")
            self.assertEqual(status, 422, body)
            r = self.result(body)
            self.assertEqual((r["generation"], r["status"]), (2, "failed"), r)
            h.wait_for_log(host, r"reload generation=4 failed", since=since)
            line = [n for n, l in enumerate(bad.splitlines(), 1) if "port = = 0" in l][0]
            self.assertEqual((r["errors"][0]["file"], r["errors"][0]["line"]), (host.config_path, line), r)

            # A listen-port change: applied nothing, reported. The two failed
            # attempts took generations 3 and 4: this one is 5.
            host.write_config(host.render(port=rl.free_port()))
            status, body = host.call("POST", "/v1/reload")
            self.assertEqual(status, 200, body)
            r = self.result(body)
            self.assertEqual((r["generation"], r["status"]), (5, "ok"), r)
            h.wait_for_log(host, r"reload generation=5 ok", since=since)
            self.assertIn("server.port", r["restart_required"])
            self.assertEqual(rl.version_of(self, c, "c3"), "v1")

            # SIGHUP shows up in GET /v1/reload too.
            host.write_config(good)
            host.reload(expect="ok")
            status, body = host.call("GET", "/v1/reload")
            r = self.result(body)
            self.assertEqual((r["generation"], r["status"], r["restart_required"]), (6, "ok", []), r)
            c.marker_roundtrip("version", expect={"version": "v1"})
        host.check_no_sanitizer_reports()

    def test_3_post_with_empty_body_is_one_attempt(self):
        """POST /v1/reload with Content-Length: 0 (Python's http.client and
        requests, `curl -d ''`): one attempt, one well-formed answer. The attempt
        is held 300 ms in init so that a second request made while it runs would
        show as a second attempt."""
        host = self.host
        host.write_config(host.render(plugins=[
            ("verkit", "verkit.so", ["[plugin.config]", "init_delay_ms = 300"])]))
        host.deploy("v1")
        status, body = host.call("POST", "/v1/reload")  # "{}": arms the delay
        self.assertEqual(status, 200, body)
        before = self.result(body)["generation"]
        since = host.log_size()
        status, body = host.call("POST", "/v1/reload", body=b"")
        self.assertEqual(status, 200, body)
        r = self.result(body)
        self.assertEqual((r["generation"], r["status"]), (before + 1, "ok"), r)
        status, body = host.call("GET", "/v1/reload")
        after = self.result(body)
        self.assertEqual((after["generation"], after["status"]), (before + 1, "ok"),
                         "one POST made more than one attempt: %r; log:\n%s"
                         % (after, host.log_text()[since:]))
        self.assertEqual(len(re.findall(r"reload generation=", host.log_text()[since:])), 1,
                         host.log_text()[since:])

    def metrics(self):
        status, body = self.host.call("GET", "/metrics", token=METRICS)
        self.assertEqual(status, 200, body)
        values = {}
        for line in body.splitlines():
            m = re.match(r'^(wshost_reloads_total\{result="(\w+)"\}|wshost_reload_generation) (\d+)$', line)
            if m:
                values[m.group(2) or m.group(1)] = int(m.group(3))
        return values

    def test_4_metrics_count_reloads(self):
        """Every attempt is counted by result; the gauge is the serving generation."""
        host = self.host
        host.write_config(host.render())
        before = self.metrics()
        host.deploy("broken")
        self.assertEqual(host.call("POST", "/v1/reload")[0], 422)
        host.deploy("v2")
        status, body = host.call("POST", "/v1/reload")
        self.assertEqual(status, 200, body)
        gen = self.result(body)["generation"]
        host.reload(expect="ok")  # SIGHUP counts too
        after = self.metrics()
        self.assertEqual(after.get("failed", 0) - before.get("failed", 0), 1, (before, after))
        self.assertEqual(after.get("ok", 0) - before.get("ok", 0), 2, (before, after))
        self.assertEqual(after.get("wshost_reload_generation"), gen + 1, after)


if __name__ == "__main__":
    rl.main()
