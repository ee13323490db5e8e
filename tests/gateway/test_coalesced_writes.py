"""Coalesced writes (DESIGN §3, LWS-NOTES fact 5): what is queued for a
connection without permessage-deflate leaves as frames the host builds itself,
sent with one lws_write(LWS_WRITE_HTTP) per writeable callback; deflate
connections keep one lws_write per frame. This pins the lws 4.1.6 send path the
host relies on: many queued messages of mixed sizes (the 7/16/64-bit length
boundaries 125/126, 65535/65536, and messages larger than the 64 KiB coalescing
buffer), text and binary, arrive intact and in order, with and without deflate.

Each client pipelines all its gk_send requests (a push to itself, then the
response) before reading, so many frames wait in its queue at once.
"""

import asyncio
import base64
import json
import random

import unittest

import gw_helpers as G
from gw_helpers import ABNF, H

import websockets  # Debian's python3-websockets 10.4: negotiates permessage-deflate

SIZES = [0, 1, 2, 125, 126, 127, 1000, 65535, 65536, 65537, 3, 125, 126, 70000, 64 * 1024 - 4,
         200000, 10, 32, 32, 32, 4096, 65533, 65534, 126, 125, 0, 300000, 7] + [32] * 40


def messages(seed):
    """(binary, payload bytes) for every size, text and binary in turn."""
    rnd = random.Random(seed)
    out = []
    for i, size in enumerate(SIZES):
        binary = i % 2 == 1
        if binary:
            data = bytes(rnd.getrandbits(8) for _ in range(size))
        else:
            head = ("%d:" % i).encode()
            data = (head + bytes(rnd.choice(b"abcdefghij") for _ in range(size)))[:size]
        out.append((binary, data))
    return out


def request(i, binary, data):
    payload = {"to": {"connection": "self"}}
    if binary:
        payload["binary"] = base64.b64encode(data).decode()
    else:
        payload["text"] = data.decode()
    return json.dumps({"action": "gk_send", "payload": payload, "requestId": "m%d" % i},
                      separators=(",", ":"))


def config(compression):
    return G.config(plugins=("gatekit",), websocket_lines=(
        "compression = %s" % ("true" if compression else "false"),
        "max_message_bytes = 4194304",
        "send_queue_max_bytes = 67108864",
        "send_queue_max_messages = 100000",
    ))


class CoalescedWrites(unittest.TestCase):
    def check_stream(self, received, sent):
        """received: [(binary, bytes)] in arrival order; each push, then its response."""
        self.assertEqual(len(received), 2 * len(sent))
        for i, (binary, data) in enumerate(sent):
            got_binary, got = received[2 * i]
            self.assertEqual(got_binary, binary, "message %d (%d bytes): wrong frame type" % (i, len(data)))
            self.assertTrue(got == data, "message %d (%d bytes) differs (got %d bytes)" % (i, len(data), len(got)))
            resp_binary, resp = received[2 * i + 1]
            self.assertFalse(resp_binary)
            resp = json.loads(resp)
            self.assertEqual((resp["status"], resp["requestId"]), ("success", "m%d" % i), resp)
            self.assertEqual(resp["payload"], {"matched": 1, "enqueued": 1, "dropped": 0})

    def test_without_deflate(self):
        sent = messages(1)
        with G.host(config(False), "coalesce") as host:
            for _ in range(3):  # several rounds: the host's buffer is reused
                c = G.GwClient(host.port, fast=True)
                try:
                    for i, (binary, data) in enumerate(sent):
                        c.send_text(request(i, binary, data))
                    received = []
                    for _ in range(2 * len(sent)):
                        f = c.next(G.RECV_TIMEOUT_S)
                        received.append((f.opcode == ABNF.OPCODE_BINARY, f.data))
                    self.check_stream(received, sent)
                finally:
                    c.close()

    def test_with_deflate(self):
        sent = messages(2)
        with G.host(config(True), "coalesce-deflate") as host:
            async def run():
                async with websockets.connect("ws://127.0.0.1:%d/" % host.port, compression="deflate",
                                              max_size=None, ping_interval=None) as ws:
                    self.assertIn("permessage-deflate", ws.response_headers.get("Sec-WebSocket-Extensions", ""))
                    for i, (binary, data) in enumerate(sent):
                        await ws.send(request(i, binary, data))
                    received = []
                    for _ in range(2 * len(sent)):
                        m = await asyncio.wait_for(ws.recv(), G.RECV_TIMEOUT_S)
                        received.append((isinstance(m, bytes), m if isinstance(m, bytes) else m.encode()))
                    return received

            self.check_stream(asyncio.run(run()), sent)

    def test_deflate_and_plain_clients_side_by_side(self):
        """A fan-out shares frames between both kinds of connection."""
        with G.host(config(True), "coalesce-mixed") as host:
            plain = G.GwClient(host.port, fast=True)
            try:
                sent = messages(3)[:30]

                async def run():
                    async with websockets.connect("ws://127.0.0.1:%d/" % host.port, compression="deflate",
                                                  max_size=None, ping_interval=None) as ws:
                        for i, (binary, data) in enumerate(sent):
                            payload = {"to": {"all": True}}
                            if binary:
                                payload["binary"] = base64.b64encode(data).decode()
                            else:
                                payload["text"] = data.decode()
                            await ws.send(json.dumps({"action": "gk_send", "payload": payload,
                                                      "requestId": "a%d" % i}))
                        got = []
                        while len(got) < len(sent):
                            m = await asyncio.wait_for(ws.recv(), G.RECV_TIMEOUT_S)
                            if isinstance(m, str) and m.startswith('{"status"'):
                                continue
                            got.append(m if isinstance(m, bytes) else m.encode())
                        return got

                deflated = asyncio.run(run())
                self.assertEqual(deflated, [d for _, d in sent])
                for binary, data in sent:
                    f = plain.next(G.RECV_TIMEOUT_S)
                    self.assertEqual((f.opcode == ABNF.OPCODE_BINARY, f.data), (binary, data))
            finally:
                plain.close()


if __name__ == "__main__":
    G.main()
