"""Settings on reload (DESIGN §7): reloadable settings take effect for new
messages (e.g. [websocket] max_message_bytes, a plugin's [plugin.config]);
settings that need a restart (the listen port) are reported in the log as
"restart required" and NOT applied: the old port keeps serving.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402
from reloadlib import h  # noqa: E402

import unittest  # noqa: E402


def echo_plugin(prefix):
    return ("echo", "echo.so", ["[plugin.config]", "prefix = " + h.toml_str(prefix)])


def echo_req(text, rid):
    return rl.req("echo", rid, {"message": text})


class SettingsTest(unittest.TestCase):
    def test_message_limit_and_plugin_config_apply(self):
        plugins = [("verkit", "verkit.so", []), echo_plugin("Echo: ")]
        with rl.ReloadHost("settings", plugins=plugins,
                           websocket_lines=["max_message_bytes = 65536"]) as host:
            big = "y" * 30000  # fits 64 KiB, not 16 KiB
            with host.client() as a:
                h.assert_success(self, a.request(echo_req(big, "a1")), {"message": "Echo: " + big}, "a1")

                host.write_config(host.render(websocket_lines=["max_message_bytes = 16384"],
                                              plugins=[("verkit", "verkit.so", []),
                                                       echo_plugin("Reloaded: ")]))
                gen, _, rest, _ = host.reload(expect="ok")
                self.assertEqual(gen, 2)
                self.assertNotIn("restart", rest)

                # The same connection: the new plugin config, and the new limit for
                # a new message that fitted before.
                h.assert_success(self, a.request(echo_req("hi", "a2")), {"message": "Reloaded: hi"}, "a2")
                mid = "z" * 10000
                h.assert_success(self, a.request(echo_req(mid, "a3")), {"message": "Reloaded: " + mid}, "a3")
                a.send_text(echo_req(big, "a4"))
                code, _ = a.expect_close(timeout=20)
                self.assertEqual(code, 1009)
            with host.client() as b:
                h.assert_success(self, b.request(echo_req("new", "b1")), {"message": "Reloaded: new"}, "b1")
                b.send_text(echo_req(big, "b2"))
                self.assertEqual(b.expect_close(timeout=20)[0], 1009)
            host.check_no_sanitizer_reports()

    def test_port_change_is_reported_not_applied(self):
        plugins = [("verkit", "verkit.so", []), echo_plugin("Echo: ")]
        with rl.ReloadHost("port", plugins=plugins, websocket_lines=["ping_interval_s = 30"]) as host:
            old_port = host.port
            new_port = rl.free_port()
            with host.client() as a:
                h.assert_success(self, a.request(echo_req("x", "a0")), {"message": "Echo: x"}, "a0")
                changed = host.render(port=new_port, websocket_lines=["ping_interval_s = 20"],
                                      plugins=[("verkit", "verkit.so", []), echo_plugin("Second: ")])
                host.write_config(changed)
                gen, status, rest, _ = host.reload(expect="ok")
                self.assertEqual(gen, 2)
                self.assertIn("restart required", rest)
                self.assertIn("server.port", rest)
                self.assertIn("websocket.ping_interval_s", rest)

                # Everything else applied; the old port still serves, the new one is not bound.
                h.assert_success(self, a.request(echo_req("x", "a1")), {"message": "Second: x"}, "a1")
                with h.Client(old_port) as b:
                    h.assert_success(self, b.request(echo_req("y", "b1")), {"message": "Second: y"}, "b1")
                self.assertTrue(rl.port_refuses(new_port), "the new port is listening")

                # Reloading again still reports it: the running port did not change.
                gen, _, rest, _ = host.reload(expect="ok")
                self.assertEqual(gen, 3)
                self.assertIn("server.port", rest)
                self.assertTrue(rl.port_refuses(new_port))
                self.assertEqual(rl.version_of(self, a, "a2"), "v1")
                a.marker_roundtrip("version", expect={"version": "v1"})
            host.check_no_sanitizer_reports()


if __name__ == "__main__":
    rl.main()
