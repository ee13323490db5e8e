"""Per-connection request rate limit (DESIGN §1): with rate_limit_per_s = 5 and
rate_limit_burst = 5, the 6th immediate request gets `rate_limited` with an
integer `retry_after_ms` > 0 in `error`, the requestId echoed; the connection
stays usable, and other connections have their own bucket.
"""

import json
import time

import authlib
from authlib import HostCase, assert_error, auth_config, connect_admitted
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

    def burst(self, client, n, prefix):
        frames = [{"action": "ak_whoami", "requestId": "%s%d" % (prefix, i)} for i in range(n)]
        send_all_at_once(client, frames)
        return [client.recv_json(timeout=20)[1] for _ in frames]

    def test_sixth_request_is_rate_limited(self):
        c, _ = connect_admitted(self, self.port)  # one request already used
        try:
            time.sleep(1.1)  # refill the bucket (5 tokens at 5/s)
            replies = self.burst(c, 6, "q")
            self.assertEqual([r["requestId"] for r in replies], ["q%d" % i for i in range(6)])
            for r in replies[:5]:
                self.assertEqual(r["status"], "success", r)
            limited = replies[5]
            assert_error(self, limited, "rate_limited", request_id="q5")
            err = limited["error"]
            self.assertEqual(set(err), {"code", "message", "retry_after_ms"}, err)
            self.assertIs(type(err["retry_after_ms"]), int, err)
            self.assertGreater(err["retry_after_ms"], 0)
            self.assertLessEqual(err["retry_after_ms"], 1000)
            # Usable again after the advertised wait.
            time.sleep(err["retry_after_ms"] / 1000.0 + 0.05)
            self.assertEqual(c.whoami("after")["user"], "")
        finally:
            c.close()

    def test_rate_limited_without_request_id(self):
        c, _ = connect_admitted(self, self.port)
        try:
            time.sleep(1.1)
            send_all_at_once(c, [{"action": "ak_whoami"} for _ in range(6)])
            replies = [c.recv_json(timeout=20)[1] for _ in range(6)]
        finally:
            c.close()
        limited = [r for r in replies if r["status"] == "error"]
        self.assertGreaterEqual(len(limited), 1, replies)
        for r in limited:
            assert_error(self, r, "rate_limited")
            self.assertNotIn("requestId", r)

    def test_buckets_are_per_connection(self):
        a, _ = connect_admitted(self, self.port)
        b, _ = connect_admitted(self, self.port)
        try:
            time.sleep(1.1)
            ra = self.burst(a, 8, "a")
            self.assertEqual([r["status"] for r in ra[:5]], ["success"] * 5)
            self.assertEqual(ra[7]["error"]["code"], "rate_limited")
            rb = self.burst(b, 5, "b")
            self.assertEqual([r["status"] for r in rb], ["success"] * 5, rb)
        finally:
            a.close()
            b.close()


if __name__ == "__main__":
    authlib.main()
