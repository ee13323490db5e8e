"""CTest fixture for the shared integration host.

  host_fixture.py start --state DIR [path options]   (FIXTURES_SETUP)
  host_fixture.py stop  --state DIR                  (FIXTURES_CLEANUP)

`start` launches a detached monitor process that runs wshost with the default
test config (port 0), writes the host's pid, waits for the host to exit and
records its exit code in DIR/exit.json. `start` returns once the host's ready
file DIR/ready.json exists (bounded wait) and fails if the host died first.

`stop` sends SIGTERM to the host, waits for exit.json and FAILS unless the exit
code is 0, the log (DIR/wshost.log) holds no sanitizer report, and every line
of it is a JSON log line (the fixture host logs JSON at debug level).

The monitor also ends a forgotten host after WSHOST_FIXTURE_MAX_S seconds
(default 1800) so an interrupted ctest run leaves nothing behind.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wshost_harness as h  # noqa: E402


def write_json_atomic(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def files(state):
    return {name: os.path.join(state, name) for name in
            ("wshost.toml", "ready.json", "wshost.log", "host.pid", "exit.json", "monitor.log")}


def is_wshost(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"wshost" in f.read()
    except OSError:
        return False


def stop_leftover(f):
    """A host left by an interrupted earlier run (cleanup never ran) is ended."""
    try:
        with open(f["host.pid"]) as fp:
            pid = int(fp.read())
    except (OSError, ValueError):
        return
    if os.path.exists(f["exit.json"]) or not is_wshost(pid):
        return
    print("host_fixture: ending leftover host pid %d from an earlier run" % pid)
    os.kill(pid, signal.SIGKILL)
    # Its monitor records the exit; let it finish before the files are reset.
    try:
        h.wait_for_file(f["exit.json"], lambda: True, 10, "the leftover host's monitor")
    except h.HostError as e:
        print("host_fixture: %s" % e)


def cmd_start(state):
    os.makedirs(state, exist_ok=True)
    f = files(state)
    stop_leftover(f)
    for path in f.values():
        if os.path.exists(path):
            os.unlink(path)
    with open(f["wshost.toml"], "w") as fp:
        # JSON lines at debug level: `stop` parses every line the host wrote
        # while the shared suites ran against it (README, "Logs").
        fp.write(h.with_log_format(h.with_test_settings(h.config_text(extra='[log]\nlevel = "debug"')), "json"))

    argv = [sys.executable, os.path.abspath(__file__), "monitor", "--state", state,
            "--wshost", h.require("wshost")]
    with open(f["monitor.log"], "wb") as mlog:
        monitor = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=mlog,
                                   stderr=subprocess.STDOUT, start_new_session=True)

    def alive():
        return not os.path.exists(f["exit.json"]) and monitor.poll() in (None, 0)

    try:
        ok = h.wait_for_file(f["ready.json"], alive, h.READY_TIMEOUT_S, "the host's ready file")
    except h.HostError as e:
        print("host_fixture: %s" % e)
        kill_from_pidfile(f)
        print(h.tail(f["wshost.log"]))
        return 1
    if not ok:
        print("host_fixture: the host exited before it was ready")
        print("exit: %s" % (h.tail(f["exit.json"])))
        print("monitor log:\n%s" % h.tail(f["monitor.log"]))
        print("host log:\n%s" % h.tail(f["wshost.log"]))
        return 1
    info = h.read_ready_file(f["ready.json"])
    with open(f["host.pid"]) as fp:
        pid = int(fp.read())
    if info["pid"] != pid:
        print("host_fixture: ready file pid %r != host pid %d" % (info["pid"], pid))
        kill_from_pidfile(f)
        return 1
    print("host_fixture: host pid %d ready on ws port %d (state %s)" % (pid, info["ws"], state))
    return 0


def kill_from_pidfile(f):
    try:
        with open(f["host.pid"]) as fp:
            pid = int(fp.read())
        if is_wshost(pid):
            os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def cmd_monitor(state):
    f = files(state)
    max_s = float(os.environ.get("WSHOST_FIXTURE_MAX_S", "1800"))
    with open(f["wshost.log"], "wb") as log:
        proc = subprocess.Popen(
            [h.require("wshost"), "--config", f["wshost.toml"], "--ready-file", f["ready.json"]],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=h.host_env())
    tmp = f["host.pid"] + ".tmp"
    with open(tmp, "w") as fp:
        fp.write(str(proc.pid))
    os.replace(tmp, f["host.pid"])
    watchdog = False
    try:
        rc = proc.wait(timeout=max_s)
    except subprocess.TimeoutExpired:
        watchdog = True
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=h.STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    write_json_atomic(f["exit.json"], {"returncode": rc, "watchdog": watchdog})
    return 0


def cmd_stop(state):
    f = files(state)
    try:
        with open(f["host.pid"]) as fp:
            pid = int(fp.read())
    except (OSError, ValueError) as e:
        print("host_fixture: no host pid (%s): did the setup test run?" % e)
        return 1
    problems = []
    if os.path.exists(f["exit.json"]):
        problems.append("the host had exited before the cleanup (crash?)")
    elif is_wshost(pid):
        os.kill(pid, signal.SIGTERM)
    if not problems:  # raises HostError when the host does not exit in time
        h.wait_for_file(f["exit.json"], lambda: True, h.STOP_TIMEOUT_S + 5,
                        "the host to exit after SIGTERM")
    with open(f["exit.json"]) as fp:
        result = json.load(fp)
    rc = result.get("returncode")
    if rc != 0:
        problems.append("exit code %r (expected 0)" % rc)
    findings = h.sanitizer_findings(f["wshost.log"])
    if findings:
        problems.append("sanitizer reports in the log: %s" % findings[:5])
    lines, bad = h.check_json_log(f["wshost.log"])
    if bad:
        problems.append("%d of %d log lines break the JSON format: %s" % (len(bad), lines, bad[:5]))
    if problems:
        print("host_fixture: FAILED: %s" % "; ".join(problems))
        print("host log (%s):\n%s" % (f["wshost.log"], h.tail(f["wshost.log"], 20000)))
        return 1
    print("host_fixture: host pid %d exited 0 after SIGTERM, no sanitizer reports, %d JSON log lines parsed"
          % (pid, lines))
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("start", "stop", "monitor"))
    parser.add_argument("--state", required=True)
    h.add_path_args(parser)
    ns = parser.parse_args()
    h.apply_path_args(ns)
    state = os.path.abspath(ns.state)
    if ns.command == "start":
        return cmd_start(state)
    if ns.command == "monitor":
        return cmd_monitor(state)
    try:
        return cmd_stop(state)
    except h.HostError as e:
        print("host_fixture: %s" % e)
        kill_from_pidfile(files(state))
        print(h.tail(files(state)["wshost.log"], 20000))
        return 1


if __name__ == "__main__":
    sys.exit(main())
