"""Cluster faults (issue 17, DESIGN §10) through the real host, a real
redis-server each test starts on a Unix socket, and real WebSocket clients:

- Redis killed under load: echoes on a node never wait for Redis (the
  longest round trip from the kill until the node is up again stays far below
  the link's 2 s timeouts); afterwards the node is listed again, resubscribed,
  and cross-node sends reach the other node without a restart.
- Redis stuck (SIGSTOP): a flood of cross-node sends, from control clients
  and from a plugin thread, keeps local delivery working, the publisher's
  unwritten output under max_pending_bytes (wshost_cluster_pending_bytes),
  every flood publish counted failed, and the node's peak resident memory
  far below the flood; after SIGCONT the link (dropped by its command
  timeout) is back, the node listed again, and cross-node sends work again.
- Reload (SIGHUP) of one node, then the other, while each streams numbered
  messages to a connection and a room on the other: nothing dropped, lost or
  reordered, and each reload reports ok.

test_cluster_sends.py covers a publish while Redis is away (counted, then
working again after a restart of Redis) without load; this file adds the load,
the stuck Redis and the reloads. Every wait polls with a deadline.
"""

import json
import os
import signal
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gateway"))
sys.path.insert(0, HERE)
import gw_helpers as gw  # noqa: E402
import test_cluster_sends as sends  # noqa: E402  (module import: its tests are not collected here)
from test_cluster_nodes import Redis, listed, stop_nodes  # noqa: E402
import wshost_harness as wh  # noqa: E402

# The longest echo round trip allowed while Redis is gone or stuck. The link's
# connect and command timeouts are 2 s: a service thread that waited on Redis
# once (a blocking connect, a reply awaited in line) would hold one echo for up
# to 2 s. A normal echo takes about a millisecond; 500 ms leaves room for a
# loaded 2-core machine, a sanitizer build and the GIL of this test's threads,
# and is still four times below what one such wait would cost.
MAX_ECHO_S = 0.5
MAX_PENDING = 8 << 20   # RedisLinkSettings::max_pending_bytes
FLOOD_SIZE = 64 << 10   # bytes per flooded message
FLOOD_BATCH = 15        # messages per POST /v1/send-batch: under its 1 MiB body limit
# Each client waits for its batch's answer, which waits for Redis (up to the
# 2 s command timeout): 12 clients put 11 MiB in flight, past the 8 MiB bound.
FLOOD_CLIENTS = 12
FLOOD_TOTAL = 256 << 20  # what a node that kept the flood would hold
# Resident growth allowed over the control API flood: the 8 MiB output bound,
# the bodies of the batches in flight (1 MiB each), the allocator's slack and,
# in a sanitizer build, its quarantine and shadow (seen: ~25 MiB plain, ~45
# MiB with ASan). A node that kept the flood's messages would hold 256 MiB.
MAX_RSS_GROWTH = 96 << 20
# A plugin thread does not wait: it can outrun the service thread. Its sends
# posted there are bounded like the publisher's output (8 MiB, server.cpp),
# so the same growth bound holds; a node that queued them would hold 1 GiB.
PLUGIN_FLOOD_TOTAL = 1 << 30
MAX_PLUGIN_RSS_GROWTH = MAX_RSS_GROWTH
# In a sanitizer build, ASan keeps freed blocks in a quarantine (256 MiB by
# default): the freed flood would stay resident and the bound above would
# measure ASan, not the node. A small quarantine keeps use-after-free checks.
ASAN_OPTIONS = [o for o in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=16") if o]
HOST_ENV = {"ASAN_OPTIONS": ":".join(ASAN_OPTIONS)}


def vm_kib(pid, field):
    """VmRSS / VmHWM (peak resident) of a process, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


def reset_peak_rss(pid):
    """VmHWM back to VmRSS (proc(5), clear_refs "5"): the peak from here on."""
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


class Worker(threading.Thread):
    """A background loop; the first exception is kept for the main thread."""

    def __init__(self, body):
        super().__init__(daemon=True)
        self.body = body
        self.halt = threading.Event()
        self.error = None

    def run(self):
        try:
            self.body(self)
        except BaseException as e:  # reported by finish()
            self.error = e

    def finish(self, test, timeout=60):
        self.halt.set()
        self.join(timeout)
        test.assertFalse(self.is_alive(), "a load thread did not finish")
        if self.error:
            raise self.error


def echo_loop(host, samples):
    """Echo requests one after another on a fresh connection of `host`;
    (sent, answered) monotonic times go to `samples`."""

    def body(worker):
        c = host.client()
        try:
            n = 0
            while not worker.halt.is_set():
                n += 1
                rid = "e%d" % n
                sent = time.monotonic()
                resp = c.request({"action": "echo", "payload": {"message": rid}, "requestId": rid})
                samples.append((sent, time.monotonic()))
                if resp.get("requestId") != rid or resp.get("payload") != {"message": "Echo: " + rid}:
                    raise AssertionError("echo %s answered %r" % (rid, resp))
        finally:
            c.close()

    return Worker(body)


def longest(samples, start, end, unless=None):
    """The longest round trip of the echoes in flight at some time in [start,
    end], but for those in flight during `unless` (a (from, until) window)."""
    during = [b - a for a, b in samples if b >= start and a <= end
              and not (unless and b >= unless[0] and a <= unless[1])]
    assert during, "no echo overlapped the window"
    return max(during), len(during)


class ClusterFaults(unittest.TestCase):
    def setUp(self):
        self.redis = Redis()
        self.redis.start()
        self.hosts = {}
        self.clients = []
        for name in ("a", "b"):
            h = wh.Host(sends.node_config(self.redis.socket, "node-" + name), name="node-" + name, env=HOST_ENV)
            h.start()
            self.hosts[name] = h
        for h in self.hosts.values():
            wh.wait_until(lambda h=h: self.numsub("t:all") == 2 and self.up(h), what="both nodes up")

    def tearDown(self):
        if self.redis.proc and self.redis.proc.poll() is None:
            self.redis.proc.send_signal(signal.SIGCONT)  # a stopped Redis must not hold the nodes' stop
        for c in self.clients:
            c.close()
        stop_nodes(self, list(self.hosts.values()), self.redis)

    # -- helpers --
    def numsub(self, channel):
        return sends.CrossNodeSends.numsub(self, channel)

    def up(self, h):
        return sends.metric(h, "wshost_cluster_up") == 1

    def client(self, node, user=None, rooms=()):
        c = gw.GwClient(self.hosts[node].port, fast=True)
        self.clients.append(c)
        c.id = c.whoami()
        if user:
            c.ok("gk_set_user", {"user": user})
        for room in rooms:
            c.ok("gk_join", {"room": room})
        return c

    def wait_recovered(self):
        for h in self.hosts.values():
            wh.wait_until(lambda h=h: self.up(h), timeout=30, what="%s up again" % h.name)

    def assert_cross_node_works(self, receiver, text):
        delivery = sends.push(self.hosts["a"], {"connection": receiver.id}, text)
        self.assertEqual((delivery["nodes"], delivery.get("publish_failed", 0)), (1, 0), delivery)
        self.assertEqual(receiver.next().data, text.encode())

    # -- tests --
    def test_redis_killed_under_load_never_stalls_the_node_and_it_rejoins(self):
        a = self.hosts["a"]
        b1 = self.client("b", user="u2")
        sink = self.client("b", user="sink")
        wh.wait_until(lambda: self.numsub("t:user:u2") == 1 and self.numsub("t:user:sink") == 1,
                      what="node b subscribed to its users")
        samples = []
        echoes = [echo_loop(a, samples) for _ in range(3)]
        # Cross-node sends go on through node a's control API, numbered; the
        # sink on node b reads them until the last marker.
        sent = {"n": 0, "failed": 0}

        def publish(worker):
            while not worker.halt.is_set():
                sent["n"] += 1
                d = sends.push(a, {"user": "sink"}, "load-%d" % sent["n"])
                sent["failed"] += d.get("publish_failed", 0)

        received = []

        def drain(worker):
            while True:
                data = sink.next().data.decode()
                if data == "last":
                    return
                received.append(int(data.split("-")[1]))

        publisher, reader = Worker(publish), Worker(drain)
        for w in echoes + [publisher, reader]:
            w.start()
        wh.wait_until(lambda: len(received) > 50 and len(samples) > 50, what="load running")
        killed = time.monotonic()
        self.redis.proc.kill()
        self.redis.proc.wait()
        wh.wait_until(lambda: not self.up(a), what="node a sees Redis gone")
        # An outage of a few hundred cross-node sends (the link retries with backoff meanwhile).
        wh.wait_until(lambda: sent["failed"] >= 300, what="cross-node sends failing while Redis is gone")
        self.redis.start()
        self.wait_recovered()
        back = time.monotonic()
        worst, count = longest(samples, killed, back)
        # Presence: the new Redis lists both nodes again (re-registered).
        wh.wait_until(lambda: set(listed(a) or {}) == {"node-a", "node-b"}, what="both nodes listed again")
        # Resubscribed: node b's interest channels are back.
        wh.wait_until(lambda: self.numsub("t:user:u2") == 1 and self.numsub("t:user:sink") == 1
                      and self.numsub("t:all") == 2, what="subscriptions restored")
        # The stream goes on without a restart: what is sent from now on arrives.
        resubscribed_at = sent["n"]
        wh.wait_until(lambda: received and received[-1] > resubscribed_at + 20,
                      what="cross-node sends arriving again")
        publisher.finish(self)
        for w in echoes:
            w.finish(self)
        print("longest echo of %d during the outage (%.2f s): %.1f ms; %d cross-node sends, %d failed"
              % (count, back - killed, worst * 1000, sent["n"], sent["failed"]), file=sys.stderr)
        self.assertLess(worst, MAX_ECHO_S, "an echo waited on Redis")
        self.assertEqual(sends.push(a, {"user": "sink"}, "last")["nodes"], 1)
        reader.finish(self)
        # Order kept, nothing twice, everything sent since the resubscription there.
        self.assertEqual(received, sorted(set(received)), "cross-node sends out of order or twice")
        self.assertEqual(received[-1], sent["n"])
        tail = [n for n in received if n > resubscribed_at]
        self.assertEqual(tail, list(range(resubscribed_at + 1, sent["n"] + 1)), "a send lost after the recovery")
        self.assert_cross_node_works(b1, "after-kill")

    def stuck_flood(self, flood, count, max_rss_growth):
        """Stops Redis (SIGSTOP) and runs `flood()` at once (it returns a
        `finish()` that returns once its `count` cross-node sends are made,
        with the (from, until) monotonic window in which the flood held the
        service thread itself, or None) while two clients echo on node a;
        checks local delivery (echoes in flight in that window left out), the
        output bound, the failed count and the peak RSS growth, then SIGCONT
        and the recovery."""
        a = self.hosts["a"]
        a1 = self.client("a", user="u1")
        b1 = self.client("b", user="u2")
        self.assert_cross_node_works(b1, "before")
        failed_before = sends.metric(a, "wshost_cluster_publish_failed_total")
        pending_seen = []

        def sample(worker):
            while not worker.halt.is_set():
                pending_seen.append(sends.metric(a, "wshost_cluster_pending_bytes"))

        samples = []
        echoes = [echo_loop(a, samples) for _ in range(2)]
        sampler = Worker(sample)
        for w in echoes + [sampler]:
            w.start()
        wh.wait_until(lambda: len(samples) > 50 and pending_seen, what="load running")
        reset_peak_rss(a.proc.pid)
        rss_before = vm_kib(a.proc.pid, "VmRSS")
        stopped = time.monotonic()
        self.redis.proc.send_signal(signal.SIGSTOP)
        log_at = os.path.getsize(a.log_path)
        finish_flood = flood(a)
        # Meanwhile local delivery goes on: echoes (above), and a push to a
        # local user whose receipt says its publish failed.
        delivery = sends.push(a, {"user": "u1"}, "local-while-stuck")
        self.assertEqual((delivery["matched"], delivery["nodes"], delivery["publish_failed"]), (1, 0, 1))
        self.assertEqual(a1.next().data, b"local-while-stuck")
        hold_window = finish_flood()  # when the flood held the service thread itself, if it did
        # None can be answered while Redis is stopped: each is refused or fails.
        wh.wait_until(lambda: sends.metric(a, "wshost_cluster_publish_failed_total") - failed_before >= count + 1,
                      timeout=60, what="every flood publish counted failed")
        failed = sends.metric(a, "wshost_cluster_publish_failed_total") - failed_before
        # The stuck link was dropped by its command timeout (not by Redis).
        wh.wait_for_log(a, r"redis publisher: command timed out", since=log_at)
        rss_after, hwm = vm_kib(a.proc.pid, "VmRSS"), vm_kib(a.proc.pid, "VmHWM")
        self.redis.proc.send_signal(signal.SIGCONT)
        self.wait_recovered()
        back = time.monotonic()
        for w in echoes + [sampler]:
            w.finish(self)
        worst, echoes_during = longest(samples, stopped, back, unless=hold_window)
        if hold_window:
            print("the flood held the service thread for %.1f ms: the echoes in flight then are left out"
                  % ((hold_window[1] - hold_window[0]) * 1000), file=sys.stderr)
        print("flood of %d x %d KiB while Redis is stopped: %d failed, longest echo of %d %.1f ms (%.2f s "
              "stuck), pending bytes max %d (%d samples), VmRSS %d -> %d KiB (peak %d KiB)"
              % (count, FLOOD_SIZE >> 10, failed, echoes_during, worst * 1000, back - stopped,
                 max(pending_seen), len(pending_seen), rss_before >> 10, rss_after >> 10, hwm >> 10),
              file=sys.stderr)
        problems = []
        if worst >= MAX_ECHO_S:
            problems.append("an echo waited on Redis: %.3f s" % worst)
        # The output bound held and was reached.
        if max(pending_seen) > MAX_PENDING:
            problems.append("pending output %d past max_pending_bytes" % max(pending_seen))
        if max(pending_seen) <= MAX_PENDING // 2:
            problems.append("the flood never pressed on the bound: %d" % max(pending_seen))
        if hwm - rss_before >= max_rss_growth:
            problems.append("the node's memory grew with the flood: %d KiB" % ((hwm - rss_before) >> 10))
        self.assertEqual(problems, [])
        wh.wait_until(lambda: sends.metric(a, "wshost_cluster_pending_bytes") == 0, what="no output left")
        # Stuck longer than node_ttl_ms: the presence keys expired, and came back.
        wh.wait_until(lambda: set(listed(a) or {}) == {"node-a", "node-b"}, what="both nodes listed again")
        self.assert_cross_node_works(b1, "after-stuck")

    def test_stuck_redis_under_a_control_api_flood_keeps_memory_flat_then_recovers(self):
        # FLOOD_CLIENTS control clients, batches of 64 KiB messages to a user
        # no node holds (one publish each); each batch's receipt must say
        # that all of its publishes failed.
        batches = FLOOD_TOTAL // (FLOOD_SIZE * FLOOD_BATCH)
        body = {"messages": [{"to": {"user": "ghost"}, "text": "f" * FLOOD_SIZE}] * FLOOD_BATCH}

        def flood(a):
            started = []

            def client(worker):
                while len(started) < batches:
                    started.append(1)
                    status, answer = sends.control(a, "POST", "/v1/send-batch", body, token=sends.PUSH)
                    if status != 200 or answer["delivery"].get("publish_failed") != FLOOD_BATCH:
                        raise AssertionError("flood batch: %s %r" % (status, answer and answer["delivery"]))

            workers = [Worker(client) for _ in range(FLOOD_CLIENTS)]
            for w in workers:
                w.start()

            def finish():
                for w in workers:
                    w.finish(self, timeout=gw.BIG_TIMEOUT_S)

            return finish

        self.stuck_flood(flood, batches * FLOOD_BATCH, MAX_RSS_GROWTH)

    def test_stuck_redis_under_a_plugin_flood_refuses_past_the_bound_then_recovers(self):
        # gatekit's gk_flood: one plugin thread sending without waiting. Its
        # handler holds the service thread for the first `held` sends, so
        # the thread outruns it for certain: at most the bound's worth of
        # them is posted, the rest are refused.
        s = self.client("a")
        count = PLUGIN_FLOOD_TOTAL // FLOOD_SIZE
        held = MAX_PENDING // FLOOD_SIZE + 16

        def flood(a):
            rid = s.start("gk_flood", {"to": {"user": "ghost"}, "total_bytes": PLUGIN_FLOOD_TOTAL,
                                       "size": FLOOD_SIZE, "hold_service_thread": held})

            def finish():
                answer = s.wait_response(rid, timeout=gw.BIG_TIMEOUT_S)
                self.assertEqual((answer["status"], answer["payload"]["sent"]), ("success", count), answer)
                # The echoes the hold itself delayed say nothing about Redis.
                return answer["payload"]["held_from_ns"] / 1e9, answer["payload"]["held_until_ns"] / 1e9

            return finish

        a = self.hosts["a"]
        refused_before = sends.metric(a, "wshost_cluster_forwards_refused_total")
        self.stuck_flood(flood, count, MAX_PLUGIN_RSS_GROWTH)
        # Sends past the bound were refused and counted (in publish_failed
        # too, checked by stuck_flood)...
        refused = sends.metric(a, "wshost_cluster_forwards_refused_total") - refused_before
        print("plugin-thread sends refused at their bound: %d (of the %d made while the service thread was held)"
              % (refused, held), file=sys.stderr)
        self.assertGreaterEqual(refused, held - MAX_PENDING // FLOOD_SIZE)
        # ...and the bound was given back: plugin-thread sends cross nodes again.
        b2 = self.client("b")
        threads, each = 2, 200
        rid = s.start("gk_hammer", {"to": {"connection": b2.id}, "threads": threads, "count": each})
        seen = [0] * threads
        for _ in range(threads * each):
            m = json.loads(b2.next().data)
            self.assertEqual(m["seq"], seen[m["t"]], "thread %d out of order" % m["t"])
            seen[m["t"]] += 1
        self.assertEqual(s.wait_response(rid, timeout=gw.BIG_TIMEOUT_S)["payload"]["failed"], 0)

    def test_reload_of_each_node_under_cross_node_streams_loses_nothing(self):
        a, b = self.hosts["a"], self.hosts["b"]
        to_b = self.client("b")
        in_a = self.client("a", rooms=("ra",))
        wh.wait_until(lambda: self.numsub("t:room:ra") == 1, what="node a subscribed to room ra")
        # Two senders, each one control client waiting for its answers (one
        # sender: order kept across nodes), in batches of 20 numbered
        # messages, until told to stop; then "end".
        streams = [(a, {"connection": to_b.id}, to_b), (b, {"room": "ra"}, in_a)]
        batch = 20
        sent = [0, 0]
        got = [[], []]

        def sender(k):
            node, to, _ = streams[k]

            def body(worker):
                while True:
                    last = worker.halt.is_set()
                    texts = ["end"] if last else [str(sent[k] + i) for i in range(batch)]
                    status, answer = sends.control(node, "POST", "/v1/send-batch",
                                                   {"messages": [{"to": to, "text": t} for t in texts]},
                                                   token=sends.PUSH)
                    if status != 200 or answer["delivery"].get("publish_failed", 0) or \
                            answer["delivery"]["nodes"] != len(texts):
                        raise AssertionError("batch at %d: %s %r" % (sent[k], status, answer))
                    if last:
                        return
                    sent[k] += batch

            return Worker(body)

        def reader(k):
            client = streams[k][2]

            def body(worker):
                while True:
                    data = client.next().data
                    if data == b"end":
                        return
                    got[k].append(int(data))

            return Worker(body)

        senders, readers = [sender(0), sender(1)], [reader(0), reader(1)]
        for w in senders + readers:
            w.start()
        at_reload = []
        for node in (b, a):
            # Both streams are flowing (500 more messages each since the last step).
            floor = [len(g) + 500 for g in got]
            wh.wait_until(lambda: all(len(g) >= f for g, f in zip(got, floor)) or
                          any(w.error for w in senders + readers), what="the streams flowing")
            status, before = sends.control(node, "GET", "/v1/reload")
            self.assertEqual(status, 200, before)
            node.send_signal(signal.SIGHUP)
            result = wh.wait_until(lambda: (lambda r: r if r["generation"] > before["generation"] else None)(
                sends.control(node, "GET", "/v1/reload")[1]), timeout=60, what="%s reloaded" % node.name)
            self.assertEqual(result["status"], "ok", result)
            at_reload.append([len(g) for g in got])
        # And they go on after the second reload.
        floor = [len(g) + 500 for g in got]
        wh.wait_until(lambda: all(len(g) >= f for g, f in zip(got, floor)) or
                      any(w.error for w in senders + readers), what="the streams flowing after the reloads")
        for w in senders:
            w.finish(self, timeout=120)
        for w in readers:
            w.finish(self, timeout=120)  # each ends at its "end"
        print("reloads of b then a with %s messages per stream received; %s sent in all"
              % (at_reload, sent), file=sys.stderr)
        for k in (0, 1):
            self.assertEqual(got[k], list(range(sent[k])), "stream %d lost or reordered messages" % k)
        # No connection was dropped: both still answer and are still listed.
        for c in (to_b, in_a):
            wh.echo_roundtrip(self, c, rid="echo-after-reloads")
            c.assert_nothing_pending(self)
        self.assert_cross_node_works(to_b, "after-reloads")


def main():
    gw.main()


if __name__ == "__main__":
    main()
