"""Requests in flight across a swap (DESIGN §7): handlers already running finish
on the old generation, whose fini and dlclose run when its in-flight count
reaches zero; new messages go to the new generation at once.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402
from reloadlib import h  # noqa: E402

import unittest  # noqa: E402

SLOW_MS = 1500


class InFlightTest(unittest.TestCase):
    def test_slow_request_finishes_on_the_old_version(self):
        with rl.ReloadHost("inflight", initial="v1") as host:
            with host.client() as a, host.client() as b:
                self.assertEqual(rl.version_of(self, b, "b0"), "v1")
                maps_one = len(host.mapped_plugin_lines())

                # The slow request reaches v1 (its handler logged) before the swap.
                since = host.log_size()
                a.send_text(rl.req("slow_version", "slow-1", {"ms": SLOW_MS}))
                h.wait_for_log(host, r"slow_version start version=v1 requestId=slow-1", since=since)

                host.deploy("v2")
                gen, _, _, text = host.reload(expect="ok")
                self.assertEqual(gen, 2)
                # The old generation waits for its reply: not finalized yet, both mapped.
                self.assertNotIn("verkit fini version=v1", text)
                self.assertEqual(host.mapped_plugin_files(), 2, host.mapped_plugin_lines())

                # New requests, on another connection and on the one waiting: v2.
                self.assertEqual(rl.version_of(self, b, "b1"), "v2")
                self.assertEqual(rl.version_of(self, a, "a1"), "v2")

                # Then the slow answer arrives, from v1.
                _, resp = a.recv_json(timeout=SLOW_MS / 1000.0 + 30)
                h.assert_success(self, resp, {"version": "v1", "slept": SLOW_MS}, "slow-1")

                # v1 is retired now: fini (which joins its thread) and unmapping.
                h.wait_for_log(host, r"verkit fini version=v1 threads=1", since=since)
                rl.wait_until(lambda: len(host.mapped_plugin_lines()) == maps_one, 10,
                              "v1's mapping to go")
                self.assertEqual(host.mapped_plugin_files(), 1)
                # Nothing stray on either connection (v1's fini has run: nothing of
                # it can still send).
                for cl in (a, b):
                    cl.marker_roundtrip("version", expect={"version": "v2"})
            host.check_no_sanitizer_reports()

    def test_slow_requests_on_two_old_generations(self):
        """v1 and v2 each keep a request in flight while v1 is deployed again:
        three generations coexist, each answers its own, each unloads after."""
        with rl.ReloadHost("inflight3", initial="v1") as host:
            with host.client() as a, host.client() as b, host.client() as c:
                since = host.log_size()
                a.send_text(rl.req("slow_version", "s-v1", {"ms": 2500}))
                h.wait_for_log(host, r"slow_version start version=v1 requestId=s-v1", since=since)
                host.deploy("v2")
                host.reload(expect="ok")
                b.send_text(rl.req("slow_version", "s-v2", {"ms": 1000}))
                h.wait_for_log(host, r"slow_version start version=v2 requestId=s-v2", since=since)
                host.deploy("v1")
                gen, _, _, _ = host.reload(expect="ok")
                self.assertEqual(gen, 3)
                self.assertEqual(host.mapped_plugin_files(), 3, host.mapped_plugin_lines())
                self.assertEqual(rl.version_of(self, c, "c1"), "v1")

                _, rb = b.recv_json(timeout=30)
                h.assert_success(self, rb, {"version": "v2", "slept": 1000}, "s-v2")
                _, ra = a.recv_json(timeout=30)
                h.assert_success(self, ra, {"version": "v1", "slept": 2500}, "s-v1")
                h.wait_for_log(host, r"verkit fini version=v2 threads=1", since=since)
                h.wait_for_log(host, r"verkit fini version=v1 threads=1", since=since)
                rl.wait_until(lambda: host.mapped_plugin_files() == 1, 10, "old mappings to go")
                # The first generation's fini came after the second's: the order
                # follows the last in-flight reply, not the swap order.
                log = host.log_text()[since:]
                self.assertLess(log.index("verkit fini version=v2"), log.index("verkit fini version=v1"))
                for cl, rid in ((a, "a"), (b, "b"), (c, "c")):
                    self.assertEqual(rl.version_of(self, cl, rid), "v1")
            host.check_no_sanitizer_reports()

    def test_client_gone_while_its_request_is_in_flight(self):
        """The asking connection closes while the old generation still owes it an
        answer: the reply is dropped (GONE) and the old generation still unloads."""
        with rl.ReloadHost("inflight-gone", initial="v1") as host:
            with host.client() as b:
                a = host.client()
                since = host.log_size()
                a.send_text(rl.req("slow_version", "gone-1", {"ms": 1000}))
                h.wait_for_log(host, r"slow_version start version=v1 requestId=gone-1", since=since)
                host.deploy("v2")
                host.reload(expect="ok")
                a.close()
                h.wait_for_log(host, r"verkit fini version=v1 threads=1", since=since, timeout=30)
                rl.wait_until(lambda: host.mapped_plugin_files() == 1, 10, "v1's mapping to go")
                self.assertEqual(rl.version_of(self, b, "b1"), "v2")
            host.check_no_sanitizer_reports()

    def test_timed_out_request_releases_the_old_generation(self):
        """A request of the old generation times out (handler_timeout): the old
        generation is released without its reply; the late reply is dropped."""
        plugins = [("verkit", "verkit.so", ["action_timeouts_ms = { slow_version = 300 }"])]
        with rl.ReloadHost("inflight-timeout", initial="v1", plugins=plugins) as host:
            with host.client() as a, host.client() as b:
                since = host.log_size()
                a.send_text(rl.req("slow_version", "late-1", {"ms": 1500}))
                h.wait_for_log(host, r"slow_version start version=v1 requestId=late-1", since=since)
                host.deploy("v2")
                host.reload(expect="ok")
                self.assertEqual(rl.version_of(self, b, "b1"), "v2")
                _, resp = a.recv_json(timeout=30)
                h.assert_error(self, resp, "handler_timeout", "late-1")
                # fini joins the thread once it tried its (late) reply.
                h.wait_for_log(host, r"verkit fini version=v1 threads=1", since=since, timeout=30)
                rl.wait_until(lambda: host.mapped_plugin_files() == 1, 10, "v1's mapping to go")
                # The late v1 answer never arrives: its thread has tried it (fini
                # joined the thread), so it would come before the marker's answer.
                a.marker_roundtrip("version", expect={"version": "v2"})
            host.check_no_sanitizer_reports()


if __name__ == "__main__":
    rl.main()
