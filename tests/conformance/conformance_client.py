"""The conformance tests' client: python3-websockets 10.4's sans-I/O protocol
layer (websockets.client.ClientConnection), driven over a plain socket here.

It is not the client the rest of the suite uses (python3-websocket's
blocking client, python3-websockets' asyncio client, hand-made frames in
tests/hostile): the handshake, the parsing of every server frame (masking,
RSV bits, opcodes, control-frame rules, close codes and UTF-8 reasons) and
permessage-deflate are websockets' own, so a server frame that breaks
RFC 6455 fails the case on the client side too.

Frames a conforming client would never send (RSV bits, reserved opcodes,
oversized or fragmented control frames, bad close payloads) are refused by
websockets' Frame.check(); bad_frame() builds those bytes itself (masked,
like every client frame).

Peer.transcript() reads until the server closes the TCP connection and
returns what came, in order: ("text" | "binary", bytes) for each message
(fragments joined), ("ping" | "pong", bytes), ("close", code, reason)
(code None for an empty close payload), then "eof". Nothing here sleeps:
each read waits for bytes with a deadline.
"""

import secrets
import socket
import struct

from websockets.client import ClientConnection
from websockets.connection import State
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Close, Frame
from websockets.http11 import Response
from websockets.uri import parse_uri

TIMEOUT_S = 15.0

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
OPCODES = {TEXT: OP_TEXT, BINARY: OP_BINARY, CONT: OP_CONT, CLOSE: OP_CLOSE, PING: OP_PING, PONG: OP_PONG}
NAMES = {OP_TEXT: "text", OP_BINARY: "binary", OP_PING: "ping", OP_PONG: "pong"}


def bad_frame(opcode, payload=b"", fin=True, rsv=0, length_form=None):
    """A masked client frame with any opcode (0-15) and RSV bits (0-7, RSV1 =
    4), which websockets' own serializer refuses. length_form 16 or 64 uses
    that length encoding whatever the length (RFC 6455 §5.2 asks for the
    minimal one)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    if length_form == 64 or (length_form is None and n > 0xFFFF):
        head = struct.pack("!BBQ", b0, 0x80 | 127, n)
    elif length_form == 16 or (length_form is None and n > 125):
        head = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        head = struct.pack("!BB", b0, 0x80 | n)
    key = secrets.token_bytes(4)
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + (reason.encode("utf-8") if isinstance(reason, str) else reason)


class Peer:
    """One client connection to ws://127.0.0.1:port/path."""

    def __init__(self, port, path="/raw", deflate=None, timeout=TIMEOUT_S, check=True):
        """deflate: None (no extension offered) or a dict of
        ClientPerMessageDeflateFactory arguments ({} = its defaults).
        check=False: a refused handshake is left to the caller (response,
        conn.handshake_exc) instead of failing here."""
        extensions = None if deflate is None else [ClientPerMessageDeflateFactory(**deflate)]
        self.conn = ClientConnection(parse_uri("ws://127.0.0.1:%d%s" % (port, path)),
                                     extensions=extensions, max_size=None)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.silent = False  # a raw close went out: the client layer's own writes are dropped
        self.events = []  # the transcript so far
        self.eof = False
        self.write_refused = False  # the server closed while bytes were still being written
        self._partial = None  # (opcode, [chunks]) of a fragmented server message
        self.response = None
        self.conn.send_request(self.conn.connect())
        self._flush()
        while self.response is None:
            self._read_once()
            if self.eof:
                raise AssertionError("the server closed the connection during the handshake")
        if check and (self.response.status_code != 101 or self.conn.state is not State.OPEN):
            raise AssertionError("handshake refused: %s %r" % (self.response.status_code,
                                                               self.conn.handshake_exc))

    # -- sending --
    def send(self, opcode, payload=b"", fin=True):
        """A frame through websockets' serializer (and its extensions)."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        self.conn.send_frame(Frame(OPCODES[opcode], payload, fin))
        self._flush()

    def send_close(self, code=None, reason=""):
        """A valid close frame (websockets' send_close: no payload for None)."""
        self.conn.send_close(code, reason)
        self._flush()

    def send_raw(self, data, chunk=None):
        """Bytes as they are, in writes of `chunk` bytes when given. A server
        that closed before all of them were written (a 1009 decided at a frame
        header) ends the writing; its transcript says why."""
        step = chunk or len(data) or 1
        try:
            for i in range(0, len(data), step):
                self.sock.sendall(data[i:i + step])
        except (BrokenPipeError, ConnectionResetError):
            self.write_refused = True

    def send_raw_close(self, payload):
        """A close frame with any payload. The client layer did not see it go:
        it answers the server's close with one of its own, as a client that
        had not closed would (lws waits 5 s for that before it closes TCP)."""
        self.send_raw(bad_frame(CLOSE, payload))

    def serialize(self, opcode, payload=b"", fin=True):
        """The bytes send() would write (extensions applied), not written."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        return Frame(OPCODES[opcode], payload, fin).serialize(mask=True, extensions=self.conn.extensions)

    def _flush(self):
        for data in self.conn.data_to_send():
            if self.silent:
                continue
            if data:
                try:
                    self.sock.sendall(data)
                except OSError:
                    pass  # the server closed first; the transcript says so
            else:
                try:
                    self.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    # -- receiving --
    def _read_once(self):
        try:
            data = self.sock.recv(262144)
        except ConnectionResetError:
            data = b""
        except socket.timeout:
            raise AssertionError("no answer within %.0f s; transcript so far: %s"
                                 % (self.timeout, short(self.events)))
        if data:
            self.conn.receive_data(data)
        else:
            self.eof = True
            self.conn.receive_eof()
        for event in self.conn.events_received():
            if isinstance(event, Response):
                self.response = event
            else:
                self._record(event)
        if self.conn.parser_exc is not None and not isinstance(self.conn.parser_exc, EOFError):
            self.events.append(("client_error", str(self.conn.parser_exc)))
            self.conn.parser_exc = None
        self._flush()
        if self.eof:
            self.events.append("eof")

    def _record(self, frame):
        if frame.opcode in (OP_TEXT, OP_BINARY):
            if frame.fin:
                self.events.append((NAMES[frame.opcode], bytes(frame.data)))
            else:
                self._partial = (frame.opcode, [bytes(frame.data)])
        elif frame.opcode is OP_CONT:
            self._partial[1].append(bytes(frame.data))
            if frame.fin:
                op, chunks = self._partial
                self._partial = None
                self.events.append((NAMES[op], b"".join(chunks)))
        elif frame.opcode is OP_CLOSE:
            close = Close.parse(frame.data)
            self.events.append(("close", None if not frame.data else close.code, close.reason))
        else:
            self.events.append((NAMES[frame.opcode], bytes(frame.data)))

    def wait_for(self, count):
        """Reads until `count` events have come (or the server closed); returns them."""
        while len(self.events) < count and not self.eof:
            self._read_once()
        return list(self.events)

    def transcript(self):
        """Reads until the server closes the TCP connection; everything that came."""
        while not self.eof:
            self._read_once()
        self.sock.close()
        return list(self.events)

    def close(self):
        self.sock.close()


def short(events):
    """A transcript with long payloads elided, for failure messages."""
    out = []
    for e in events:
        if isinstance(e, tuple) and isinstance(e[1], bytes) and len(e[1]) > 40:
            out.append((e[0], "<%d bytes %r...>" % (len(e[1]), e[1][:16])) + e[2:])
        else:
            out.append(e)
    return out
