"""The wait for the client's close frame (DESIGN §9, [websocket]
close_timeout_ms): after the server's close, a client that never answers loses
its socket when the wait ends, not at libwebsockets' fixed 5 s; one that answers
is let go at once. raw-echo closes with 1000 "bye" when sent "close".
"""

import socket
import time

import endpoints_lib as el
from endpoints_lib import HostPerClass, endpoint_config
from test_outgoing_fragments import Wire, masked

CLOSE_TIMEOUT_MS = 200


def closed_by_server(sock, deadline_s):
    """Reads until EOF or reset; True when that came before the deadline."""
    sock.settimeout(deadline_s)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        return False
    return True


class CloseWait(HostPerClass):
    @classmethod
    def config(cls):
        return endpoint_config(websocket_lines=["close_timeout_ms = %d" % CLOSE_TIMEOUT_MS])

    def test_a_silent_client_loses_the_socket_when_the_wait_ends(self):
        w = Wire(self.port, "/raw")
        try:
            w.sock.sendall(masked(0x1, b"close"))
            self.assertEqual(w.frame(), (True, False, 0x8, b"\x03\xe8bye"))
            started = time.monotonic()
            # Not answered: the server gives up after close_timeout_ms. The
            # bound is far above 0.2 s and below lws's own 5 s.
            self.assertTrue(closed_by_server(w.sock, 4.0), "socket still open 4 s after the close frame")
            self.assertLess(time.monotonic() - started, 4.0)
        finally:
            w.close()

    def test_an_answering_client_is_let_go(self):
        w = Wire(self.port, "/raw")
        try:
            w.sock.sendall(masked(0x1, b"close"))
            self.assertEqual(w.frame()[2], 0x8)
            w.sock.sendall(masked(0x8, b"\x03\xe8"))
            self.assertTrue(closed_by_server(w.sock, 4.0))
        finally:
            w.close()


if __name__ == "__main__":
    el.main()
