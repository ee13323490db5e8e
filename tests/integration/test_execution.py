"""Handler execution over the wire (DESIGN §4): failures, timeouts, late and
asynchronous replies, the blocking worker pool and its `overloaded` answer.

Shared fixture host for most tests; the overload test starts its own host with
[workers] threads = 1, queue_size = 1.
"""

import os
import sys

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

    def test_reply_members_writes_every_kind(self):
        # reply_members (ABI 1.3): the host writes the payload itself, byte
        # for byte as plugin.h describes, with the requestId after it.
        text, resp = self.c.request_raw('{"action":"tk_members","payload":{"case":"all"},"requestId":"rm-1"}')
        self.assertEqual(
            text,
            '{"status":"success","payload":{"s":"a\\"b","more":"x-y","i":-7,"t":true,"n":null,'
            '"j":[1,{"k":2}]},"requestId":"rm-1"}',
        )
        text, resp = self.c.request_raw('{"action":"tk_members","payload":{"case":"all"}}')
        assert_success(self, resp, {"s": 'a"b', "more": "x-y", "i": -7, "t": True, "n": None, "j": [1, {"k": 2}]},
                       NO_RID)

    def test_malformed_reply_members_are_handler_failed(self):
        # The plugin checks that the call returned WSH_E_INVALID (else it
        # fails with a logged line, which the answer would not tell apart).
        for case in ("bad_utf8", "bad_json"):
            resp = self.c.request('{"action":"tk_members","payload":{"case":"%s"},"requestId":"bm-%s"}' % (case, case))
            assert_error(self, resp, "handler_failed", "bm-" + case,
                         message="The handler's reply members were malformed.")
        self.c.marker_roundtrip()

    def test_plugin_error_code(self):
        resp = self.c.request('{"action":"tk_error","payload":{"x":1},"requestId":"ce-1"}')
        assert_error(self, resp, "custom_code", "ce-1", message="custom message")

    def test_handler_timeout(self):
        # action_timeouts_ms = { tk_never = 200 }: not before, and not the 10 s
        # default. Proven by order, not by a stopwatch: the timeout comes after
        # tk_async's reply (~50 ms) and before a 1 s blocking handler's reply.
        self.c.send_text('{"action":"slow_sleep","payload":{"ms":1000},"requestId":"to-slow"}')
        self.c.send_text('{"action":"tk_never","requestId":"to-1"}')
        self.c.send_text('{"action":"tk_async","requestId":"to-async"}')
        first, second, third = (self.c.recv_json(timeout=30)[1] for _ in range(3))
        assert_success(self, first, {"async": True}, "to-async")
        assert_error(self, second, "handler_timeout", "to-1")
        assert_success(self, third, {"slept": 1000}, "to-slow")
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
        resp = self.c.request('{"action":"tk_late","requestId":"late-1"}')
        assert_error(self, resp, "handler_timeout", "late-1")
        # tk_late_result answers once the late reply_success() has returned, with
        # what it returned: GONE proves the timeout (100 ms) came before the reply
        # (500 ms). It is also the marker: a late frame, had the host sent one,
        # would arrive before this answer.
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
        self.c.send_text('{"action":"slow_sleep","payload":{"ms":2000},"requestId":"slow-a"}')
        resp_b = b.request('{"action":"echo","payload":{"message":"B"},"requestId":"fast-b"}')
        assert_success(self, resp_b, {"message": "Echo: B"}, "fast-b")
        # Order, not a stopwatch: an echo A sends after B was answered still comes
        # before A's slow reply, so B was answered while A's handler ran. Had the
        # handler blocked the service thread, the slow reply would come first.
        echo_roundtrip(self, self.c, "A", "fast-a")
        _, resp_a = self.c.recv_json(timeout=30)
        assert_success(self, resp_a, {"slept": 2000}, "slow-a")

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
                b.send_text('{"action":"slow_sleep","payload":{"ms":100},"requestId":"b"}')
                b.send_text('{"action":"slow_sleep","payload":{"ms":100},"requestId":"c"}')
                assert_error(self, b.recv_json()[1], "overloaded", "c")
                # `overloaded` did not wait for a free worker: A's job still runs
                # (an echo on A is answered before A's slow reply).
                echo_roundtrip(self, a, "a-busy", "a-busy")
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
