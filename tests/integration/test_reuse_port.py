"""[server] reuse_port (DESIGN §10, several processes on one machine): with it,
a second wshost listens on the first one's WebSocket and control ports
(SO_REUSEPORT) and the kernel spreads new connections over both, each served
whole by the process that accepted it; without it the second one fails to
start, saying the address is in use.
"""

import http.client
import re
import unittest

import wshost_harness as h

def config(port=0, control_port=0, reuse=True, token="token-a"):
    text = h.config_text()
    text = text.replace("port = 0\n", "port = %d\nreuse_port = %s\n" % (port, "true" if reuse else "false"), 1)
    control = "\n".join(["[control]", "enabled = true", 'address = "127.0.0.1"', "port = %d" % control_port,
                         'tokens = [{ token = "%s", scopes = ["metrics"] }]' % token, ""])
    return text.replace("[control]\nenabled = false\n", control)


def metrics(port, token):
    """(status, wshost_connections or None) from the control listener on `port`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        body = r.read().decode()
    finally:
        conn.close()
    count = re.search(r"^wshost_connections (\d+)", body, re.M)
    return r.status, int(count.group(1)) if count else None


class ReusePort(unittest.TestCase):
    def test_two_processes_share_the_websocket_port(self):
        with h.Host(config(), name="reuse-a") as a:
            with h.Host(config(a.port), name="reuse-b") as b:  # its own control port
                self.assertEqual(b.port, a.port)
                clients = []
                try:
                    for _ in range(40):
                        c = h.Client(a.port)
                        h.echo_roundtrip(self, c)  # served whole, whichever process took it
                        clients.append(c)
                    counts = [metrics(x.info["control"], "token-a")[1] for x in (a, b)]
                    # The kernel hashes each new connection to one listener:
                    # all 40 on one side would be a 2^-39 chance.
                    self.assertEqual(sum(counts), 40, counts)
                    self.assertTrue(all(n > 0 for n in counts), counts)
                finally:
                    for c in clients:
                        c.close()

    def test_two_processes_share_the_control_port(self):
        with h.Host(config(token="token-a"), name="reuse-ctl-a") as a:
            with h.Host(config(0, a.info["control"], token="token-b"), name="reuse-ctl-b") as b:
                self.assertEqual(b.info["control"], a.info["control"])
                # a knows only token-a, b only token-b: each answer says who took it.
                seen = {metrics(a.info["control"], "token-a")[0] for _ in range(40)}
                self.assertEqual(seen, {200, 401})

    def test_without_it_the_second_process_cannot_listen(self):
        with h.Host(config(reuse=False), name="reuse-off-a") as a:
            b = h.Host(config(a.port, reuse=False), name="reuse-off-b")
            with self.assertRaises(h.HostError):
                b.start()
            self.assertIn("cannot listen on 127.0.0.1:%d" % a.port, b.log())
            b.cleanup_dir()
            with h.Client(a.port) as c:
                h.echo_roundtrip(self, c)


if __name__ == "__main__":
    h.main()
