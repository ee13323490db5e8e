"""Reload edge cases (DESIGN §7, §8): a plugin removed by a reload and added
back; a reload attempt under way when SIGTERM arrives; a reload with nothing
changed still loads a fresh copy.
"""

import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402
from reloadlib import h  # noqa: E402

import unittest  # noqa: E402


def verkit(delay_ms=0, marker=""):
    return ("verkit", "verkit.so",
            ["[plugin.config]", "init_delay_ms = %d" % delay_ms, "marker = " + h.toml_str(marker)])


class EdgeTest(unittest.TestCase):
    def test_plugin_removed_then_added_back(self):
        """Removing rooms from the config: its actions become unsupported_action,
        its room memberships (the host's) stay; added back, it sees them again."""
        plugins = [("verkit", "verkit.so", []), ("rooms", "rooms.so", [])]
        with rl.ReloadHost("removed", plugins=plugins) as host:
            with host.client() as a, host.client() as b:
                self.assertEqual(a.request(rl.req("join", "a1", {"room": "r"}))["status"], "success")
                host.write_config(host.render(plugins=[("verkit", "verkit.so", [])]))
                host.reload(expect="ok")
                h.assert_error(self, a.request(rl.req("members", "a2", {"room": "r"})),
                               "unsupported_action", "a2")
                who = a.request(rl.req("whoami", "a3"))["payload"]
                self.assertEqual(who["rooms"], ["r"])
                rl.wait_until(lambda: not host.mapped_plugin_lines("wshost:rooms"), 10,
                              "rooms.so to be unmapped")

                host.write_config(host.render(plugins=plugins))
                host.reload(expect="ok")
                resp = b.request(rl.req("members", "b1", {"room": "r"}))
                self.assertEqual([m["connection"] for m in resp["payload"]["members"]], [who["conn"]])
                self.assertEqual(rl.version_of(self, a, "a4"), "v1")
                a.marker_roundtrip("version", expect={"version": "v1"})
            host.check_no_sanitizer_reports()

    def test_unchanged_reload_loads_a_fresh_copy(self):
        """Nothing changed: the reload still runs init of a new copy (a new memfd)
        and retires the old one (fini), and serving never stops."""
        with rl.ReloadHost("unchanged") as host:
            with host.client() as a:
                inode_before = {l.split()[4] for l in host.mapped_plugin_lines()}
                since = host.log_size()
                gen, _, _, _ = host.reload(expect="ok")
                self.assertEqual(gen, 2)
                h.wait_for_log(host, r"verkit fini version=v1", since=since)
                inode_after = {l.split()[4] for l in host.mapped_plugin_lines()}
                self.assertEqual(len(inode_after), 1)
                self.assertNotEqual(inode_before, inode_after, "the same copy is still mapped")
                self.assertEqual(len(re.findall(r"verkit init version=v1", host.log_text()[since:])), 1)
                self.assertEqual(rl.version_of(self, a, "a1"), "v1")
            host.check_no_sanitizer_reports()

    def test_sigterm_during_a_reload_attempt(self):
        """SIGTERM while the reload thread is inside the new plugin's init: the
        process still exits 0 (no sanitizer report), the swap never runs, and the
        generation that was being prepared is finalized (its fini runs)."""
        with rl.ReloadHost("term-in-reload", plugins=[verkit(0, "start")]) as host:
            with host.client() as a:
                self.assertEqual(rl.version_of(self, a, "a0"), "v1")
            host.deploy("v2")
            host.write_config(host.render(plugins=[verkit(1500, "held")]))
            since = host.log_size()
            host.send_signal(signal.SIGHUP)
            h.wait_for_log(host, r"verkit init begin version=v2 marker=held", since=since)
            host.send_signal(signal.SIGTERM)
            rc = host.wait(timeout=60)
            self.assertEqual(rc, 0, host.log())
            host.check_clean_exit()
            text = host.log_text()[since:]
            # Both generations were finalized: the running one and the prepared one.
            self.assertIn("verkit fini version=v1", text)
            self.assertIn("verkit init version=v2 marker=held", text)
            self.assertIn("verkit fini version=v2", text,
                          "the generation prepared during shutdown was never finalized")
            self.assertNotRegex(text, r"reload generation=2 ok",
                                "the swap ran during shutdown (reload.h: 'its commit is dropped')")

    def test_sigterm_with_a_reply_open(self):
        """SIGTERM while a handler's reply is still open (its thread answers
        later): the reply no longer holds the generation once its client is
        gone, so fini runs (and joins that thread, whose late answer finds
        nothing), the process exits 0 and nothing is left to a loop that is gone."""
        with rl.ReloadHost("term-reply-open") as host:
            a = host.client()
            since = host.log_size()
            a.send_text(rl.req("slow_version", "s-open", {"ms": 1500}))
            h.wait_for_log(host, r"slow_version start version=v1 requestId=s-open", since=since)
            host.send_signal(signal.SIGTERM)
            rc = host.wait(timeout=60)
            a.abort()
            self.assertEqual(rc, 0, host.log())
            host.check_clean_exit()
            self.assertRegex(host.log_text()[since:], r"verkit fini version=v1 threads=1",
                             "the generation an open reply held at shutdown was never finalized")


if __name__ == "__main__":
    rl.main()
