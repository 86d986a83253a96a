"""What every section shares: the emulator, the SDK's provider host, tables, the machine.

The provider host is ``pulumi_virtualappointment.testing.ProviderHost`` (``python -m
pulumi.dynamic`` in a subprocess, driven over gRPC), started with the repository root on its
``PYTHONPATH`` so it can unpickle the benchmark's own providers (``benchmarks.noop``,
``benchmarks.fullbody``) as well as the real ones. Section a drives it through the package's
engine stand-in (``testing.Engine``), which starts one host per deployment as the engine does.

The emulator runs in its own process too (``python -m pulumi_virtualappointment.emulator``),
steered through its admin API. In the benchmark's process it would share the GIL with the
thread waiting on gRPC, which measurably slows its answers to the provider host (about 0.9 ms
per request on 2 cores) but not to a bare client run from a subprocess, and so would bias the
overhead figures. It runs with ``--implicit-meetings``: an appointment benchmarked on its own
needs no meeting created first (the request counts are the same either way). Everything
listens on 127.0.0.1 and is stopped on exit.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import requests

from pulumi_virtualappointment.testing import ProviderHost

__all__ = [
    "ROOT", "TOKEN", "URN_PREFIX", "BenchmarkError", "Table", "RemoteEmulator", "served", "subprocess_env",
    "median", "table", "machine", "MACHINE_ROWS",
]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "benchmark-token"
URN_PREFIX = "urn:pulumi:bench::bench::pulumi-python:dynamic:Resource::"


class BenchmarkError(Exception):
    """A section cannot give its figures (a provider failed, a baseline failed, a row is missing)."""


@dataclass
class Table:
    """One printed table: its heading, column names and rows (the first cell names the row).

    ``heading`` ``None``: the section's only table, printed under the section's own heading."""

    heading: Optional[str]
    columns: Sequence[str]
    rows: list[list[Any]]
    note: str = ""

    @property
    def labels(self) -> list[str]:
        return [str(row[0]) for row in self.rows]

    def render(self) -> str:
        text = table(self.columns, self.rows)
        return f"{text}\n\n{self.note}" if self.note else text


def subprocess_env() -> dict[str, str]:
    """The environment for child processes: the repository root importable (``benchmarks``)."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


class RemoteEmulator:
    """The emulator's own CLI in a subprocess on 127.0.0.1, with the in-process API's names."""

    def __init__(self) -> None:
        self.process: Optional[subprocess.Popen] = None
        self.url = ""
        self._admin = requests.Session()
        self._admin.headers["Authorization"] = f"Bearer {TOKEN}"  # admin routes need the --token too

    def start(self) -> "RemoteEmulator":
        command = [sys.executable, "-m", "pulumi_virtualappointment.emulator",
                   "--host", "127.0.0.1", "--port", "0", "--token", TOKEN, "--implicit-meetings"]
        self._stderr = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty server never blocks
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        line = self.process.stdout.readline()  # "Graph emulator listening on http://127.0.0.1:PORT ..."
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not found:
            self.process.wait(timeout=10)
            self._stderr.seek(0)
            error = self._stderr.read()[-2000:]
            self.stop()
            raise BenchmarkError(f"the emulator did not start: {line!r} {error}")
        self.url = found.group(1)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process.stdout.close()
            self._stderr.close()
            self.process = None
        self._admin.close()

    def __enter__(self) -> "RemoteEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _call(self, method: str, route: str, body: Any = None) -> Any:
        response = self._admin.request(method, f"{self.url}/_emulator/{route}", json=body, timeout=60)
        if not response.ok:
            raise BenchmarkError(f"emulator admin {method} {route} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def requests(self) -> list[dict[str, Any]]:
        """The request log (see the emulator's ``_log``), oldest first."""
        return self._call("GET", "requests")

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def seed(self, path: str, entity: dict) -> str:
        """Create or replace an appointment directly; returns its ETag."""
        return self._call("PUT", f"appointments/{path}", entity)["etag"]

    def set_latency(self, seconds: float) -> None:
        """Delay every Graph request by ``seconds`` (0 turns it off)."""
        self._call("POST", "faults", {"rates": {"latency": seconds}})

    @property
    def etag_on_write(self) -> bool:
        return self._call("GET", "settings")["etagOnWrite"]

    @etag_on_write.setter
    def etag_on_write(self, value: bool) -> None:
        self._call("PATCH", "settings", {"etagOnWrite": bool(value)})

    @contextlib.contextmanager
    def switched(self, **switches: bool) -> Iterator[None]:
        """The admin settings (``etagOnWrite``, ``meetingEtags``, ...) set for a block, then restored."""
        if not switches:
            yield
            return
        before = self._call("GET", "settings")
        self._call("PATCH", "settings", switches)
        try:
            yield
        finally:
            self._call("PATCH", "settings", {name: before[name] for name in switches})


@contextlib.contextmanager
def served() -> Iterator[tuple[RemoteEmulator, ProviderHost]]:
    """An emulator on 127.0.0.1 and one provider host configured against it."""
    with RemoteEmulator() as emulator:
        config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
        with ProviderHost(config, env=subprocess_env()) as server:
            yield emulator, server


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table; cells are written as given (callers format numbers)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cli_version() -> str:
    try:
        return subprocess.run(["pulumi", "version"], capture_output=True, text=True, timeout=60).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "not on PATH"


MACHINE_ROWS = ("CPU", "cores", "OS", "Python", "pulumi SDK", "pulumi CLI", "grpcio / requests / urllib3 / werkzeug")
"""The rows of the machine table, in order."""


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    values = [
        _cpu_model(),
        f"{usable} usable ({os.cpu_count()} online)",
        f"{platform.system()} {platform.release()}",
        platform.python_version(),
        _version("pulumi"),
        _cli_version(),
        " / ".join(_version(n) for n in ("grpcio", "requests", "urllib3", "werkzeug")),
    ]
    return list(zip(MACHINE_ROWS, values, strict=True))
