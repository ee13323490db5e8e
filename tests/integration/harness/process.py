"""A wshost process with a generated config: started, waited for through its
ready file, stopped, and checked (exit code, sanitizer reports, log format)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from .client import Client
from .config import with_test_settings
from .errors import HostError
from .json_log import check_json_log
from .paths import Paths, require
from .waits import wait_for_file

# Generous: the ASan+UBSan build is several times slower.
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",  # UBSan
    "WARNING: ThreadSanitizer",
)


def tail(path, max_bytes=6000):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return "<no log: %s>" % e
    text = data[-max_bytes:].decode("utf-8", "replace")
    return ("...\n" if len(data) > max_bytes else "") + text


def sanitizer_findings(log_path):
    try:
        with open(log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def read_ready_file(path):
    """Parses and checks a ready file: {"pid": int, "ws": int, ...}."""
    with open(path, "rb") as f:
        info = json.loads(f.read().decode("utf-8"))
    if not isinstance(info, dict):
        raise HostError("ready file is not a JSON object: %r" % (info,))
    for key in ("pid", "ws"):
        if type(info.get(key)) is not int:
            raise HostError("ready file %s: %r must be an integer: %r" % (path, key, info))
    if not 0 < info["ws"] < 65536:
        raise HostError("ready file %s: bad ws port %r" % (path, info["ws"]))
    return info


def host_env():
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)  # a test host never talks to a real service manager
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


class Host:
    """A wshost process with a generated config.

    with Host(config_text(...)) as h:      # waits for the ready file
        c = h.client()
    # on exit: SIGTERM, wait, and fail unless exit code 0 and no sanitizer report.
    """

    def __init__(self, config, name="host", args=(), nofile=None, env=None):
        self.config = config
        self.name = name
        self.args = list(args)
        self.env = dict(env or {})  # added to the host's environment
        self.nofile = nofile  # RLIMIT_NOFILE (soft = hard) for the host, e.g. to test the fd limit
        self.proc = None
        self.started_log_format = "text"
        self.port = None
        self.info = None
        self.returncode = None
        base = Paths.workdir or None
        if base:
            os.makedirs(base, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="wshost-%s-" % name, dir=base)
        self.config_path = os.path.join(self.dir, "wshost.toml")
        self.ready_path = os.path.join(self.dir, "ready.json")
        self.log_path = os.path.join(self.dir, "wshost.log")

    # -- lifecycle --
    def start(self):
        text = with_test_settings(self.config)
        with open(self.config_path, "w") as f:
            f.write(text)
        import tomllib
        try:
            self.started_log_format = tomllib.loads(text).get("log", {}).get("format", "text")
        except tomllib.TOMLDecodeError:
            self.started_log_format = "text"  # a test of a refused config
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                [require("wshost"), "--config", self.config_path, "--ready-file", self.ready_path]
                + self.args,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=dict(host_env(), **self.env), start_new_session=True, preexec_fn=self._limits)
        finally:
            log.close()
        try:
            ok = wait_for_file(self.ready_path, lambda: self.proc.poll() is None,
                               READY_TIMEOUT_S, "the host's ready file")
            if not ok:
                raise HostError("host exited with %s before it was ready; log:\n%s"
                                % (self.proc.returncode, self.log()))
            self.info = read_ready_file(self.ready_path)
            if self.info["pid"] != self.proc.pid:
                raise HostError("ready file pid %r != process pid %d"
                                % (self.info["pid"], self.proc.pid))
            self.port = self.info["ws"]
        except BaseException:
            self.kill()
            raise
        return self

    def _limits(self):
        if self.nofile is not None:
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=STOP_TIMEOUT_S):
        """Waits for exit; returns the exit code (negative: killed by a signal)."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise HostError("host did not exit within %.0f s; log:\n%s" % (timeout, self.log()))
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def check_clean_exit(self):
        """Fails unless the host exited 0 with no sanitizer report in its log."""
        problems = []
        if self.returncode != 0:
            problems.append("exit code %r (expected 0)" % self.returncode)
        findings = sanitizer_findings(self.log_path)
        if findings:
            problems.append("sanitizer reports: %s" % findings[:5])
        if self.log_format() == "json":
            _, bad = check_json_log(self.log_path)
            if bad:
                problems.append("%d log line(s) break the JSON format: %s" % (len(bad), bad[:5]))
        if problems:
            raise HostError("host %s: %s; log:\n%s" % (self.name, "; ".join(problems), self.log()))

    def log_format(self):
        """The [log] format this host was started with (tests may break the file later)."""
        return self.started_log_format

    def stop_and_check(self):
        self.stop()
        self.check_clean_exit()

    def log(self):
        return tail(self.log_path)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def cleanup_dir(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if self.proc is None:
            return False
        if self.proc.poll() is None:
            self.stop()
        else:
            self.returncode = self.proc.returncode
        if exc_type is None:
            self.check_clean_exit()
            self.cleanup_dir()
        else:
            sys.stderr.write("\n--- host %s log (%s) ---\n%s\n" % (self.name, self.log_path,
                                                                   self.log()))
        return False

    # -- clients --
    def client(self, **kw):
        return Client(self.port, **kw)
