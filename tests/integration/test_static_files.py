"""[server] static_dir: plain GET/HEAD on the WebSocket listener serve files
from one directory, with content types, no listings and nothing outside it;
an Upgrade on [server] path still reaches the WebSocket (README, "Static files")."""

import os
import re
import socket
import unittest

import wshost_harness as h

FILES = {
    "index.html": b"<!doctype html><p>index</p>",
    "app.js": b"console.log(1);",
    "style.css": b"p{}",
    "data.json": b"{}",
    "logo.svg": b"<svg/>",
    "blob.bin": b"\x00\x01",
    "noext": b"x",
    "big.txt": b"0123456789" * 50000,  # 500 kB: many writeable callbacks
    "sub/index.html": b"<p>sub</p>",
    "sub/page.html": b"<p>page</p>",
    "empty-dir/.keep": b"",
    ".secret": b"dot file",
    ".git/config": b"[core]",
}


def raw_request(port, request, read_all=True):
    """Sends raw bytes and returns (status, headers dict, body) of the first response."""
    with socket.create_connection(("127.0.0.1", port), timeout=h.RECV_TIMEOUT_S) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                headers = parse_headers(head)
                n = int(headers.get("content-length", "-1"))
                if n >= 0 and len(body) >= n and not read_all:
                    break
                if n >= 0 and len(body) >= n and b"HEAD " in request[:5]:
                    break
                if n >= 0 and len(body) >= n:
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, parse_headers(head), body


def parse_headers(head):
    out = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        out[k.strip().lower().decode()] = v.strip().decode()
    return out


def get(port, path, method="GET", extra=b""):
    return raw_request(port, b"%s %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                       % (method.encode(), path.encode() if isinstance(path, str) else path, extra))


def with_static_dir(config, directory):
    return re.sub(r"(?m)^\[server\]\s*$", "[server]\nstatic_dir = " + h.toml_str(directory), config, count=1)


class StaticFiles(unittest.TestCase):
    host = None

    @classmethod
    def setUpClass(cls):
        base = h.Paths.workdir or None
        if base:
            os.makedirs(base, exist_ok=True)
        import tempfile
        cls.tree = tempfile.mkdtemp(prefix="wshost-static-", dir=base)
        cls.root = os.path.join(cls.tree, "www")
        for name, data in FILES.items():
            p = os.path.join(cls.root, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
        with open(os.path.join(cls.tree, "outside.txt"), "wb") as f:
            f.write(b"OUTSIDE")
        os.symlink(os.path.join(cls.tree, "outside.txt"), os.path.join(cls.root, "leak.txt"))
        os.symlink(cls.tree, os.path.join(cls.root, "up"))
        os.symlink("app.js", os.path.join(cls.root, "alias.js"))  # inside: allowed
        cls.host = h.Host(with_static_dir(h.config_text(plugins=("echo",)), cls.root),
                          name="static").start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()
        cls.host.check_clean_exit()
        cls.host.cleanup_dir()
        import shutil
        shutil.rmtree(cls.tree, ignore_errors=True)

    def assert_served(self, path, name, content_type):
        status, headers, body = get(self.host.port, path)
        self.assertEqual(status, 200, (path, headers))
        self.assertEqual(body, FILES[name], path)
        self.assertEqual(headers.get("content-type"), content_type, path)
        self.assertEqual(headers.get("content-length"), str(len(FILES[name])), path)
        self.assertEqual(headers.get("x-content-type-options"), "nosniff", path)

    def test_files_with_their_content_types(self):
        self.assert_served("/", "index.html", "text/html; charset=utf-8")
        self.assert_served("/index.html", "index.html", "text/html; charset=utf-8")
        self.assert_served("/app.js", "app.js", "text/javascript; charset=utf-8")
        self.assert_served("/style.css", "style.css", "text/css; charset=utf-8")
        self.assert_served("/data.json", "data.json", "application/json")
        self.assert_served("/logo.svg", "logo.svg", "image/svg+xml")
        self.assert_served("/blob.bin", "blob.bin", "application/octet-stream")
        self.assert_served("/noext", "noext", "application/octet-stream")
        self.assert_served("/sub/", "sub/index.html", "text/html; charset=utf-8")
        self.assert_served("/sub/page.html", "sub/page.html", "text/html; charset=utf-8")
        self.assert_served("/alias.js", "app.js", "text/javascript; charset=utf-8")
        self.assert_served("/index.html?x=1", "index.html", "text/html; charset=utf-8")
        self.assert_served("/%69ndex.html", "index.html", "text/html; charset=utf-8")
        self.assert_served("/big.txt", "big.txt", "text/plain; charset=utf-8")

    def test_head_sends_headers_only(self):
        with socket.create_connection(("127.0.0.1", self.host.port), timeout=h.RECV_TIMEOUT_S) as s:
            # HEAD then GET on one keep-alive connection: the GET's answer starts
            # right after the HEAD's headers, so a body sent for HEAD would show.
            s.sendall(b"HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\nGET /style.css HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        first, _, rest = data.partition(b"\r\n\r\n")
        self.assertTrue(first.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertIn(b"content-length: %d" % len(FILES["app.js"]), first)
        self.assertTrue(rest.startswith(b"HTTP/1.1 200"), data[:400])
        self.assertTrue(rest.endswith(FILES["style.css"]), data[-100:])

    def test_directories_are_never_listed(self):
        status, headers, _ = get(self.host.port, "/sub")
        self.assertEqual(status, 301)
        self.assertEqual(headers.get("location"), "/sub/")
        for path in ("/empty-dir/", "/empty-dir", "/nothing-here", "/sub/missing.html", "/index.html/"):
            self.assertEqual(get(self.host.port, path)[0], 404, path)

    def test_nothing_outside_the_directory(self):
        for path in (b"/../outside.txt", b"/sub/../../outside.txt", b"/%2e%2e/outside.txt",
                     b"/%2e%2e%2foutside.txt", b"/..%2f..%2foutside.txt", b"/leak.txt", b"/up/outside.txt",
                     b"/.secret", b"/.git/config",
                     b"/..\\outside.txt"):
            status, _, body = get(self.host.port, path)
            self.assertNotIn(b"OUTSIDE", body, path)
            self.assertNotIn(b"[core]", body, path)
            self.assertNotIn(b"dot file", body, path)
            self.assertIn(status, (400, 403, 404), path)
        # lws ends the path at a decoded NUL: "/" then, which is inside.
        status, _, body = get(self.host.port, b"/%00../outside.txt")
        self.assertTrue(status == 404 or body == FILES["index.html"], (status, body[:100]))

    def test_other_methods_are_refused(self):
        for method in ("POST", "PUT", "DELETE"):
            status, _, _ = get(self.host.port, "/index.html", method=method, extra=b"Content-Length: 0\r\n")
            self.assertEqual(status, 405, method)

    def test_websocket_upgrade_on_the_same_path(self):
        with self.host.client() as c:  # ws://127.0.0.1:PORT/ while GET / serves index.html
            h.echo_roundtrip(self, c)
        self.assert_served("/", "index.html", "text/html; charset=utf-8")


class NoStaticDir(h.SharedHostMixin, unittest.TestCase):
    def test_plain_get_is_404_without_static_dir(self):
        for path in ("/", "/index.html"):
            self.assertEqual(get(self.host.port, path)[0], 404)
        with self.host.client() as c:
            h.echo_roundtrip(self, c)


if __name__ == "__main__":
    h.main()
