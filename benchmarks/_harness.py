"""What every section shares: the emulator plus the SDK's provider host, figures, tables.

The provider host is ``tests/engine.py``'s ``ProviderServer`` (``python -m pulumi.dynamic`` in a
subprocess, driven over gRPC), started with the repository root on its ``PYTHONPATH`` so it can
unpickle the benchmark's own providers (``benchmarks.noop``, ``benchmarks.fullbody``) as well as
the real one.

The emulator runs in its own process too (``python -m pulumi_virtualappointment.emulator``),
steered through its admin API. In the benchmark's process it would share the GIL with the
thread waiting on gRPC, which measurably slows its answers to the provider host (about 0.9 ms
per request on 2 cores) but not to a bare client run from a subprocess, and so would bias the
overhead figures. Everything listens on 127.0.0.1 and is stopped on exit.
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
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from engine import Engine, ProviderServer, from_struct, to_struct  # noqa: E402  (tests/engine.py, reused)
from pulumi.dynamic.dynamic import serialize_provider  # noqa: E402

from pulumi_virtualappointment import VirtualAppointmentProvider  # noqa: E402

from .fullbody import FullBodyProvider  # noqa: E402
from .noop import BarePatchProvider, NoopProvider  # noqa: E402

__all__ = [
    "Engine", "ProviderServer", "from_struct", "to_struct",
    "ROOT", "TOKEN", "URN_PREFIX", "OURS", "FULL", "NOOP", "BARE", "RemoteEmulator", "served", "subprocess_env",
    "median", "table", "machine",
]

TOKEN = "benchmark-token"
URN_PREFIX = "urn:pulumi:bench::bench::pulumi-python:dynamic:Resource::"
OURS = serialize_provider(VirtualAppointmentProvider())
"""The ``__provider`` string each VirtualAppointment registers."""
FULL = serialize_provider(FullBodyProvider())
NOOP = serialize_provider(NoopProvider())
BARE = serialize_provider(BarePatchProvider())


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
                   "--host", "127.0.0.1", "--port", "0", "--token", TOKEN]
        self._stderr = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty server never blocks
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        line = self.process.stdout.readline()  # "Graph emulator listening on http://127.0.0.1:PORT (beta); ..."
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not found:
            self.process.wait(timeout=10)
            self._stderr.seek(0)
            error = self._stderr.read()[-2000:]
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r} {error}")
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
        response.raise_for_status()
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
def served() -> Iterator[tuple[RemoteEmulator, ProviderServer]]:
    """An emulator on 127.0.0.1 and one provider host configured against it."""
    with RemoteEmulator() as emulator:
        config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
        with ProviderServer(config, env=subprocess_env()) as server:
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


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("CPU", _cpu_model()),
        ("cores", f"{usable} usable ({os.cpu_count()} online)"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("pulumi SDK", _version("pulumi")),
        ("grpcio / requests / urllib3 / werkzeug",
         " / ".join(_version(n) for n in ("grpcio", "requests", "urllib3", "werkzeug"))),
    ]
