"""Reload requests are coalesced (DESIGN §7, reload.h): one attempt at a time on
the reload thread; requests arriving meanwhile make at most one more attempt.
Attempts are counted by their `reload generation=` result lines.

The end of a burst is found without sleeping: after the burst's results, one
more reload with a distinct marker in the plugin config runs; its init line
("verkit init begin ... marker=final") tells which result lines came before.
A coalesced attempt still pending when the marker is signalled merges with
the marker (that is what coalescing means), so it cannot inflate the count.
"""

import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reloadlib as rl  # noqa: E402
from reloadlib import h  # noqa: E402

import unittest  # noqa: E402

BURST = 5


def verkit(delay_ms, marker):
    return [("verkit", "verkit.so",
             ["[plugin.config]", "init_delay_ms = %d" % delay_ms, "marker = " + h.toml_str(marker)])]


class CoalesceTest(unittest.TestCase):
    def wait_results(self, host, since, n):
        """Waits until `n` result lines follow log offset `since`."""
        h.wait_for_log(host, r"(?s)(reload generation=\d+ (ok|failed).*){%d}" % n, since=since,
                       timeout=rl.RELOAD_TIMEOUT_S)

    def results_before_marker(self, host, since, marker):
        """Runs the marker reload and returns the result lines (gen, status) of
        the attempts that started before it."""
        host.write_config(host.render(plugins=verkit(0, marker)))
        mark_since = host.log_size()
        host.send_signal(signal.SIGHUP)
        h.wait_for_log(host, r"verkit init begin version=\w+ marker=%s\b" % marker, since=mark_since)
        host.wait_result(mark_since, expect="ok")
        text = host.log_text()[since:]
        cut = text.index("marker=" + marker)
        return [(int(g), s) for g, s in re.findall(r"reload generation=(\d+) (ok|failed)", text[:cut])]

    def test_burst_while_an_attempt_runs_makes_one_more(self):
        """SIGHUP; once that attempt is inside plugin init (held 1.5 s), four more:
        exactly two attempts in all."""
        with rl.ReloadHost("coalesce-busy", plugins=verkit(0, "start")) as host:
            with host.client() as c:
                host.write_config(host.render(plugins=verkit(1500, "burst")))
                since = host.log_size()
                host.send_signal(signal.SIGHUP)
                h.wait_for_log(host, r"verkit init begin version=v1 marker=burst", since=since)
                for _ in range(BURST - 1):
                    host.send_signal(signal.SIGHUP)
                # init runs on the reload thread: the service thread answers
                # while the attempt is held.
                self.assertEqual(rl.version_of(self, c, "c0"), "v1")
                self.assertNotIn("reload generation=", host.log_text()[since:],
                                 "the request waited for the held reload attempt")
                self.wait_results(host, since, 2)  # the held attempt and one more
                results = self.results_before_marker(host, since, "final")
                self.assertEqual(results, [(2, "ok"), (3, "ok")], results)
                # The marker attempt was generation 4, and the host kept serving.
                self.assertEqual(rl.version_of(self, c, "c1"), "v1")
                log = host.log_text()[since:]
                self.assertEqual(len(re.findall(r"reload generation=", log)), 3, log)
                self.assertIn("reload generation=4 ok", log)
            host.check_no_sanitizer_reports()

    def test_burst_of_five_makes_at_most_two_attempts(self):
        """Five SIGHUPs back to back (the host idle): one or two attempts. (The
        kernel may merge pending SIGHUPs already; the held attempt makes sure all
        five were read before the first result.)"""
        with rl.ReloadHost("coalesce-burst", plugins=verkit(0, "start")) as host:
            with host.client() as c:
                host.write_config(host.render(plugins=verkit(1000, "burst")))
                since = host.log_size()
                for _ in range(BURST):
                    host.send_signal(signal.SIGHUP)
                host.wait_result(since, expect="ok")
                # A second attempt, if any, started the moment the first ended and
                # read the "burst" config long before this writes the marker's.
                results = self.results_before_marker(host, since, "final")
                self.assertIn(len(results), (1, 2), results)
                self.assertEqual(results, [(2 + i, "ok") for i in range(len(results))])
                self.assertEqual(rl.version_of(self, c, "c1"), "v1")
            host.check_no_sanitizer_reports()

    def test_burst_during_a_failing_attempt(self):
        """The held attempt fails (broken plugin deployed); the coalesced one after
        it, with v2 deployed meanwhile, succeeds as generation 3 (the failed one
        took 2)."""
        with rl.ReloadHost("coalesce-fail", plugins=verkit(0, "start")) as host:
            with host.client() as c:
                host.write_config(host.render(plugins=verkit(1500, "burst")))
                host.deploy("broken")
                since = host.log_size()
                host.send_signal(signal.SIGHUP)
                h.wait_for_log(host, r"verkit init begin version=broken marker=burst", since=since)
                host.deploy("v2")  # read by the next attempt
                for _ in range(BURST - 1):
                    host.send_signal(signal.SIGHUP)
                self.wait_results(host, since, 2)
                results = self.results_before_marker(host, since, "final")
                self.assertEqual(results, [(2, "failed"), (3, "ok")], results)
                self.assertEqual(rl.version_of(self, c, "c1"), "v2")
            host.check_no_sanitizer_reports()


if __name__ == "__main__":
    rl.main()
