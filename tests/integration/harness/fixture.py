"""Hosts shared by a test class: the CTest fixture host, or one per class."""

import os
import unittest

from .client import Client
from .config import config_text
from .errors import HostError
from .paths import Paths
from .process import Host, read_ready_file, tail


class FixtureHost:
    """The host started by the CTest fixture (tests/integration/host_fixture.py)."""

    def __init__(self, state_dir):
        self.dir = state_dir
        self.info = read_ready_file(os.path.join(state_dir, "ready.json"))
        self.port = self.info["ws"]
        self.log_path = os.path.join(state_dir, "wshost.log")

    def client(self, **kw):
        exit_path = os.path.join(self.dir, "exit.json")
        if os.path.exists(exit_path):
            raise HostError("the fixture host has exited (%s); its log:\n%s"
                            % (tail(exit_path), self.log()))
        return Client(self.port, **kw)

    def log(self):
        return tail(self.log_path)


class SharedHostMixin:
    """For test classes that can share one host with the default config: the CTest
    fixture host when --fixture-state is given, else one host per class."""

    host = None
    _own_host = None

    @classmethod
    def setUpClass(cls):
        if Paths.fixture_state:
            cls.host = FixtureHost(Paths.fixture_state)
        else:
            cls._own_host = Host(config_text(), name=cls.__name__).start()
            cls.host = cls._own_host

    @classmethod
    def tearDownClass(cls):
        if cls._own_host is not None:
            h, cls._own_host = cls._own_host, None
            stop_checked(h)


def stop_checked(host):
    """Stops `host`, fails unless it exited 0 with no sanitizer report, and
    removes its directory (kept when the check fails, for its log)."""
    host.stop_and_check()
    host.cleanup_dir()


class HostPerClass(unittest.TestCase):
    """One host per test class from the config text `cls.config()`: started in
    setUpClass (`cls.host`, `cls.port`), stopped in tearDownClass, which fails
    unless it exits 0 with no sanitizer report."""

    host = None
    port = None

    @classmethod
    def config(cls):
        raise NotImplementedError("%s.config() must return the host's config text" % cls.__name__)

    @classmethod
    def setUpClass(cls):
        cls.host = Host(cls.config(), name=cls.__name__).start()
        cls.port = cls.host.port

    @classmethod
    def tearDownClass(cls):
        h, cls.host = cls.host, None
        if h is not None:
            stop_checked(h)
