"""A client that pipelines requests without reading is paused, not buffered
without bound (DESIGN §3 rule 3: responses are never dropped; while a
connection's queue is over the limit the server stops reading from it).

P opens its socket with a tiny SO_RCVBUF and, from a writer thread, sends 20000
gk_echo requests (each answer ~ 450 bytes) in a tight loop without reading.
The kernel buffers fill, P's send queue grows past send_queue_max_bytes (64 KiB)
and the server must stop reading P. An observer O reads P's connection_info
(gk_info) meanwhile: queued_bytes_peak must stay within the limit plus at
most one response, and O is served normally. Then P reads: every response
arrives, in order.
"""

import json
import threading
import unittest

import gw_helpers as G
from gw_helpers import H

LIMIT = 65536
N = 20000
PAD = "x" * 400


def request(i):
    return json.dumps({"action": "gk_echo", "payload": {"i": i, "pad": PAD}, "requestId": "p%d" % i},
                      separators=(",", ":"))


class Pipelining(unittest.TestCase):

    def test_pipelining_client_is_paused(self):
        cfg = G.config(websocket_lines=["send_queue_max_bytes = %d" % LIMIT,
                                        "send_queue_max_messages = 100000"])
        with G.host(cfg, "pipelining") as h:
            o = G.GwClient(h.port)
            p = G.GwClient(h.port, sockopt=G.tiny_rcvbuf(4096), fast=True, timeout=G.BIG_TIMEOUT_S)
            writer = None
            try:
                since = o.events_next()
                join_rid = p.start("gk_join", {"room": "pipe"})
                ev = o.wait_event("joined", room="pipe", since=since)
                pid = [e["connection"] for e in ev["events"] if e["room"] == "pipe"][0]

                progress = {"written": 0, "error": None}

                def write_all():
                    try:
                        for i in range(N):
                            p.send_text(request(i))
                            progress["written"] = i + 1
                    except Exception as e:  # reported by the main thread
                        progress["error"] = repr(e)

                writer = threading.Thread(target=write_all, daemon=True)
                writer.start()

                # Watch P's queue from O until the pause engaged (peak over the
                # limit: a response is never dropped, it is queued and reading stops).
                deadline = G.Deadline(G.BIG_TIMEOUT_S)
                polls = 0
                while True:
                    info = o.info(pid)
                    self.assertIsNotNone(info, "P was closed")
                    polls += 1
                    if info["queued_bytes_peak"] > LIMIT:
                        break
                    self.assertIsNone(progress["error"])
                    if deadline.expired():
                        self.fail("P's queue never exceeded the limit (peak %d) after %d of %d requests"
                                  % (info["queued_bytes_peak"], progress["written"], N))
                # Paused: O is still served meanwhile, several times.
                written_at_pause = progress["written"]
                for k in range(5):
                    H.echo_roundtrip(self, o, "while-paused-%d" % k, "wp-%d" % k)
                o.assert_nothing_pending()
                paused_info = o.info(pid)
                self.assertEqual(paused_info["dropped"], 0)
                print("\n  pause seen after %d polls; writer had written %d of %d; later %d; P: %r"
                      % (polls, written_at_pause, N, progress["written"],
                         {k: paused_info[k] for k in ("queued_messages", "queued_bytes", "queued_bytes_peak")}))

                # Now P reads: every response, in order.
                first = p.next()
                self.assertEqual(json.loads(first.data)["requestId"], join_rid)
                max_len = 0
                for i in range(N):
                    f = p.next()
                    max_len = max(max_len, len(f.data))
                    resp = json.loads(f.data)
                    self.assertEqual(resp.get("requestId"), "p%d" % i, "response %d out of order: %r"
                                     % (i, f.data[:120]))
                    self.assertEqual(resp["status"], "success", resp)
                    self.assertEqual(resp["payload"], {"i": i, "pad": PAD})
                writer.join(G.BIG_TIMEOUT_S)
                self.assertFalse(writer.is_alive())
                self.assertIsNone(progress["error"])
                p.ws.settimeout(G.RECV_TIMEOUT_S)
                p.assert_nothing_pending()
                final = o.info(pid)
                print("  P final: %r; largest response %d bytes" %
                      ({k: final[k] for k in ("queued_messages", "queued_bytes", "queued_bytes_peak", "dropped")},
                       max_len))
                # Bounded: the limit plus at most one response.
                self.assertLessEqual(paused_info["queued_bytes_peak"], LIMIT + max_len, paused_info)
                self.assertLessEqual(final["queued_bytes_peak"], LIMIT + max_len,
                                     "P's queue grew to %d bytes: limit %d + one response %d"
                                     % (final["queued_bytes_peak"], LIMIT, max_len))
                self.assertEqual(final["dropped"], 0)
                H.echo_roundtrip(self, p)
            finally:
                if writer is not None and writer.is_alive():
                    p.abort()
                    writer.join(10)
                p.close()
                o.close()


if __name__ == "__main__":
    G.main()
