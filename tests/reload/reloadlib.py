"""Helpers for the reload tests (DESIGN §7), on top of tests/integration/wshost_harness.py.

Deploys plugins the way operators must: copy the wanted .so to a temporary file
in the plugin directory, then os.rename() it over the live name (never
overwrite a loaded file in place, LWS-NOTES T20), then SIGHUP. The result of a
reload attempt is read from the host's log (`reload generation=N ok` /
`reload generation=N failed: ...`), polled with a deadline.

Paths come from the command line (see main()), falling back to environment
variables:
  --wshost   WSHOST_BIN            the host binary
  --fixtures WSHOST_RELOAD_FIXTURES the directory holding verkit_v1.so, verkit_v2.so,
                                   verkit_broken.so, verkit_badabi.so, verdup.so
  --echo     WSHOST_ECHO           plugins/echo.so
  --rooms    WSHOST_ROOMS          plugins/rooms.so
  --workdir  WSHOST_WORKDIR        where hosts keep their files
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import websocket  # noqa: F401,E402  (Debian's python3-websocket: required, never a skip)

import wshost_harness as h  # noqa: E402

# Generous: the ASan+UBSan build is several times slower.
RELOAD_TIMEOUT_S = 60.0

RESULT_RX = re.compile(r"reload generation=(\d+) (ok|failed)([^\n]*)")


class RPaths:
    fixtures = os.environ.get("WSHOST_RELOAD_FIXTURES", "")
    rooms = os.environ.get("WSHOST_ROOMS", "")


def main():
    parser = argparse.ArgumentParser(add_help=False)
    for name in ("wshost", "echo", "workdir", "fixtures", "rooms"):
        parser.add_argument("--" + name, dest=name, default=None)
    ns, rest = parser.parse_known_args()
    for key in ("wshost", "echo", "workdir"):
        if getattr(ns, key):
            setattr(h.Paths, key, getattr(ns, key))
    for key in ("fixtures", "rooms"):
        if getattr(ns, key):
            setattr(RPaths, key, getattr(ns, key))
    prog = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun and len(result.skipped) == result.testsRun:
        sys.exit(77)  # CTest SKIP_RETURN_CODE: everything skipped
    sys.exit(0)


def fixture(variant):
    """Absolute path of a fixture build: a verkit variant (v1, v2, broken, badabi),
    verdup, or a cfgkit build (cfgkit_v1, cfgkit_v2, cfgkit_b)."""
    if not RPaths.fixtures:
        raise RuntimeError("missing path: pass --fixtures or set WSHOST_RELOAD_FIXTURES")
    if variant == "verdup" or variant.startswith("cfgkit"):
        name = variant + ".so"
    else:
        name = "verkit_%s.so" % variant
    path = os.path.abspath(os.path.join(RPaths.fixtures, name))
    if not os.path.exists(path):
        raise RuntimeError("fixture %s does not exist (build the target first)" % path)
    return path


def example_plugin(name):
    path = {"echo": h.Paths.echo, "rooms": RPaths.rooms}[name]
    if not path or not os.path.exists(path):
        raise RuntimeError("missing path for the %s plugin: pass --%s" % (name, name))
    return os.path.abspath(path)


def atomic_write(path, data):
    """Writes `data` (bytes or str) to `path` through a temporary file + rename."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def free_port():
    """A TCP port that was free a moment ago (for the restart-required test)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def port_refuses(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        return True
    finally:
        s.close()
    return False


class ReloadHost(h.Host):
    """A host whose plugins live in its own plugin directory (`plugin_dir`).

    `plugins` is a list of (name, file name in plugin_dir, extra TOML lines).
    verkit.so starts as the `initial` fixture variant.
    """

    def __init__(self, name, initial="v1", plugins=None, websocket_lines=(), server_lines=(),
                 extra_top=(), args=()):
        super().__init__("", name=name, args=args)
        self.plugin_dir = os.path.join(self.dir, "plugins")
        os.makedirs(self.plugin_dir)
        self.ws_lines = list(websocket_lines)
        self.server_lines = list(server_lines)
        self.extra_top = list(extra_top)
        self.plugins = list(plugins) if plugins is not None else [("verkit", "verkit.so", [])]
        if initial:
            self.deploy(initial)
        for pname, fname, _ in self.plugins:
            if pname in ("echo", "rooms"):
                shutil.copyfile(example_plugin(pname), os.path.join(self.plugin_dir, fname))
        self.config = self.render()

    # -- configuration --
    def render(self, port=0, websocket_lines=None, plugins=None, extra_top=None, server_lines=None):
        lines = ["# generated by tests/reload/reloadlib.py",
                 "plugin_dir = " + h.toml_str(self.plugin_dir)]
        lines += list(self.extra_top if extra_top is None else extra_top)
        lines += ["", "[server]", 'address = "127.0.0.1"', "port = %d" % port, 'path = "/"',
                  "event_loop = " + h.toml_str(h.TEST_EVENT_LOOP)]
        if h.TEST_FRAME_READER:  # restart-only: every rewrite keeps the one the host started with
            lines += ["frame_reader = " + h.toml_str(h.TEST_FRAME_READER)]
        lines += list(self.server_lines if server_lines is None else server_lines)
        lines += ["", "[control]", "enabled = false", ""]
        ws = self.ws_lines if websocket_lines is None else websocket_lines
        if ws:
            lines += ["[websocket]"] + list(ws) + [""]
        for pname, fname, extra in (self.plugins if plugins is None else plugins):
            lines += ["[[plugin]]", "name = " + h.toml_str(pname), "path = " + h.toml_str(fname)]
            lines += list(extra)
            lines.append("")
        return "\n".join(lines)

    def write_config(self, text):
        """Replaces the config file (temp file + rename), as an operator's tool would."""
        atomic_write(self.config_path, text)

    # -- plugins --
    def deploy(self, variant, as_name="verkit.so"):
        """Installs a fixture variant as plugin_dir/as_name: copy to a temp file in
        the plugin directory, then rename() over the live name."""
        with open(fixture(variant), "rb") as f:
            data = f.read()
        atomic_write(os.path.join(self.plugin_dir, as_name), data)

    # -- reloads --
    def log_size(self):
        return os.path.getsize(self.log_path)

    def reload(self, expect=None, timeout=RELOAD_TIMEOUT_S):
        """SIGHUP, then waits for the next `reload generation=N ok|failed` line.
        Returns (generation, status, rest of that line, log text since the signal)."""
        since = self.log_size()
        self.send_signal(signal.SIGHUP)
        return self.wait_result(since, expect, timeout)

    def wait_result(self, since, expect=None, timeout=RELOAD_TIMEOUT_S):
        text = h.wait_for_log(self, RESULT_RX.pattern, since=since, timeout=timeout)
        m = RESULT_RX.search(text)
        gen, status, rest = int(m.group(1)), m.group(2), m.group(3)
        if expect is not None and status != expect:
            raise AssertionError("reload: expected %s, got %r; log since the signal:\n%s"
                                 % (expect, m.group(0), text[-6000:]))
        return gen, status, rest, text

    # -- process inspection --
    def mapped_plugin_lines(self, needle="wshost:verkit"):
        with open("/proc/%d/maps" % self.proc.pid) as f:
            return [line for line in f if needle in line]

    def mapped_plugin_files(self, needle="wshost:verkit"):
        """Distinct mapped files (by inode) whose name contains `needle`."""
        inodes = set()
        for line in self.mapped_plugin_lines(needle):
            parts = line.split()
            if len(parts) >= 5:
                inodes.add(parts[4])
        return len(inodes)

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def check_no_sanitizer_reports(self):
        found = h.sanitizer_findings(self.log_path)
        if found:
            raise AssertionError("sanitizer reports in the host log: %s" % found[:5])


def check_config_errors(wshost, config_path):
    """Runs `wshost --check-config` and returns (exit code, its FILE:LINE:COL lines)."""
    p = subprocess.run([wshost, "--check-config", config_path], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                       env=h.host_env())
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    rx = re.compile(r"^(?:.*? (?:ERROR|WARN|INFO) )?(/.+?:\d+:\d+: .*)$")
    lines = []
    for line in out.splitlines():
        m = rx.match(line)
        if m:
            lines.append(m.group(1))
    return p.returncode, lines, out


def req(action, rid, payload=None):
    frame = {"action": action, "requestId": rid}
    if payload is not None:
        frame["payload"] = payload
    return json.dumps(frame, separators=(",", ":"))


def version_of(test, client, rid):
    """One `version` request; returns the version string (asserting the shape)."""
    resp = client.request(req("version", rid))
    test.assertEqual(resp.get("status"), "success", resp)
    test.assertEqual(resp.get("requestId"), rid, resp)
    return resp["payload"]["version"]


wait_until = h.wait_until


def small_buffer_client(host, rcvbuf=4096, timeout=h.RECV_TIMEOUT_S):
    """A harness Client whose socket has a small receive buffer (set before the
    connect, so the kernel does not grow it): what it does not read stays in
    the host's send queue instead of the kernel's buffers. UTF-8 validation of
    text frames is skipped: websocket-client does it in pure Python (~1 us a
    byte), which makes megabytes of pushes slow to read."""
    import socket as _socket
    client = h.Client.__new__(h.Client)
    client.url = "ws://127.0.0.1:%d/" % host.port
    client.timeout = timeout
    client.ws = websocket.create_connection(
        client.url, timeout=timeout, skip_utf8_validation=True,
        sockopt=((_socket.SOL_SOCKET, _socket.SO_RCVBUF, rcvbuf),))
    return client
