"""Helpers for the wshost integration tests: start a real host, talk WebSocket.

A façade over the package `harness/` (one module per concern, listed in its
__init__.py); test files keep importing `wshost_harness`. Runs under
/usr/bin/python3 with Debian's python3-websocket. Nothing here sleeps to
synchronise: the host is ready when its ready file appears (polled with a
deadline), and clients wait on frames with timeouts.
"""

from harness.client import RECV_TIMEOUT_S, Client, ServerClosed, parse_close  # noqa: F401
from harness.config import (DEFAULT_PLUGINS, PLUGIN_EXTRA, TEST_EVENT_LOOP, TEST_FRAME_READER,  # noqa: F401
                            TEST_LOG_FORMAT, config_text, plugin_section, section, toml_str, with_default,
                            with_event_loop, with_log_format, with_test_settings)
from harness.errors import HostError  # noqa: F401
from harness.fixture import FixtureHost, HostPerClass, SharedHostMixin, stop_checked  # noqa: F401
from harness.json_log import (LOG_EVENT, LOG_LEVELS, LOG_OPTIONAL_STRINGS, LOG_TS,  # noqa: F401
                              check_json_log, json_log_line_problem)
from harness.paths import Paths, add_path_args, apply_path_args, main, require  # noqa: F401
from harness.process import (READY_TIMEOUT_S, SANITIZER_MARKERS, STOP_TIMEOUT_S, Host,  # noqa: F401
                             host_env, read_ready_file, sanitizer_findings, tail)
from harness.responses import NO_RID, assert_error, assert_success, echo_roundtrip  # noqa: F401
from harness.strict_json import strict_json  # noqa: F401
from harness.waits import wait_for_file, wait_for_log, wait_until  # noqa: F401
