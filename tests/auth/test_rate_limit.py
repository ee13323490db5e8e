"""Per-connection request rate limit (DESIGN §1): with rate_limit_per_s = 5 and
rate_limit_burst = 5, the 6th immediate request gets `rate_limited` with an
integer `retry_after_ms` > 0 in `error`, the requestId echoed; the connection
stays usable, and other connections have their own bucket.

No sleeps and no elapsed-time bounds: each test starts on a fresh connection,
whose bucket is full (the burst) whatever the time, and checks answers by
their order. What depends on the clock (refill, the cap, retry_after_ms to the
millisecond) is tests/unit/token_bucket_test.cpp, against an injected clock.
"""

import json

import authlib
from authlib import HostCase, assert_error, auth_config, handshake, poll
from websocket import ABNF


def send_all_at_once(client, frames):
    """All frames in one TCP write, so the host sees them together."""
    data = b"".join(ABNF.create_frame(json.dumps(f).encode("utf-8"), ABNF.OPCODE_TEXT).format()
                    for f in frames)
    client.ws.sock.sendall(data)


class RateLimit(HostCase):
    @classmethod
    def config(cls):
        return auth_config(auth=['authenticator = "none"'],
                           websocket_lines=["rate_limit_per_s = 5", "rate_limit_burst = 5"])

    def fresh_client(self):
        """A connection that has sent nothing yet: its bucket holds the whole burst."""
        got, headers, client = handshake(self.port)
        self.assertEqual(got, 101, headers)
        self.addCleanup(client.close)
        return client

    def burst(self, client, n, prefix):
        frames = [{"action": "ak_whoami", "requestId": "%s%d" % (prefix, i)} for i in range(n)]
        send_all_at_once(client, frames)
        return [client.recv_json(timeout=20)[1] for _ in frames]

    def assert_limited(self, resp, request_id):
        assert_error(self, resp, "rate_limited", request_id=request_id)
        err = resp["error"]
        self.assertEqual(set(err), {"code", "message", "retry_after_ms"}, err)
        self.assertIs(type(err["retry_after_ms"]), int, err)
        self.assertGreater(err["retry_after_ms"], 0)
        self.assertLessEqual(err["retry_after_ms"], 1000 // 5 + 1, "one token is 200 ms away at most")
        return err["retry_after_ms"]

    def test_sixth_request_is_rate_limited(self):
        c = self.fresh_client()
        replies = self.burst(c, 6, "q")
        self.assertEqual([r["requestId"] for r in replies], ["q%d" % i for i in range(6)])
        for r in replies[:5]:
            self.assertEqual(r["status"], "success", r)
        first_wait = self.assert_limited(replies[5], "q5")
        # Answered, in order, and never a longer wait than advertised before
        # (refused requests spend no token).
        self.assertLessEqual(self.assert_limited(c.request({"action": "ak_whoami", "requestId": "q6"}), "q6"),
                             first_wait)
        # Usable again once the token is there: the connection was never closed.
        def passes():
            resp = c.request({"action": "ak_whoami", "requestId": "again"})
            return resp if resp["status"] == "success" else None

        who = poll(passes, timeout=20, what="a request to pass the rate limit again")
        self.assertEqual(who["payload"]["user"], "")

    def test_rate_limited_without_request_id(self):
        c = self.fresh_client()
        send_all_at_once(c, [{"action": "ak_whoami"} for _ in range(6)])
        replies = [c.recv_json(timeout=20)[1] for _ in range(6)]
        self.assertEqual([r["status"] for r in replies], ["success"] * 5 + ["error"], replies)
        assert_error(self, replies[5], "rate_limited")
        self.assertNotIn("requestId", replies[5])

    def test_buckets_are_per_connection(self):
        a = self.fresh_client()
        b = self.fresh_client()
        ra = self.burst(a, 8, "a")
        self.assertEqual([r["status"] for r in ra], ["success"] * 5 + ["error"] * 3, ra)
        # b's whole burst passes although a's bucket is empty.
        rb = self.burst(b, 5, "b")
        self.assertEqual([r["status"] for r in rb], ["success"] * 5, rb)


if __name__ == "__main__":
    authlib.main()
