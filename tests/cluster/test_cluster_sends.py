"""Cross-node sends (DESIGN §10): three nodes on one redis-server that each
test starts on a Unix socket. Every gateway target, sent from a plugin
(gatekit's gk_send/gk_hammer) or from the control API of any node, reaches
exactly the matching connections on every node, once each, and one sender's
messages to a connection stay in order. A node subscribes only to what it
holds (Redis's PUBSUB NUMSUB and the node's wshost_cluster_received_total),
receipts say how many other nodes a publish reached, and a publish while
Redis is away fails counted, then works again once Redis is back.

"Nothing else arrives" is proven with a marker sent the same way after the
message: one sender's messages to a connection keep their order across
nodes, so a duplicate or a stray message would come before the marker.
Every wait polls with a deadline; nothing sleeps to synchronise.
"""

import http.client
import json
import os
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gateway"))
sys.path.insert(0, HERE)
import gw_helpers as gw  # noqa: E402
from test_cluster_nodes import Redis, listed, stop_nodes  # noqa: E402
import wshost_harness as wh  # noqa: E402

ADMIN = "cluster-test-admin"
PUSH = "cluster-test-push"
METRICS = "cluster-test-metrics"


def node_config(redis_socket, node_id):
    text = gw.config(plugins=("gatekit", "echo"))
    control = "\n".join([
        "[control]", "enabled = true", 'address = "127.0.0.1"', "port = 0",
        'tokens = [{ token = "%s", scopes = ["admin"] }, { token = "%s", scopes = ["push"] },'
        ' { token = "%s", scopes = ["metrics"] }]' % (ADMIN, PUSH, METRICS), ""])
    text = text.replace("[control]\nenabled = false\n", control)
    return text + "\n" + "\n".join([
        "[cluster]", 'engine = "redis"', "node_id = " + wh.toml_str(node_id), "heartbeat_ms = 200",
        "node_ttl_ms = 1500", "[cluster.redis]", "socket = " + wh.toml_str(redis_socket), 'prefix = "t"', ""])


def control(host, method, path, body=None, token=ADMIN):
    conn = http.client.HTTPConnection("127.0.0.1", host.info["control"], timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Authorization": "Bearer " + token})
        resp = conn.getresponse()
        text = resp.read().decode("utf-8")
        return resp.status, json.loads(text) if text else None
    finally:
        conn.close()


def push(host, to, text, except_=None):
    body = {"to": to, "text": text}
    if except_:
        body["except"] = except_
    status, answer = control(host, "POST", "/v1/send", body, token=PUSH)
    assert status == 200, (status, answer)
    return answer["delivery"]


def metric(host, name):
    conn = http.client.HTTPConnection("127.0.0.1", host.info["control"], timeout=30)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + METRICS})
        text = conn.getresponse().read().decode("utf-8")
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    return None


class CrossNodeSends(unittest.TestCase):
    def setUp(self):
        self.redis = Redis()
        self.redis.start()
        self.hosts = {}
        self.clients = []
        for name in ("a", "b", "c"):
            h = wh.Host(node_config(self.redis.socket, "node-" + name), name="node-" + name)
            h.start()
            self.hosts[name] = h
        wh.wait_until(lambda: set(listed(self.hosts["a"]) or {}) >= {"node-a", "node-b", "node-c"},
                      what="three nodes listed")
        # Every node must hold its number (its node channel) before ids are minted.
        for h in self.hosts.values():
            wh.wait_until(lambda h=h: self.numsub("t:all") == 3 and metric(h, "wshost_cluster_up") == 1,
                          what="every node subscribed to everyone and up")

    def tearDown(self):
        for c in self.clients:
            c.close()
        stop_nodes(self, list(self.hosts.values()), self.redis)

    # -- helpers --
    def numsub(self, channel):
        """Subscribers of `channel` in Redis (PUBSUB NUMSUB): nodes interested in it."""
        reply = self.redis.command("PUBSUB", "NUMSUB", channel)
        return int(reply.rsplit(b":", 1)[1].split(b"\r\n")[0])

    def client(self, node, user=None, rooms=(), tags=None):
        c = gw.GwClient(self.hosts[node].port, fast=True)
        self.clients.append(c)
        c.node = node
        c.id = c.whoami()
        if user:
            c.ok("gk_set_user", {"user": user})
        for room in rooms:
            c.ok("gk_join", {"room": room})
        if tags:
            c.ok("gk_tag", {"set": tags})
        return c

    def expect(self, receivers, everyone, text, marker_from):
        """`receivers` got `text` once, the others nothing: each client then
        reads a marker `marker_from(client, marker)` sends it the same way."""
        for c in everyone:
            marker = "marker-%s" % c.id
            marker_from(c, marker)
            got = []
            while True:
                f = c.next()
                self.assertEqual(f.opcode, gw.ABNF.OPCODE_TEXT)
                if f.data == marker.encode():
                    break
                got.append(f.data.decode())
            self.assertEqual(got, [text] if c in receivers else [],
                             "connection %s on node %s" % (c.id, c.node))

    def build(self):
        # a1 and b2 are one user on two nodes; only a1 and b1 are in room r;
        # c holds no member of r. s, on node a, only sends (and is excluded
        # from "everyone"): its own pushes would interleave with its responses.
        self.s = self.client("a")
        self.a1 = self.client("a", user="u1", rooms=("r",), tags={"team": "red"})
        self.b1 = self.client("b", user="u2", rooms=("r",), tags={"team": "blue"})
        self.b2 = self.client("b", user="u1", tags={"team": "red"})
        self.c1 = self.client("c", user="u3", tags={"team": "red", "lang": "en"})
        self.all = [self.a1, self.b1, self.b2, self.c1]
        for channel, nodes in (("t:user:u1", 2), ("t:user:u2", 1), ("t:user:u3", 1), ("t:room:r", 2),
                               ("t:tag:team=red", 3), ("t:tag:team=blue", 1), ("t:tag:lang=en", 1)):
            wh.wait_until(lambda ch=channel, n=nodes: self.numsub(ch) == n,
                          what="%d node(s) subscribed to %s" % (nodes, channel))

    def cases(self):
        a1, b1, b2, c1 = self.all
        return [
            ({"connection": b1.id}, None, [b1]),
            ({"user": "u1"}, None, [a1, b2]),
            ({"users": ["u2", "u3", "u2"]}, None, [b1, c1]),
            ({"room": "r"}, None, [a1, b1]),
            ({"tags": {"team": "red"}}, None, [a1, b2, c1]),
            ({"tags": {"team": "red", "lang": "en"}}, None, [c1]),
            ({"all": True}, {"users": ["u2"], "connections": [c1.id, self.s.id]}, [a1, b2]),
        ]

    # -- tests --
    def test_every_target_from_a_plugin_reaches_every_node_once(self):
        self.build()
        for n, (to, except_, receivers) in enumerate(self.cases()):
            text = "plugin-%d" % n
            receipt = self.s.gk_send(to, text=text, except_=except_)
            # The ABI receipt is this node's delivery only.
            self.assertEqual(receipt["matched"], sum(1 for c in receivers if c.node == "a"), (to, receipt))
            self.expect(receivers, self.all, text, lambda c, m: self.s.gk_send({"connection": c.id}, text=m))
        self.s.assert_nothing_pending(self)

    def test_every_target_from_the_control_api_of_any_node(self):
        self.build()
        for n, (to, except_, receivers) in enumerate(self.cases()):
            for node in ("a", "c"):
                text = "control-%s-%d" % (node, n)
                h = self.hosts[node]
                delivery = push(h, to, text, except_)
                local = sum(1 for c in receivers if c.node == node)
                self.assertEqual(delivery["matched"], local, (node, to, delivery))
                self.assertNotIn("publish_failed", delivery)
                self.expect(receivers, self.all, text, lambda c, m, h=h: push(h, {"connection": c.id}, m))

    def test_a_control_api_batch_reaches_every_node_in_order(self):
        self.build()
        cases = self.cases()
        messages = []
        for n, (to, except_, _) in enumerate(cases):
            body = {"to": to, "text": "batch-%d" % n}
            if except_:
                body["except"] = except_
            messages.append(body)
        status, answer = control(self.hosts["c"], "POST", "/v1/send-batch", {"messages": messages}, token=PUSH)
        self.assertEqual(status, 200, answer)
        deliveries = answer["deliveries"]
        self.assertEqual(len(deliveries), len(cases))
        for (to, _, receivers), d in zip(cases, deliveries):
            self.assertEqual(d["matched"], sum(1 for c in receivers if c.node == "c"), (to, d))
            self.assertIn("nodes", d)
            self.assertNotIn("publish_failed", d)
        self.assertEqual(answer["delivery"]["nodes"], sum(d["nodes"] for d in deliveries))
        # Each connection gets its share of the batch in array order, then the marker.
        for c in self.all:
            marker = "batch-marker-%s" % c.id
            push(self.hosts["c"], {"connection": c.id}, marker)
            got = []
            while True:
                f = c.next()
                if f.data == marker.encode():
                    break
                got.append(f.data.decode())
            want = ["batch-%d" % n for n, (_, _, receivers) in enumerate(cases) if c in receivers]
            self.assertEqual(got, want, "connection %s on node %s" % (c.id, c.node))

    def test_receipts_count_the_other_nodes_a_publish_reached(self):
        self.build()
        # Room r: members on a and b. From c (no member): both others; from a: b only.
        self.assertEqual(push(self.hosts["c"], {"room": "r"}, "x")["nodes"], 2)
        self.assertEqual(push(self.hosts["a"], {"room": "r"}, "y")["nodes"], 1)
        # Everyone: the two other nodes, whoever sends.
        self.assertEqual(push(self.hosts["b"], {"all": True}, "z")["nodes"], 2)
        # A connection of this node: nothing published.
        self.assertEqual(push(self.hosts["a"], {"connection": self.a1.id}, "w")["nodes"], 0)
        # users [u1, u3] from c: user:u1 reaches a and b, user:u3 only c itself.
        self.assertEqual(push(self.hosts["c"], {"users": ["u1", "u3"]}, "v")["nodes"], 2)

    def test_a_node_receives_nothing_for_a_room_it_holds_no_member_of(self):
        self.build()
        c = self.hosts["c"]
        self.assertEqual(self.numsub("t:room:r"), 2)  # a and b, not c
        before = metric(c, "wshost_cluster_received_total")
        for i in range(200):
            self.s.gk_send({"room": "r"}, text="room-%d" % i)
        # Markers through the same publisher to b1 (room member) and c1: once
        # they arrive, every room message before them has passed through Redis.
        for target in (self.b1, self.c1):
            self.s.gk_send({"connection": target.id}, text="done")
        got = []
        while True:
            f = self.b1.next()
            if f.data == b"done":
                break
            got.append(f.data.decode())
        self.assertEqual(got, ["room-%d" % i for i in range(200)])
        self.assertEqual(self.c1.next().data, b"done")
        # What Redis delivered to node c: the one marker, none of the 200.
        self.assertEqual(metric(c, "wshost_cluster_received_total") - before, 1)

    def test_per_sender_order_across_nodes_under_load(self):
        self.build()
        threads, count = 4, 2000
        for to, reader in (({"connection": self.b1.id}, self.b1), ({"room": "r"}, self.b1)):
            rid = self.s.start("gk_hammer", {"to": to, "threads": threads, "count": count})
            seen = [0] * threads
            total = 0
            while total < threads * count:
                f = reader.next()
                m = json.loads(f.data)
                self.assertEqual(m["seq"], seen[m["t"]], "thread %d out of order" % m["t"])
                seen[m["t"]] += 1
                total += 1
            answer = self.s.wait_response(rid, timeout=gw.BIG_TIMEOUT_S)
            self.assertEqual(answer["payload"]["failed"], 0)
            reader.assert_nothing_pending(self)

    def test_a_control_api_join_is_live_for_other_nodes_when_answered(self):
        self.build()
        for i in range(20):
            room = "fresh-%d" % i
            status, _ = control(self.hosts["b"], "POST", "/v1/rooms/%s/join" % room, {"connection": self.b2.id})
            self.assertEqual(status, 200)
            # No wait: the answer came after node b's subscription was live.
            self.assertEqual(push(self.hosts["a"], {"room": room}, room)["nodes"], 1)
            self.assertEqual(self.b2.next().data, room.encode())

    def test_the_control_api_of_any_node_operates_on_any_connection(self):
        self.build()
        a, c = self.hosts["a"], self.hosts["c"]
        # A lookup through node a of a connection node b holds: node b's answer.
        status, body = control(a, "GET", "/v1/connections/%s" % self.b1.id)
        self.assertEqual(status, 200, body)
        self.assertEqual((body["connection"]["node"], body["connection"]["user"]), ("node-b", "u2"))
        # A join through node c is applied by node b before the answer: a send
        # from node a right after it reaches the new member.
        status, body = control(c, "POST", "/v1/rooms/r2/join", {"connection": self.b1.id})
        self.assertEqual((status, body["changed"]), (200, 1), body)
        self.assertEqual(push(a, {"room": "r2"}, "to-r2")["nodes"], 1)
        self.assertEqual(self.b1.next().data, b"to-r2")
        # Tags set through node a, seen by a tag send from node c.
        status, body = control(a, "POST", "/v1/connections/%s/tags" % self.b1.id, {"set": {"vip": "yes"}})
        self.assertEqual((status, body["connection"]["tags"].get("vip")), (200, "yes"), body)
        self.assertEqual(push(c, {"tags": {"vip": "yes"}}, "to-vip")["nodes"], 1)
        self.assertEqual(self.b1.next().data, b"to-vip")
        # Leave through node a: the owner's "changed" comes back.
        status, body = control(a, "POST", "/v1/rooms/r2/leave", {"connection": self.b1.id})
        self.assertEqual((status, body["changed"]), (200, 1), body)
        # An id of a node number nobody holds: not connected.
        status, body = control(a, "GET", "/v1/connections/%d" % ((999 << 48) | 5))
        self.assertEqual(status, 404, body)
        # Gone on its own node: the owner's 404 comes back.
        status, body = control(c, "GET", "/v1/connections/%d" % (int(self.b1.id) + 1000))
        self.assertEqual(status, 404, body)
        # A disconnect through node c closes node b's connection.
        status, body = control(c, "POST", "/v1/disconnect", {"connection": self.b2.id, "code": 4000})
        self.assertEqual(status, 200, body)
        code, _ = self.b2.expect_close()
        self.assertEqual(code, 4000)
        self.b1.assert_nothing_pending(self)

    def test_lists_are_cluster_wide(self):
        self.build()
        nodes = {c.id: "node-" + c.node for c in self.all + [self.s]}
        a, b, c = self.hosts["a"], self.hosts["b"], self.hosts["c"]

        def ids(items, key="id"):
            return [(x[key], x["node"]) for x in items]

        def expected(*clients):
            return [(x.id, nodes[x.id]) for x in sorted(clients, key=lambda x: int(x.id))]

        # Node c holds no member of r: both members come from their nodes.
        status, body = control(c, "GET", "/v1/rooms/r")
        self.assertEqual((status, body["count"]), (200, 2), body)
        self.assertEqual(ids(body["members"], "connection"), expected(self.a1, self.b1))
        status, body = control(c, "GET", "/v1/rooms")
        self.assertEqual(status, 200, body)
        self.assertIn({"room": "r", "count": 2}, body["rooms"])
        self.assertEqual([x["room"] for x in body["rooms"]], sorted(x["room"] for x in body["rooms"]))
        # u1 on nodes a and b, asked through node c; nobody's user: empty.
        status, body = control(c, "GET", "/v1/users/u1")
        self.assertEqual(status, 200, body)
        self.assertEqual(ids(body["connections"]), expected(self.a1, self.b2))
        self.assertEqual([x["user"] for x in body["connections"]], ["u1", "u1"])
        status, body = control(a, "GET", "/v1/users/nobody")
        self.assertEqual((status, body["connections"]), (200, []), body)
        # Paging through node b: every connection of the cluster once, in
        # ascending id order, two per page.
        seen, cursor = [], ""
        while True:
            status, body = control(b, "GET", "/v1/connections?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(status, 200, body)
            self.assertLessEqual(len(body["connections"]), 2)
            seen += ids(body["connections"])
            if body["next_cursor"] is None:
                break
            self.assertEqual(body["next_cursor"], body["connections"][-1]["id"])
            cursor = body["next_cursor"]
        self.assertEqual(seen, expected(*(self.all + [self.s])))
        # ?scope=local: this node's part only.
        status, body = control(c, "GET", "/v1/connections?scope=local")
        self.assertEqual(ids(body["connections"]), expected(self.c1), body)
        status, body = control(c, "GET", "/v1/users/u1?scope=local")
        self.assertEqual((status, body["connections"]), (200, []), body)
        status, body = control(c, "GET", "/v1/rooms?scope=everywhere")
        self.assertEqual(status, 400, body)
        # Each object is its owner's own view (tags, rooms, live queue figures).
        status, body = control(a, "GET", "/v1/connections")
        mine = [x for x in body["connections"] if x["id"] == self.c1.id][0]
        self.assertEqual((mine["tags"], mine["rooms"], mine["queued_messages"]),
                         ({"team": "red", "lang": "en"}, [], 0), mine)

    def test_user_forms_change_every_node_before_they_answer(self):
        self.build()
        a, c = self.hosts["a"], self.hosts["c"]
        # Node c holds no u1: the join is applied by nodes a and b, each
        # subscribed before its part answered, so a send right after reaches both.
        status, body = control(c, "POST", "/v1/rooms/q/join", {"user": "u1"})
        self.assertEqual((status, body), (200, {"status": "success", "room": "q", "changed": 2}))
        self.assertEqual(push(c, {"room": "q"}, "to-q")["nodes"], 2)
        self.expect([self.a1, self.b2], self.all, "to-q", lambda x, m: push(c, {"connection": x.id}, m))
        # The room hooks fired on the nodes holding the members, not on node c.
        self.a1.wait_event("joined", conn=self.a1.id, room="q")
        self.b2.wait_event("joined", conn=self.b2.id, room="q")
        self.assertEqual([e for e in self.c1.ok("gk_events", {"since": 0})["events"] if e["room"] == "q"], [])
        status, body = control(c, "GET", "/v1/rooms/q")
        self.assertEqual(body["count"], 2, body)
        status, body = control(a, "POST", "/v1/rooms/q/leave", {"user": "u1"})
        self.assertEqual((status, body["changed"]), (200, 2), body)
        status, body = control(c, "GET", "/v1/rooms/q")
        self.assertEqual((body["count"], body["members"]), (0, []), body)
        # A user on no node: nothing changed, nothing closed.
        status, body = control(c, "POST", "/v1/rooms/q/join", {"user": "nobody"})
        self.assertEqual((status, body["changed"]), (200, 0), body)
        # Disconnect u1 through node c: both of its connections close with the code.
        status, body = control(c, "POST", "/v1/disconnect", {"user": "u1", "code": 4001, "reason": "bye"})
        self.assertEqual((status, body), (200, {"status": "success", "closed": 2}))
        for x in (self.a1, self.b2):
            self.assertEqual(x.expect_close(), (4001, "bye"))
        status, body = control(c, "GET", "/v1/users/u1")
        self.assertEqual(body["connections"], [], body)
        self.b1.assert_nothing_pending(self)

    def test_a_cluster_wide_answer_waits_for_every_node_or_says_why_not(self):
        self.build()
        a, b, c = self.hosts["a"], self.hosts["b"], self.hosts["c"]
        everyone = sorted(x.id for x in self.all + [self.s])
        # A stopped node is still subscribed: Redis counts it, it never
        # answers, and the list is refused rather than given incomplete.
        b.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            status, body = control(a, "GET", "/v1/connections")
            self.assertEqual(status, 504, body)
            self.assertLess(time.monotonic() - started, 10)
            # A user form reaching only the nodes holding u3 does not wait for b.
            status, body = control(a, "GET", "/v1/users/u3")
            self.assertEqual([x["id"] for x in body["connections"]], [self.c1.id], body)
        finally:
            b.send_signal(signal.SIGCONT)
        # Resumed, node b may first drop its publisher link (a command timed
        # out while it was stopped) and come back: poll until it answers again.
        wh.wait_until(lambda: sorted(x["id"] for x in control(a, "GET", "/v1/connections")[1].get(
            "connections", [])) == everyone, timeout=15, what="node b answers its part again")
        # A killed node's subscriber goes with it: its connections leave the
        # lists as soon as Redis has seen the socket close (its presence key
        # waits for the TTL). Polled: a PUBLISH Redis ran before it saw the
        # close would count node c and end in a 504.
        c.kill()
        left = sorted(x.id for x in self.all + [self.s] if x.node != "c")
        wh.wait_until(lambda: sorted(x["id"] for x in control(a, "GET", "/v1/connections")[1].get(
            "connections", [])) == left, timeout=10, what="node c's connections gone from the list")
        # Redis away: no cluster-wide answer can be had.
        self.redis.proc.kill()
        self.redis.proc.wait()
        wh.wait_until(lambda: metric(a, "wshost_cluster_up") == 0, what="node a sees Redis down")
        status, body = control(a, "GET", "/v1/rooms")
        self.assertEqual(status, 503, body)
        # This node's own part still answers.
        status, body = control(a, "GET", "/v1/rooms/r?scope=local")
        self.assertEqual((status, [x["connection"] for x in body["members"]]), (200, [self.a1.id]), body)

    def test_redis_away_fails_cross_node_sends_counted_then_they_work_again(self):
        self.build()
        a = self.hosts["a"]
        failed_before = metric(a, "wshost_cluster_publish_failed_total")
        self.redis.proc.kill()
        self.redis.proc.wait()
        wh.wait_until(lambda: metric(a, "wshost_cluster_up") == 0, what="node a sees Redis down")
        delivery = push(a, {"user": "u1"}, "while-down")
        # Local delivery goes on; the publish fails and says so.
        self.assertEqual((delivery["matched"], delivery["nodes"], delivery["publish_failed"]), (1, 0, 1))
        self.assertEqual(self.a1.next().data, b"while-down")
        wh.echo_roundtrip(self, self.a1, rid="echo-while-down")
        self.assertGreater(metric(a, "wshost_cluster_publish_failed_total"), failed_before)
        self.redis.start()
        for h in self.hosts.values():
            wh.wait_until(lambda h=h: metric(h, "wshost_cluster_up") == 1, what="node up again")
        # Resubscribed: every interest channel is back.
        wh.wait_until(lambda: self.numsub("t:room:r") == 2 and self.numsub("t:user:u1") == 2,
                      what="subscriptions restored")
        delivery = push(self.hosts["c"], {"room": "r"}, "after")
        self.assertEqual(delivery["nodes"], 2)
        self.assertEqual(self.a1.next().data, b"after")
        self.assertEqual(self.b1.next().data, b"after")


def main():
    gw.main()


if __name__ == "__main__":
    main()
