"""Order and any-thread sends (DESIGN §3 rules 1-2): messages to one connection
leave in the order the gateway accepted them, whatever thread sent them,
responses included.

gk_hammer starts 8 plugin threads that each send `count` messages
{"t":thread,"seq":n} to a target while the client keeps sending requests
(gk_progress, echo) that are answered meanwhile. Checks:
  - per thread, seq numbers arrive strictly increasing with no gap, and all
    threads*count arrive (none lost, none duplicated);
  - a gk_progress response reports, per thread, how many sends had RETURNED
    before the handler read the counters; every one of those was accepted by
    the gateway before the response, so it must have arrived before it;
  - the hammer's own reply (given after every thread joined) arrives after all
    threads*count pushes; its summed receipts are exact.
Runs with gatekit inline (handlers on the service thread) and `blocking = true`
(handlers and replies on the worker pool). Under TSan this is the "any thread"
race check: the harness fails a host whose log holds a ThreadSanitizer report.
"""

import json
import unittest

import gw_helpers as G

THREADS = 8
COUNT = 2500           # >= 1000 per thread
PROBE_EVERY = 1000     # frames between two probes while the hammer runs

# Big limits: this test is about order, not about the slow-consumer policy.
BIG_QUEUE = ["send_queue_max_messages = 10000000", "send_queue_max_bytes = 1073741824"]


class Order(unittest.TestCase):

    def check_hammer_stream(self, c, hammer_rid, expect_matched_per_send, probe=True):
        """Reads c's stream until the hammer reply and every probe answered.
        Returns (hammer reply payload, stats)."""
        pending = {}
        stats = {"probes": 0, "partial_probes": 0, "echoes": 0}

        def send_probes(tag):
            rid = c.start("gk_progress")
            pending[rid] = ("progress", None)
            msg = "probe %s" % tag
            rid = c.start("echo", {"message": msg})
            pending[rid] = ("echo", msg)

        if probe:
            for k in range(20):  # pipelined at once: answered while the threads run
                send_probes("start-%d" % k)

        last = [-1] * THREADS
        received = 0
        hammer = None
        while hammer is None or pending:
            f = c.next(timeout=G.BIG_TIMEOUT_S)
            obj = json.loads(f.data)
            if "status" in obj:
                rid = obj.get("requestId")
                self.assertEqual(obj["status"], "success", obj)
                if rid == hammer_rid:
                    hammer = obj["payload"]
                    # The reply was given after every thread's last send returned.
                    self.assertEqual(received, THREADS * COUNT,
                                     "hammer reply after %d of %d pushes" % (received, THREADS * COUNT))
                    continue
                kind, expected = pending.pop(rid)
                if kind == "echo":
                    stats["echoes"] += 1
                    self.assertEqual(obj["payload"], {"message": "Echo: " + expected})
                    continue
                stats["probes"] += 1
                progress = obj["payload"]["progress"]
                if progress:
                    self.assertEqual(len(progress), THREADS, obj)
                    if not obj["payload"]["done"]:
                        stats["partial_probes"] += 1
                    for t in range(THREADS):
                        self.assertGreaterEqual(
                            last[t] + 1, progress[t],
                            "thread %d: %d sends had returned before the probe, but only %d "
                            "pushes arrived before its response" % (t, progress[t], last[t] + 1))
                continue
            self.assertEqual(set(obj), {"t", "seq"}, obj)
            t, seq = obj["t"], obj["seq"]
            self.assertTrue(0 <= t < THREADS, obj)
            self.assertEqual(seq, last[t] + 1, "thread %d: seq %d after %d (lost or reordered)" % (t, seq, last[t]))
            last[t] = seq
            received += 1
            if probe and hammer is None and received % PROBE_EVERY == 0:
                send_probes(received)
        self.assertEqual(last, [COUNT - 1] * THREADS)
        total = THREADS * COUNT
        self.assertEqual(hammer["threads"], THREADS)
        self.assertEqual(hammer["count"], COUNT)
        self.assertEqual(hammer["failed"], 0, hammer)
        self.assertEqual(hammer["dropped"], 0, hammer)
        self.assertEqual(hammer["matched"], total * expect_matched_per_send, hammer)
        self.assertEqual(hammer["enqueued"], total * expect_matched_per_send, hammer)
        return hammer, stats

    def run_one_connection(self, blocking):
        cfg = G.config(websocket_lines=BIG_QUEUE, gatekit_blocking=blocking)
        with G.host(cfg, "order-%s" % ("blocking" if blocking else "inline")) as h:
            c = G.GwClient(h.port, fast=True)
            try:
                c.whoami()
                rid = c.start("gk_hammer", {"to": {"connection": "self"}, "threads": THREADS, "count": COUNT})
                _, stats = self.check_hammer_stream(c, rid, 1)
                self.assertGreater(stats["probes"], 0)
                self.assertGreater(stats["echoes"], 0)
                # After the storm the connection is still in order and idle.
                c.assert_nothing_pending()
                info = c.info()
                self.assertEqual(info["dropped"], 0)
                self.assertEqual(info["queued_messages"], 0, info)
                print("\n  %s: %d probes (%d while threads ran), %d echoes" %
                      ("blocking" if blocking else "inline", stats["probes"], stats["partial_probes"],
                       stats["echoes"]))
            finally:
                c.close()

    def test_hammer_one_connection_inline(self):
        self.run_one_connection(blocking=False)

    def test_hammer_one_connection_blocking(self):
        self.run_one_connection(blocking=True)

    def test_hammer_fanout_room(self):
        """The same frames fanned out to a room: each member sees every thread's
        sequence complete and in order (one shared frame per message)."""
        with G.host(G.config(websocket_lines=BIG_QUEUE), "order-room") as h:
            a, b = G.GwClient(h.port, fast=True), G.GwClient(h.port, fast=True)
            try:
                a.ok("gk_join", {"room": "storm"})
                b.ok("gk_join", {"room": "storm"})
                rid = a.start("gk_hammer", {"to": {"room": "storm"}, "threads": THREADS, "count": COUNT})
                self.check_hammer_stream(a, rid, 2)
                # b did not ask: it has exactly the pushes, then nothing.
                last = [-1] * THREADS
                for _ in range(THREADS * COUNT):
                    obj = json.loads(b.next(timeout=G.BIG_TIMEOUT_S).data)
                    self.assertEqual(obj["seq"], last[obj["t"]] + 1, obj)
                    last[obj["t"]] = obj["seq"]
                b.assert_nothing_pending()
            finally:
                a.close()
                b.close()

    def test_hammer_while_targets_change(self):
        """Sends resolving a tag predicate and a room from 8 threads while the
        service thread changes who matches (tags set/removed, joins/leaves,
        user changes). The steady member sees everything in order; the
        flickering one a per-thread increasing subsequence; receipts add up."""
        with G.host(G.config(websocket_lines=BIG_QUEUE), "order-churn") as h:
            a, b = G.GwClient(h.port, fast=True), G.GwClient(h.port, fast=True)
            try:
                a.ok("gk_tag", {"set": {"grp": "x"}})
                bid = b.whoami()
                rid = a.start("gk_hammer", {"to": {"tags": {"grp": "x"}}, "threads": THREADS,
                                            "count": COUNT, "delay_us": 50})
                # Churn on the service thread for as long as the threads send:
                # toggles (tags, room, user of b) pipelined, ~10 in flight.
                toggles = [0]

                def toggle():
                    k = toggles[0]
                    toggles[0] += 1
                    if k % 2 == 0:
                        return {a.start("gk_tag", {"connection": bid, "set": {"grp": "x", "k": str(k)}}),
                                a.start("gk_join", {"connection": bid, "room": "churn"}),
                                a.start("gk_set_user", {"connection": bid, "user": "churn-%d" % k})}
                    return {a.start("gk_tag", {"connection": bid, "remove": ["grp"]}),
                            a.start("gk_leave", {"connection": bid, "room": "churn"}),
                            a.start("gk_set_user", {"connection": bid, "user": ""})}

                pending = set()
                for _ in range(10):
                    pending |= toggle()
                last = [-1] * THREADS
                hammer = None
                while hammer is None or pending:
                    obj = json.loads(a.next(timeout=G.BIG_TIMEOUT_S).data)
                    if "status" in obj:
                        self.assertEqual(obj["status"], "success", obj)
                        if obj["requestId"] == rid:
                            hammer = obj["payload"]
                        else:
                            pending.remove(obj["requestId"])
                            if len(pending) < 30 and hammer is None:
                                pending |= toggle()
                        continue
                    self.assertEqual(obj["seq"], last[obj["t"]] + 1, obj)
                    last[obj["t"]] = obj["seq"]
                self.assertEqual(last, [COUNT - 1] * THREADS)
                total = THREADS * COUNT
                self.assertEqual((hammer["failed"], hammer["dropped"]), (0, 0), hammer)
                self.assertEqual(hammer["matched"], hammer["enqueued"], hammer)
                self.assertTrue(total <= hammer["matched"] <= 2 * total, hammer)
                # b: what reached it, per thread strictly increasing, and exactly
                # hammer.matched - total messages.
                b_count = hammer["matched"] - total
                self.assertGreater(b_count, 0, "the churn never overlapped the sends")
                b_last = [-1] * THREADS
                for _ in range(b_count):
                    obj = json.loads(b.next(timeout=G.BIG_TIMEOUT_S).data)
                    self.assertGreater(obj["seq"], b_last[obj["t"]], obj)
                    b_last[obj["t"]] = obj["seq"]
                b.assert_nothing_pending()
                member = toggles[0] % 2 == 1  # the last toggle was a "set"
                info = a.info(bid)
                self.assertEqual(("grp" in info["tags"], info["rooms"] == ["churn"], info["user"] is not None),
                                 (member, member, member), info)
                print("\n  churn: %d toggles; the flickering member got %d of %d" % (toggles[0], b_count, total))
            finally:
                a.close()
                b.close()


if __name__ == "__main__":
    G.main()
