"""A provider that writes a lot to its host's stdout and stderr, for the testing module's tests
(importable by the SDK's host with tests/ on its PYTHONPATH)."""

import sys

from pulumi_virtualappointment._appointment import APPOINTMENT
from pulumi_virtualappointment._engine import KindProvider

WRITTEN = 300 * 1024
"""More than a pipe holds (64 KiB on Linux): a host whose output nobody reads blocks on it."""


class ChattyProvider(KindProvider):
    kind = APPOINTMENT

    def check(self, olds, news):
        for stream in (sys.stdout, sys.stderr):
            stream.write("x" * (WRITTEN - len("the end\n")) + "the end\n")
            stream.flush()
        return super().check(olds, news)
