"""The package's cluster node template (packaging/cluster-node.toml) and the
README's command that makes /etc/wshost/1..4.toml from it (README, "Cluster"),
without systemd: the command's `sed` line, taken from the README as it is
written, makes four copies that `wshost --check-config` accepts and that
match wshost@.service (its config path and runtime directory); four nodes
started from the copies form one cluster on a real redis-server (GET
/v1/nodes lists the four) and share one WebSocket port, the kernel spreading
connections over them. For the run, only what the machine forces is
changed: the control sockets and Redis move into a temporary directory, the
port 8080 becomes a free one, and a token is added to reach /v1/nodes.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import tomllib
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import wshost_harness as wh  # noqa: E402
from test_cluster_nodes import Redis, stop_nodes  # noqa: E402

TEMPLATE = os.path.join(ROOT, "packaging", "cluster-node.toml")
UNIT = os.path.join(ROOT, "packaging", "wshost@.service.in")
INSTALLED_TEMPLATE = "/usr/share/wshost/cluster-node.toml"
TOKEN = "template-test-admin"
NODES = 4


def readme_command():
    """The README's one line that writes /etc/wshost/$i.toml from the template."""
    with open(os.path.join(ROOT, "README.md")) as f:
        lines = [line.strip() for line in f if INSTALLED_TEMPLATE + " > /etc/wshost/" in line]
    assert len(lines) == 1, "expected one README line making the copies, found %r" % lines
    return lines[0]


def generate(etc_dir):
    """Runs the README's line with the template and /etc/wshost moved: {N: text}."""
    cmd = readme_command().replace(INSTALLED_TEMPLATE, TEMPLATE).replace("/etc/wshost/", etc_dir + "/")
    subprocess.run(["sh", "-c", cmd], check=True, timeout=30)
    names = sorted(os.listdir(etc_dir))
    assert names == ["%d.toml" % n for n in range(1, NODES + 1)], names
    copies = {}
    for n in range(1, NODES + 1):
        with open(os.path.join(etc_dir, "%d.toml" % n)) as f:
            copies[n] = f.read()
    return copies


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def get(socket_path, path):
    conn = UnixHTTPConnection(socket_path)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + TOKEN})
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


class NodeTemplate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wshost-tpl-")  # short: Unix socket paths
        self.etc = os.path.join(self.tmp, "etc")
        os.mkdir(self.etc)
        self.copies = generate(self.etc)
        self.hostname = socket.gethostname()

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.tmp], check=False)

    def test_the_readme_command_makes_four_valid_distinct_nodes(self):
        with open(UNIT) as f:
            unit = f.read().splitlines()
        self.assertIn("ExecStart=@WSHOST_BINDIR@/wshost --config /etc/wshost/%i.toml", unit)
        self.assertIn("RuntimeDirectory=wshost/%i", unit)
        ids, ports = set(), set()
        for n, text in self.copies.items():
            self.assertNotIn("%i", text)
            self.assertNotIn("%H", text)
            path = os.path.join(self.etc, "%d.toml" % n)
            out = subprocess.run([wh.require("wshost"), "--check-config", path], capture_output=True, text=True,
                                 timeout=60)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("OK (0 plugins)", out.stdout)
            conf = tomllib.loads(text)
            self.assertIs(conf["server"]["reuse_port"], True)
            self.assertEqual(conf["cluster"]["engine"], "redis")
            self.assertEqual(conf["cluster"]["redis"]["address"], "127.0.0.1:6379")  # Debian's redis-server
            # The unit's RuntimeDirectory=wshost/%i, one per instance.
            self.assertEqual(conf["control"]["socket"], "/run/wshost/%d/control.sock" % n)
            self.assertEqual(conf["cluster"]["node_id"], "%s-%d" % (self.hostname, n))
            ids.add(conf["cluster"]["node_id"])
            ports.add(conf["server"]["port"])
        self.assertEqual(len(ids), NODES)
        self.assertEqual(ports, {8080})

    def test_four_nodes_from_the_copies_form_one_cluster_on_one_port(self):
        redis = Redis()
        redis.start()
        hosts = []
        try:
            port = 0
            for n, text in self.copies.items():
                run_dir = os.path.join(self.tmp, "run", str(n))
                os.makedirs(run_dir)  # what RuntimeDirectory= makes
                text = text.replace('"/run/wshost/%d/' % n, '"%s/' % run_dir)
                text = text.replace('address = "127.0.0.1:6379"', "socket = " + wh.toml_str(redis.socket))
                text = re.sub(r'(?m)^address = "0\.0\.0\.0"', 'address = "127.0.0.1"', text)
                text = re.sub(r"(?m)^port = 8080\b", "port = %d" % port, text)
                text = re.sub(r"(?m)^tokens = \[\]",
                              'tokens = [{ token = "%s", scopes = ["admin", "metrics"] }]' % TOKEN, text)
                h = wh.Host(text, name="tpl-%d" % n)
                h.start()
                hosts.append(h)
                port = h.port  # the others share the first one's port
            sockets = [h.info["control_socket"] for h in hosts]
            self.assertEqual(len(set(sockets)), NODES)
            self.assertEqual({h.port for h in hosts}, {hosts[0].port})
            expected = {"%s-%d" % (self.hostname, n) for n in range(1, NODES + 1)}

            def listed():
                status, body = get(sockets[0], "/v1/nodes")
                if status != 200:
                    return None
                nodes = {x["id"]: x for x in json.loads(body)["nodes"]}
                return nodes if set(nodes) == expected else None
            nodes = wh.wait_until(listed, timeout=30, what="the four nodes in GET /v1/nodes")
            self.assertTrue(all(x["state"] == "up" for x in nodes.values()), nodes)
            self.assertEqual(len({x["number"] for x in nodes.values()}), NODES)

            clients = [wh.Client(hosts[0].port) for _ in range(40)]
            try:
                counts = []
                for s in sockets:
                    status, body = get(s, "/metrics")
                    self.assertEqual(status, 200)
                    counts.append(int(re.search(r"(?m)^wshost_connections (\d+)", body).group(1)))
                # Each new connection goes to one of four listeners: one left
                # without any of 40 is a 4 * (3/4)^40 (4e-5) chance.
                self.assertEqual(sum(counts), 40, counts)
                self.assertTrue(all(c > 0 for c in counts), counts)
            finally:
                for c in clients:
                    c.close()
        finally:
            stop_nodes(self, hosts, redis)


if __name__ == "__main__":
    wh.main()
