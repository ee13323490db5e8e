"""Failures of a host process (as opposed to a wrong answer on the wire)."""


class HostError(AssertionError):
    pass
