"""Section f: the real engine, through the ``pulumi`` CLI, against the emulator.

- An unchanged ``pulumi preview`` of N meetings (after an ``up`` made them), wall time against the
  same program on ``benchmarks.noop``'s no-op dynamic provider with the same state, and the Graph
  requests it sent (none).
- The first ``pulumi up`` of P meetings, each with its appointment, with the emulator delaying every
  request: wall time against the ideal. Each meeting create is two requests (createOrGet, the join
  link), each appointment two (GET, PUT); the SDK's dynamic provider host serves 4 calls at once
  (its ``ThreadPoolExecutor(max_workers=4)``), below the engine's default parallelism, so the ideal
  is ``4 * P requests * latency / 4``. What is left over is the engine, the program and the host.
- The provider host's peak resident memory (``VmHWM``) during that ``up``, against the no-op's.

Needs the ``pulumi`` CLI on PATH (``scripts/build-pulumi-cli``); without it the section is left out
and says why. Each run gets a throwaway project, ``PULUMI_HOME`` and ``file://`` backend; the
emulator runs in its own process on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

from ._harness import ROOT, TOKEN, BenchmarkError, RemoteEmulator, Table, median

__all__ = ["available", "rows", "run", "HOST_WORKERS"]

HOST_WORKERS = 4
"""Calls the SDK's dynamic provider host serves at once (``sdk/python/lib/pulumi/dynamic/__main__.py``)."""

PROGRAM = '''\
import pulumi

config = pulumi.Config()
kind, count = config.require("kind"), config.require_int("count")
appointments = config.get_bool("appointments") or False
if kind == "noop":
    from benchmarks.noop import NoopResource
else:
    from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment

MEETING_OUT = ("onlineMeetingId", "joinWebUrl", "virtualAppointmentJoinWebUrl")
for i in range(count):
    props = {"externalId": f"bench-{i}", "subject": f"Consultation {i}", "adoptExisting": False}
    if kind == "noop":
        meeting = NoopResource(f"meeting-{i}", props, computed=MEETING_OUT)
        if appointments:
            NoopResource(f"appointment-{i}", {"onlineMeetingId": meeting.id, "adoptExisting": False,
                                               "settings": {"allowClientToJoinUsingBrowser": True}})
    else:
        meeting = OnlineMeeting(f"meeting-{i}", external_id=props["externalId"], subject=props["subject"])
        if appointments:
            VirtualAppointment(f"appointment-{i}", online_meeting_id=meeting.online_meeting_id,
                               settings={"allow_client_to_join_using_browser": True})
'''


def available() -> Optional[str]:
    """``None`` when the section can run, else why not."""
    if shutil.which("pulumi") is None:
        return "the pulumi CLI is not on PATH (PATH=\"$(scripts/build-pulumi-cli):$PATH\" puts it there)"
    return None


class _Project:
    """A throwaway project on a local backend, the CLI run against the emulator."""

    def __init__(self, emulator: RemoteEmulator, **config: Any):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-engine-"))
        (self.dir / "Pulumi.yaml").write_text(
            f"name: bench\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n")
        (self.dir / "__main__.py").write_text(PROGRAM)
        (self.dir / "backend").mkdir()
        path = os.environ.get("PYTHONPATH")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "MSGRAPH_", "AZURE_"))}
        self.env.update(PULUMI_HOME=str(self.dir / "home"), PULUMI_BACKEND_URL=(self.dir / "backend").as_uri(),
                        PULUMI_CONFIG_PASSPHRASE="bench", PULUMI_SKIP_UPDATE_CHECK="true",
                        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true", PULUMI_PYTHON_CMD=sys.executable,
                        PYTHONPATH=f"{ROOT}{os.pathsep}{path}" if path else str(ROOT))  # benchmarks.noop
        self.run("stack", "init", "bench")
        self.run("config", "set", "msgraph:endpoint", emulator.url)
        self.run("config", "set", "--secret", "msgraph:accessToken", TOKEN)
        for key, value in config.items():
            self.run("config", "set", key, str(value).lower() if isinstance(value, bool) else str(value))

    def run(self, *args: str, watch: Optional["_HostMemory"] = None) -> float:
        """Seconds the command took; ``BenchmarkError`` if it failed."""
        started = time.perf_counter()
        process = subprocess.Popen(["pulumi", *args, "--non-interactive", "--color", "never"], cwd=self.dir,
                                   env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if watch is not None:
            watch.start(process.pid)
        output, _ = process.communicate(timeout=3600)
        seconds = time.perf_counter() - started
        if watch is not None:
            watch.stop()
        if process.returncode != 0:
            raise BenchmarkError(f"pulumi {' '.join(args)} exited {process.returncode}: {output[-3000:]}")
        return seconds

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class _HostMemory:
    """The peak resident set (VmHWM, KiB) of the provider hosts a CLI process starts, polled."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self, cli_pid: int) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, args=(cli_pid,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _poll(self, cli_pid: int) -> None:
        while not self._stop.wait(0.05):
            for pid in _descendants(cli_pid):
                try:
                    if b"pulumi.dynamic" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except (OSError, ValueError):
                    continue


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def rows(sizes: tuple[int, int], pairs: int, latency: float) -> list[str]:
    return [
        *(f"unchanged `pulumi preview`, {n:,} meetings" for n in sizes),
        f"first `pulumi up`, {pairs:,} meetings + {pairs:,} appointments at {latency * 1000:g} ms",
        f"provider host peak memory, that `up`",
    ]


def _preview(emulator: RemoteEmulator, kind: str, n: int, repeats: int) -> tuple[float, int]:
    project = _Project(emulator, kind=kind, count=n)
    try:
        project.run("up", "--yes", "--skip-preview")
        emulator.clear_requests()
        seconds = median([project.run("preview") for _ in range(repeats)])
        return seconds, len(emulator.requests())
    finally:
        project.run("destroy", "--yes", "--skip-preview")
        project.close()


def _first_up(emulator: RemoteEmulator, kind: str, pairs: int, latency: float) -> tuple[float, int, int]:
    project = _Project(emulator, kind=kind, count=pairs, appointments=True)
    memory = _HostMemory()
    try:
        emulator.clear_requests()
        emulator.set_latency(latency if kind != "noop" else 0)
        try:
            seconds = project.run("up", "--yes", "--skip-preview", watch=memory)
        finally:
            emulator.set_latency(0)
        return seconds, len(emulator.requests()), memory.peak_kb
    finally:
        project.run("destroy", "--yes", "--skip-preview")
        project.close()


def run(emulator: RemoteEmulator, sizes: tuple[int, int], pairs: int, latency: float, repeats: int) -> tuple[list[Table], dict]:
    """Section f's table and its figures."""
    reason = available()
    if reason:
        raise BenchmarkError(reason)
    table_rows, figures = [], {}
    labels = rows(sizes, pairs, latency)
    for label, n in zip(labels, sizes):
        ours, requests = _preview(emulator, "meeting", n, repeats)
        noop, _ = _preview(emulator, "noop", n, repeats)
        if requests:
            raise BenchmarkError(f"an unchanged preview of {n} meetings sent {requests} Graph requests")
        figures[f"preview_{n}"] = ours / noop
        table_rows.append([label, f"{ours:.2f} s", f"{noop:.2f} s", f"{ours / noop:.2f}x", requests])
    seconds, requests, peak = _first_up(emulator, "meeting", pairs, latency)
    noop_seconds, _, noop_peak = _first_up(emulator, "noop", pairs, latency)
    if requests != 4 * pairs:
        raise BenchmarkError(f"the first up of {pairs} pairs sent {requests} Graph requests, not {4 * pairs}")
    ideal = requests * latency / HOST_WORKERS
    figures["up_vs_ideal"] = seconds / ideal
    figures["host_mb"], figures["noop_host_mb"] = peak / 1024, noop_peak / 1024
    table_rows.append([labels[2], f"{seconds:.1f} s", f"ideal {ideal:.1f} s (no-op program: {noop_seconds:.1f} s)",
                       f"{seconds / ideal:.2f}x", requests])
    table_rows.append([labels[3], f"{peak / 1024:.0f} MB", f"{noop_peak / 1024:.0f} MB",
                       f"{peak / noop_peak:.2f}x" if noop_peak else "-", "-"])
    note = (f"Previews: median of {repeats} `pulumi preview` runs of a stack the program's `up` made, against the same "
            "program on a no-op dynamic provider with the same state (`benchmarks.noop`); wall time includes the "
            "CLI, the language host, the program and the provider host starting. The first `up` is bounded by the "
            f"SDK's dynamic provider host, which serves {HOST_WORKERS} calls at once: its ideal is {requests} requests "
            f"x {latency * 1000:g} ms / {HOST_WORKERS}; the same `up` of the no-op program (no network) shows what starting the CLI, the program and the hosts and registering the resources costs on its own. Peak memory is the provider host's VmHWM, polled every 50 ms; "
            "the no-op column is the same program on the no-op provider (no network).")
    return [Table(None, ["measure", "this provider", "no-op provider / ideal", "ratio", "Graph requests"],
                  table_rows, note)], figures
