"""The first cluster wiring step (DESIGN §10), end to end against a real
redis-server that each test starts on a Unix socket in a temporary directory:
presence (GET /v1/nodes, `wshostctl nodes`), node numbers in connection ids,
/healthz "cluster" and wshost_cluster_up, Redis down at start, SIGTERM and
SIGKILL. Every wait polls with a deadline.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import wshost_harness as wh  # noqa: E402

ADMIN = "cluster-test-admin"
METRICS = "cluster-test-metrics"
WSHOSTCTL = None  # --wshostctl


class Redis:
    """redis-server on a Unix socket in its own temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="wshost-redis-")
        self.socket = os.path.join(self.dir, "redis.sock")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.socket, "--save", "", "--appendonly", "no",
             "--dir", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wh.wait_until(self.answers, timeout=20, what="redis-server to answer PING")

    def command(self, *argv):
        """One command over RESP; the raw reply bytes (enough for PING and tests)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(self.socket)
            out = b"*%d\r\n" % len(argv)
            for a in argv:
                a = a.encode() if isinstance(a, str) else a
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            return s.recv(65536)
        finally:
            s.close()

    def answers(self):
        try:
            return self.command("PING") == b"+PONG\r\n"
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def first_node_number(node_id):
    """The first node number a node id tries (node_registry.cpp: FNV-1a % 65535 + 1)."""
    h = 1469598103934665603
    for b in node_id.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h % 65535 + 1


def node_config(redis_socket, node_id=None, heartbeat_ms=200, node_ttl_ms=1500, engine="redis"):
    text = wh.config_text(plugins=("echo",))
    control = "\n".join([
        "[control]", "enabled = true", 'address = "127.0.0.1"', "port = 0",
        'tokens = [{ token = "%s", scopes = ["admin"] }, { token = "%s", scopes = ["metrics"] }]'
        % (ADMIN, METRICS), ""])
    text = text.replace("[control]\nenabled = false\n", control)
    lines = ["[cluster]", "engine = " + wh.toml_str(engine), "heartbeat_ms = %d" % heartbeat_ms,
             "node_ttl_ms = %d" % node_ttl_ms]
    if node_id:
        lines.append("node_id = " + wh.toml_str(node_id))
    lines += ["[cluster.redis]", "socket = " + wh.toml_str(redis_socket), 'prefix = "t"', ""]
    return text + "\n" + "\n".join(lines)


def call(host, path, token=ADMIN):
    conn = http.client.HTTPConnection("127.0.0.1", host.info["control"], timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        resp = conn.getresponse()
        body = resp.read().decode("utf-8")
        return resp.status, body
    finally:
        conn.close()


def call_json(host, path, token=ADMIN):
    status, body = call(host, path, token)
    return status, json.loads(body) if body else None


def health(host):
    status, body = call_json(host, "/healthz", token=None)
    assert status == 200, (status, body)
    return body["cluster"]


def cluster_up_metric(host):
    status, body = call(host, "/metrics", token=METRICS)
    assert status == 200, status
    for line in body.splitlines():
        if line.startswith("wshost_cluster_up "):
            return int(line.split()[1])
    return None


def listed(host):
    """{node id: node object} from GET /v1/nodes, or None while it answers 503."""
    status, body = call_json(host, "/v1/nodes")
    if status == 503:
        return None
    assert status == 200, (status, body)
    return {n["id"]: n for n in body["nodes"]}


def connection_ids(host):
    """This node's connection ids (the cluster-wide list needs Redis up)."""
    status, body = call_json(host, "/v1/connections?scope=local")
    assert status == 200, (status, body)
    return [int(c["id"]) for c in body["connections"]]


def stop_nodes(test, hosts, redis):
    """Stops every node still running (each must exit cleanly: exit 0, no
    sanitizer report), checks the ones a test stopped and waited for, then
    Redis; fails `test` with every problem found."""
    problems = []
    for h in hosts:
        try:
            if h.proc.poll() is None:
                h.stop_and_check()
            elif h.returncode is not None:  # stopped and waited for by the test
                h.check_clean_exit()
        except wh.HostError as e:
            problems.append(str(e))
        finally:
            h.kill()
            h.cleanup_dir()
    redis.stop()
    if problems:
        test.fail("\n".join(problems))


class ClusterNodes(unittest.TestCase):
    def setUp(self):
        self.redis = Redis()
        self.hosts = []

    def tearDown(self):
        stop_nodes(self, self.hosts, self.redis)

    def start_node(self, node_id, **kw):
        h = wh.Host(node_config(self.redis.socket, node_id, **kw), name=node_id)
        h.start()
        self.hosts.append(h)
        return h

    def test_two_nodes_are_listed_with_distinct_numbers_in_their_connection_ids(self):
        self.redis.start()
        a = self.start_node("node-a")
        b = self.start_node("node-b")
        both = wh.wait_until(lambda: (lambda n: n if n and {"node-a", "node-b"} <= set(n) else None)(listed(a)),
                             what="both nodes in node-a's GET /v1/nodes")
        self.assertEqual(set(listed(b)), {"node-a", "node-b"})
        na, nb = both["node-a"]["number"], both["node-b"]["number"]
        self.assertNotEqual(na, nb)
        self.assertTrue(1 <= na <= 65535 and 1 <= nb <= 65535)
        self.assertTrue(both["node-a"]["self"])
        self.assertFalse(both["node-b"]["self"])
        self.assertEqual(both["node-b"]["state"], "up")
        self.assertEqual(health(a), "up")
        self.assertEqual(cluster_up_metric(a), 1)

        ca, cb = a.client(), b.client()
        try:
            wh.echo_roundtrip(self, ca)
            wh.echo_roundtrip(self, cb)
            [ida], [idb] = connection_ids(a), connection_ids(b)
            self.assertEqual(ida >> 48, na)
            self.assertEqual(idb >> 48, nb)
            self.assertNotEqual(ida >> 48, idb >> 48)
            # The presence value carries each node's connection count.
            wh.wait_until(lambda: all(n["connections"] == 1 for n in listed(a).values()),
                          what="a connection count of 1 for both nodes")
            if WSHOSTCTL:
                out = subprocess.run(
                    [WSHOSTCTL, "--url", "http://127.0.0.1:%d" % a.info["control"], "--token", ADMIN, "nodes"],
                    capture_output=True, text=True, timeout=30)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("node-a", out.stdout)
                self.assertIn("node-b", out.stdout)
        finally:
            ca.close()
            cb.close()
        # The metrics scope may list the nodes too; no scope at all may not.
        self.assertEqual(call(a, "/v1/nodes", token=METRICS)[0], 200)
        self.assertEqual(call(a, "/v1/nodes", token=None)[0], 401)

    def test_a_number_held_by_another_node_is_a_collision_and_the_next_is_claimed(self):
        self.redis.start()
        first = first_node_number("node-a")
        # Another process holds node-a's first candidate (as a live node would).
        self.assertEqual(self.redis.command("SET", "t:number:%d" % first, "someone 1234", "PX", "60000"),
                         b"+OK\r\n")
        a = self.start_node("node-a")
        nodes = wh.wait_until(lambda: (lambda n: n if n and "node-a" in n else None)(listed(a)),
                              what="node-a in GET /v1/nodes")
        self.assertEqual(nodes["node-a"]["number"], first % 65535 + 1)
        wh.wait_for_log(a, r"node number %d is held by another node \(collision 1\)" % first)
        c = a.client()
        try:
            wh.echo_roundtrip(self, c)
            self.assertEqual(connection_ids(a)[0] >> 48, first % 65535 + 1)
        finally:
            c.close()
        # The other holder's claim is untouched.
        self.assertEqual(self.redis.command("GET", "t:number:%d" % first), b"$12\r\nsomeone 1234\r\n")

    def test_redis_down_at_start_serves_local_clients_then_joins(self):
        a = self.start_node("node-a")  # no redis-server yet
        self.assertEqual(health(a), "down")
        self.assertEqual(cluster_up_metric(a), 0)
        self.assertIsNone(listed(a))  # 503
        c = a.client()
        try:
            wh.echo_roundtrip(self, c)
            [cid] = connection_ids(a)
            self.assertEqual(cid >> 48, 0)  # no node number yet: the local counter only
            self.redis.start()
            wh.wait_until(lambda: health(a) == "up", what="/healthz cluster up after Redis started")
            self.assertEqual(cluster_up_metric(a), 1)
            nodes = wh.wait_until(lambda: (lambda n: n if n and "node-a" in n else None)(listed(a)),
                                  what="node-a in GET /v1/nodes")
            wh.echo_roundtrip(self, c, rid="ping-2")  # the old connection is still served
            c2 = a.client()
            try:
                wh.echo_roundtrip(self, c2)
                self.assertEqual(max(connection_ids(a)) >> 48, nodes["node-a"]["number"])
            finally:
                c2.close()
        finally:
            c.close()

    def test_sigterm_deregisters_at_once(self):
        self.redis.start()
        a = self.start_node("node-a")
        # A TTL far above the deadline below: only the release can remove it in time.
        b = self.start_node("node-b", heartbeat_ms=1000, node_ttl_ms=60000)
        wh.wait_until(lambda: (listed(a) or {}).keys() >= {"node-a", "node-b"}, what="both nodes listed")
        b.send_signal(signal.SIGTERM)
        started = time.monotonic()
        wh.wait_until(lambda: "node-b" not in listed(a), timeout=5, what="node-b gone after SIGTERM")
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(b.wait(), 0)
        self.assertEqual(self.redis.command("EXISTS", "t:alive:node-b"), b":0\r\n")

    def test_sigkill_disappears_within_the_ttl(self):
        self.redis.start()
        a = self.start_node("node-a")
        b = self.start_node("node-b", heartbeat_ms=200, node_ttl_ms=1500)
        wh.wait_until(lambda: (listed(a) or {}).keys() >= {"node-a", "node-b"}, what="both nodes listed")
        b.kill()
        killed = time.monotonic()
        self.assertIn("node-b", listed(a))  # nothing released it: only the TTL will
        wh.wait_until(lambda: "node-b" not in listed(a), timeout=10, what="node-b gone after SIGKILL")
        # node_ttl_ms after its last heartbeat at most, plus the poll interval.
        self.assertLess(time.monotonic() - killed, 1.5 + 1.0)

    def test_check_config_reports_cluster_errors_with_positions(self):
        path = os.path.join(self.redis.dir, "bad.toml")
        with open(path, "w") as f:
            f.write('[cluster]\nengine = "redis"\nheartbeat_ms = 500\nnode_ttl_ms = 400\n'
                    '[cluster.redis]\naddress = "localhost:6379"\nsocket = "r.sock"\n')
        out = subprocess.run([wh.require("wshost"), "--check-config", path], capture_output=True, text=True,
                             timeout=60)
        self.assertNotEqual(out.returncode, 0)
        text = out.stdout + out.stderr
        self.assertIn(path + ":4:15: [cluster] node_ttl_ms (400) must be greater than heartbeat_ms (500)", text)
        self.assertIn(path + ":6:11: 'address' must be an IP literal and a port", text)

    def test_engine_none(self):
        a = self.start_node("solo", engine="none")
        self.assertEqual(health(a), "none")
        self.assertIsNone(cluster_up_metric(a))  # not exported without a cluster
        status, body = call_json(a, "/v1/nodes")
        self.assertEqual((status, body["cluster"], body["nodes"]), (200, "none", []))


def main():
    global WSHOSTCTL
    args = sys.argv[1:]
    if "--wshostctl" in args:
        i = args.index("--wshostctl")
        WSHOSTCTL = args[i + 1]
        del args[i:i + 2]
    sys.argv[1:] = args
    if shutil.which("redis-server") is None:
        sys.stderr.write("redis-server is not installed (scripts/test installs it)\n")
        sys.exit(1)
    wh.main()


if __name__ == "__main__":
    main()
