"""Bounded memory and the slow-consumer policies (DESIGN §3 rule 3).

Per-connection limits: send_queue_max_bytes = 1 MiB, send_queue_max_messages =
10000. A slow client S opens its socket with a tiny SO_RCVBUF and never reads;
a reading client R asks gatekit for a flood of >= 50 MiB to everyone (R and S)
from a plugin thread. The flood is paced on R's queue only (R is never
outrun), so S's queue overflows while R keeps up. After every send gatekit
samples S's connection_info: the largest queued_bytes (and peak) it saw must
stay within the byte limit.

  disconnect:  receipts count drops; S is closed with 1013 (the disconnected
               hook reports 1013; S sees a 1013 close frame or just the end of
               the stream after the hard close); R got every message in order.
  drop_oldest: S stays open, its `dropped` counter grows, its peak stays
               within the limit; what S finally reads is in order, and
               received + dropped == sent. Responses are never dropped: S's
               requests pipelined into a full queue are all answered, in order.
"""

import json
import unittest

import gw_helpers as G
from gw_helpers import ABNF, H, receipt, seq_of_binary

LIMIT = 1 << 20
MAX_MESSAGES = 10000
FLOOD_BYTES = 50 << 20
SIZE = 16384
GRACE_MS = 500


def cfg(policy):
    return G.config(websocket_lines=[
        "send_queue_max_bytes = %d" % LIMIT,
        "send_queue_max_messages = %d" % MAX_MESSAGES,
        'slow_consumer_policy = "%s"' % policy,
        "slow_consumer_grace_ms = %d" % GRACE_MS,
    ])


class SlowConsumer(unittest.TestCase):

    def open_pair(self, h):
        """R (reading) and S (never reads, tiny receive buffer). S's id is
        learnt without S reading: S joins a room, R waits for the hook."""
        r = G.GwClient(h.port, fast=True)
        r.whoami()
        since = r.events_next()
        s = G.GwClient(h.port, sockopt=G.tiny_rcvbuf(4096), fast=True)
        s_join_rid = s.start("gk_join", {"room": "slow"})  # answer left unread
        ev = r.wait_event("joined", room="slow", since=since)
        sid = [e["connection"] for e in ev["events"] if e["kind"] == "joined" and e["room"] == "slow"][0]
        return r, s, sid, s_join_rid, since

    def flood_and_read(self, r, sid, to, total, pace=True):
        """Runs gk_flood and reads R's share when R is a recipient. Returns the
        flood reply payload."""
        payload = {"to": to, "total_bytes": total, "size": SIZE, "watch": sid, "binary": True}
        if pace:
            payload.update({"pace": "self", "pace_bytes": 256 << 10})
        rid = r.start("gk_flood", payload)
        expected = 0
        while True:
            f = r.next(timeout=G.BIG_TIMEOUT_S)
            if f.opcode == ABNF.OPCODE_BINARY:
                self.assertEqual(len(f.data), SIZE)
                self.assertEqual(seq_of_binary(f.data), expected, "R: message lost or reordered")
                expected += 1
                continue
            resp = f.json
            self.assertEqual(resp.get("requestId"), rid, resp)
            self.assertEqual(resp["status"], "success", resp)
            flood = resp["payload"]
            break
        if "all" in to:
            # R received EVERY message, in order, before the reply.
            self.assertEqual(expected, flood["sent"])
        else:
            self.assertEqual(expected, 0)
        self.assertEqual(flood["sent"], -(-total // SIZE))
        rc = flood["receipts"]
        self.assertEqual(rc["matched"], rc["enqueued"] + rc["dropped"], flood)
        return flood

    def read_s_until(self, s, stop, timeout=60.0):
        """Reads S's frames (raw: close frames and drops are results too)."""
        frames = []
        s.ws.settimeout(timeout)
        while True:
            try:
                fr = s.ws.recv_frame()
            except G.websocket.WebSocketTimeoutException:
                raise AssertionError("S: nothing for %.0f s after %d frames" % (timeout, len(frames)))
            except (G.websocket.WebSocketConnectionClosedException, ConnectionResetError, BrokenPipeError) as e:
                frames.append(("dropped", type(e).__name__))
                return frames
            if fr.opcode in (ABNF.OPCODE_PING, ABNF.OPCODE_PONG, ABNF.OPCODE_CONT):
                continue
            if fr.opcode == ABNF.OPCODE_CLOSE:
                frames.append(("close", H.parse_close(fr.data)))
                return frames
            frames.append((fr.opcode, fr.data))
            if stop(fr):
                return frames

    # -----------------------------------------------------------------------
    def test_disconnect_policy(self):
        with G.host(cfg("disconnect"), "slow-disconnect") as h:
            r, s, sid, s_join_rid, since = self.open_pair(h)
            try:
                flood = self.flood_and_read(r, sid, {"all": True}, FLOOD_BYTES)
                print("\n  disconnect: %r" % ({k: v for k, v in flood.items() if k != "watched_info"},))
                rc = flood["receipts"]
                # R: every send; S: some, then refused (queue dropped, closing, gone).
                self.assertGreater(rc["dropped"], 0, flood)
                self.assertGreaterEqual(rc["enqueued"], flood["sent"], flood)
                self.assertLessEqual(flood["max_queued_bytes_seen"], LIMIT, flood)
                self.assertLessEqual(flood["max_peak_seen"], LIMIT, flood)
                self.assertLessEqual(flood["max_queued_messages_seen"], MAX_MESSAGES, flood)
                self.assertGreater(flood["max_queued_bytes_seen"], LIMIT // 2,
                                   "S's queue never filled: the test did not exercise the limit")
                # S is closed and gone (its room hook says so first).
                r.wait_event("left", conn=sid, room="slow", since=since)
                self.assertIsNone(r.info(sid))
                # R was never dropped and is still fine.
                rinfo = r.info()
                self.assertEqual(rinfo["dropped"], 0, rinfo)
                self.assertLessEqual(rinfo["queued_bytes_peak"], LIMIT, rinfo)
                H.echo_roundtrip(self, r)
                r.assert_nothing_pending()
                # What S can still read: its join response, then the first
                # messages in order (no gap), then a 1013 close or the end of the stream.
                frames = self.read_s_until(s, lambda fr: False)
                self.assertEqual(frames[0][0], ABNF.OPCODE_TEXT, frames[:1])
                self.assertEqual(json.loads(frames[0][1])["requestId"], s_join_rid)
                data = [f for f in frames[1:-1]]
                for i, (op, payload) in enumerate(data):
                    self.assertEqual(op, ABNF.OPCODE_BINARY)
                    self.assertEqual(seq_of_binary(payload), i, "S: gap before the drop")
                end = frames[-1]
                self.assertTrue(end[0] == "dropped" or (end[0] == "close" and end[1][0] == 1013), end)
                print("  S read %d messages, then %r" % (len(data), end))
                # The disconnected hook reports the code the server closed with: 1013.
                ev = r.wait_event("disconnected", conn=sid, since=since)
                disc = [e for e in ev["events"] if e["kind"] == "disconnected" and e["connection"] == sid]
                self.assertEqual(disc[0]["close_code"], 1013, disc)
            finally:
                r.close()
                s.abort()

    def test_drop_oldest_policy(self):
        with G.host(cfg("drop_oldest"), "slow-drop-oldest") as h:
            r, s, sid, s_join_rid, since = self.open_pair(h)
            try:
                flood = self.flood_and_read(r, sid, {"all": True}, FLOOD_BYTES)
                print("\n  drop_oldest: %r" % ({k: v for k, v in flood.items() if k != "watched_info"},))
                rc = flood["receipts"]
                self.assertEqual(rc["matched"], 2 * flood["sent"], flood)  # S stayed
                info = flood["watched_info"]
                self.assertIsNotNone(info, "S was closed under drop_oldest")
                print("  S after phase 1: %r" % (info,))
                self.assertEqual(flood["watch_gone_at"], None)
                self.assertGreater(info["dropped"], 0, info)
                self.assertLessEqual(info["queued_bytes_peak"], LIMIT, info)
                self.assertLessEqual(flood["max_queued_bytes_seen"], LIMIT, flood)
                self.assertLessEqual(flood["max_peak_seen"], LIMIT, flood)
                self.assertGreater(flood["max_queued_bytes_seen"], LIMIT // 2, flood)
                sent1 = flood["sent"]

                # Phase 2: S pipelines requests into its full queue (never read
                # yet). The first answer takes the queue over the limit: the
                # server stops reading S (the others wait in the socket). More
                # pushes arrive: they displace older pushes, never the responses.
                n_req = 20
                req_rids = [s.start("gk_join", {"room": "resp-%d" % k}) for k in range(n_req)]
                r.wait_event("joined", conn=sid, room="resp-0", since=since)
                flood2 = self.flood_and_read(r, sid, {"connection": sid}, 4 << 20, pace=False)
                self.assertEqual(flood2["receipts"]["matched"], flood2["sent"])
                r.gk_send({"connection": sid}, "END")
                final = r.info(sid)
                self.assertIsNotNone(final)
                # Responses are never dropped, so the queue may exceed the limit
                # by the responses it holds (small), never by pushes.
                self.assertLessEqual(flood2["max_peak_seen"], LIMIT + n_req * 200, flood2)
                print("  S info before reading: %r" % (final,))

                # S reads: join response, phase-1 pushes (increasing, gaps =
                # drops), the responses given before the pause, phase-2 pushes,
                # END, then the responses to the requests read after S drained.
                def done(fr, seen=[0, False]):
                    if fr.opcode == ABNF.OPCODE_TEXT:
                        if fr.data == b"END":
                            seen[1] = True
                        else:
                            seen[0] += 1
                    return seen[1] and seen[0] == n_req + 1  # + the first join response
                frames = self.read_s_until(s, done)
                self.assertNotIn(frames[-1][0], ("dropped", "close"), frames[-1])
                self.assertEqual(json.loads(frames[0][1])["requestId"], s_join_rid)
                body = frames[1:]
                end_idx = [i for i, (op, d) in enumerate(body) if op == ABNF.OPCODE_TEXT and d == b"END"]
                self.assertEqual(len(end_idx), 1)
                end_idx = end_idx[0]
                resp_idx = [i for i, (op, d) in enumerate(body) if op == ABNF.OPCODE_TEXT and d != b"END"]
                got = [json.loads(body[i][1]) for i in resp_idx]
                self.assertEqual([g["requestId"] for g in got], req_rids, "responses lost or reordered")
                for g in got:
                    self.assertEqual(g["status"], "success", g)
                before_end = [i for i in resp_idx if i < end_idx]
                self.assertGreaterEqual(len(before_end), 1)
                # Responses given before the pause are contiguous (no push between them).
                self.assertEqual(before_end, list(range(before_end[0], before_end[0] + len(before_end))))
                # After END: only responses (requests read once S drained).
                self.assertTrue(all(op == ABNF.OPCODE_TEXT for op, _ in body[end_idx + 1:]))
                phase1 = [seq_of_binary(d) for op, d in body[:before_end[0]]]
                phase2 = [seq_of_binary(d) for op, d in body[before_end[-1] + 1:end_idx]]
                for name, seqs in (("phase 1", phase1), ("phase 2", phase2)):
                    self.assertEqual(seqs, sorted(set(seqs)), name + ": not strictly increasing")
                # received + dropped == sent (+1 for END, received).
                pushes_received = len(phase1) + len(phase2) + 1
                self.assertEqual(pushes_received + final["dropped"], sent1 + flood2["sent"] + 1,
                                 (len(phase1), len(phase2), final["dropped"], sent1, flood2["sent"]))
                print("  S read %d + %d pushes, %d dropped; %d of %d responses before the pause"
                      % (len(phase1), len(phase2), final["dropped"], len(before_end), n_req))
                # S's reading resumed: it works normally.
                s.ws.settimeout(G.RECV_TIMEOUT_S)
                H.echo_roundtrip(self, s)
                self.assertEqual(r.info(sid)["queued_messages"], 0)
            finally:
                r.close()
                s.abort()


if __name__ == "__main__":
    G.main()
