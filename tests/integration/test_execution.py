"""Handler execution over the wire (DESIGN §4): failures, timeouts, late and
asynchronous replies, the blocking worker pool and its `overloaded` answer.

Shared fixture host for most tests; the overload test starts its own host with
[workers] threads = 1, queue_size = 1.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402
from wshost_harness import NO_RID, assert_error, assert_success, echo_roundtrip  # noqa: E402

import unittest  # noqa: E402

WSH_E_GONE = 2  # plugin.h


class ExecutionTest(h.SharedHostMixin, unittest.TestCase):
    def setUp(self):
        self.c = self.host.client()
        self.addCleanup(self.c.close)

    def test_handler_error_return_is_handler_failed(self):
        resp = self.c.request('{"action":"tk_fail","requestId":"hf-1"}')
        assert_error(self, resp, "handler_failed", "hf-1")
        resp = self.c.request('{"action":"tk_fail"}')
        assert_error(self, resp, "handler_failed", NO_RID)
        # One answer each: a second one would come before the marker's.
        self.c.marker_roundtrip()

    def test_non_object_reply_is_handler_failed(self):
        resp = self.c.request('{"action":"tk_bad_reply","requestId":"br-1"}')
        assert_error(self, resp, "handler_failed", "br-1")
        self.c.marker_roundtrip()

    def test_plugin_error_code(self):
        resp = self.c.request('{"action":"tk_error","payload":{"x":1},"requestId":"ce-1"}')
        assert_error(self, resp, "custom_code", "ce-1", message="custom message")

    def test_handler_timeout(self):
        t0 = time.monotonic()
        resp = self.c.request('{"action":"tk_never","requestId":"to-1"}')
        elapsed = time.monotonic() - t0
        assert_error(self, resp, "handler_timeout", "to-1")
        # action_timeouts_ms = { tk_never = 200 }: not before, and not the 10 s default
        self.assertGreaterEqual(elapsed, 0.18)
        self.assertLess(elapsed, 5.0)
        self.c.marker_roundtrip()

    def test_async_reply_from_thread(self):
        resp = self.c.request('{"action":"tk_async","requestId":"as-1"}')
        assert_success(self, resp, {"async": True}, "as-1")

    def test_async_and_inline_replies_match_request_ids(self):
        # The async answer comes ~50 ms later: the echo sent after it is answered first.
        self.c.send_text('{"action":"tk_async","requestId":"as-2"}')
        self.c.send_text('{"action":"echo","payload":{"message":"quick"},"requestId":"q-2"}')
        first = self.c.recv_json()[1]
        second = self.c.recv_json()[1]
        assert_success(self, first, {"message": "Echo: quick"}, "q-2")
        assert_success(self, second, {"async": True}, "as-2")

    def test_late_reply_is_dropped(self):
        t0 = time.monotonic()
        resp = self.c.request('{"action":"tk_late","requestId":"late-1"}')
        elapsed = time.monotonic() - t0
        assert_error(self, resp, "handler_timeout", "late-1")
        self.assertLess(elapsed, 0.45, "timeout (100 ms) should come before the 500 ms reply")
        # tk_late_result answers once the late reply_success() has returned: it is
        # the marker. A late frame, if the host wrongly sent one, would arrive first.
        self.c.marker_roundtrip("tk_late_result", expect={"rc": WSH_E_GONE})

    def test_concurrent_requests_on_many_connections(self):
        clients = [self.host.client() for _ in range(8)]
        for c in clients:
            self.addCleanup(c.close)
        for i, c in enumerate(clients):
            for j in range(5):
                c.send_text('{"action":"echo","payload":{"message":"c%d-%d"},"requestId":"%d-%d"}'
                            % (i, j, i, j))
        for i, c in enumerate(clients):
            for j in range(5):
                assert_success(self, c.recv_json()[1], {"message": "Echo: c%d-%d" % (i, j)},
                               "%d-%d" % (i, j))
        for c in clients:
            c.marker_roundtrip()  # no answer twice, none on the wrong connection

    def test_blocking_handler_does_not_block_other_connections(self):
        b = self.host.client()
        self.addCleanup(b.close)
        t0 = time.monotonic()
        self.c.send_text('{"action":"slow_sleep","payload":{"ms":2000},"requestId":"slow-a"}')
        resp_b = b.request('{"action":"echo","payload":{"message":"B"},"requestId":"fast-b"}')
        t_b = time.monotonic() - t0
        assert_success(self, resp_b, {"message": "Echo: B"}, "fast-b")
        self.assertLess(t_b, 1.5, "B's echo waited for A's blocking handler")
        _, resp_a = self.c.recv_json(timeout=30)
        t_a = time.monotonic() - t0
        assert_success(self, resp_a, {"slept": 2000}, "slow-a")
        self.assertGreaterEqual(t_a, 1.9)
        self.assertGreater(t_a, t_b)

    def test_blocking_plugin_error_reply(self):
        resp = self.c.request('{"action":"slow_sleep","payload":{"ms":"x"},"requestId":"bp"}')
        assert_error(self, resp, "invalid_payload", "bp")


class OverloadTest(unittest.TestCase):
    def test_full_queue_answers_overloaded(self):
        cfg = h.config_text(plugins=("echo", "slowkit"),
                            workers_lines=("threads = 1", "queue_size = 1"))
        with h.Host(cfg, name="overload") as host:
            a, b, m = (host.client() for _ in range(3))
            try:
                a.send_text('{"action":"slow_sleep","payload":{"ms":1500},"requestId":"a"}')
                # A must be running (not just queued) before B: slowkit logs its start.
                h.wait_for_log(host, r"slow_sleep start ms=1500 requestId=a\b")
                # One connection's frames are handled in order: B fills the queue,
                # then C finds it full.
                t0 = time.monotonic()
                b.send_text('{"action":"slow_sleep","payload":{"ms":100},"requestId":"b"}')
                b.send_text('{"action":"slow_sleep","payload":{"ms":100},"requestId":"c"}')
                assert_error(self, b.recv_json()[1], "overloaded", "c")
                self.assertLess(time.monotonic() - t0, 1.0, "overloaded must not wait")
                # inline plugins are not affected by the full pool
                echo_roundtrip(self, m, "m", "m")
                assert_success(self, a.recv_json(timeout=30)[1], {"slept": 1500}, "a")
                assert_success(self, b.recv_json(timeout=30)[1], {"slept": 100}, "b")
                # the pool recovers
                resp = m.request('{"action":"slow_sleep","payload":{"ms":10},"requestId":"d"}')
                assert_success(self, resp, {"slept": 10}, "d")
                for x in (a, b, m):
                    x.marker_roundtrip()
            finally:
                for x in (a, b, m):
                    x.close()


if __name__ == "__main__":
    h.main()
