"""Section e: many updates with Graph latency at the provider host's concurrency.

The SDK's provider host serves gRPC from a pool of 4 worker threads, so at most 4 calls run at
once however many the engine sends. Callers here are threads sharing one gRPC channel, each
taking the next prepared Update (one resource each, recorded ETag correct) until all are done.
The emulator (werkzeug, a thread per connection) sleeps ``latency`` in every Graph request before
answering. Ideal wall time: N x latency / parallelism, parallelism = min(callers, 4): one request
per update, so a strategy that makes two shows as about 2x.

Every Update must succeed: one that fails makes the section fail, with its error.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from pulumi.runtime.proto import provider_pb2

from pulumi_virtualappointment.testing import to_struct

from ._harness import URN_PREFIX, BenchmarkError, Table
from .cases import APPOINTMENT, BARE, FULL, MEETING_ETAGS, OURS, OURS_MEETING, attendees, clients

__all__ = ["run", "rows", "HOST_WORKERS", "RUNS"]

HOST_WORKERS = 4
"""``futures.ThreadPoolExecutor(max_workers=4)`` in ``pulumi/dynamic/__main__.py``."""


@dataclass(frozen=True)
class Run:
    label: str
    resource: str  # appointment, meeting
    provider: str
    callers: int
    few: bool = False
    """A fifth of the updates (at least 8): one caller takes that long per update."""
    switches: Mapping[str, bool] = field(default_factory=dict)


RUNS = (
    Run("VirtualAppointment, 1 caller", "appointment", OURS, 1, few=True),
    Run("VirtualAppointment, 4 callers", "appointment", OURS, HOST_WORKERS),
    Run("VirtualAppointment, 8 callers", "appointment", OURS, 2 * HOST_WORKERS),
    Run("floor: no-op provider + one bare PATCH, 4 callers", "appointment", BARE, HOST_WORKERS),
    Run("full-body baseline (GET + PATCH), VirtualAppointment, 4 callers", "appointment", FULL, HOST_WORKERS),
    Run("OnlineMeeting, meeting ETags, 4 callers", "meeting", OURS_MEETING, HOST_WORKERS,
        switches={"meetingEtags": True}),
    Run("OnlineMeeting, no ETag (GET + PATCH), 4 callers", "meeting", OURS_MEETING, HOST_WORKERS,
        switches={"meetingEtags": False}),
)


def rows() -> list[str]:
    return [run.label for run in RUNS]


def _appointments(emulator: Any, provider: str, prefix: str, n: int) -> list[Any]:
    """``n`` seeded appointments and, for each, an Update request changing one field."""
    requests = []
    for i in range(n):
        state = APPOINTMENT.inputs(provider, f"{prefix}-{i}", appointmentClients=clients(2))
        path = f"me/onlineMeetings/{prefix}-{i}/virtualAppointment"
        entity = {k: v for k, v in state.items() if k not in ("__provider", "onlineMeetingId")}
        olds = {**state, "adoptExisting": False, "etag": emulator.seed(path, entity)}
        news = {**state, "adoptExisting": False, "externalAppointmentId": "rescheduled"}
        requests.append(provider_pb2.UpdateRequest(urn=URN_PREFIX + f"{prefix}-{i}", id=path,
                                                   olds=to_struct(olds), news=to_struct(news)))
    return requests


def _meetings(server: Any, provider: str, prefix: str, n: int) -> list[Any]:
    """``n`` meetings created through the host and, for each, an Update request changing its subject."""
    requests = []
    for i in range(n):
        urn = URN_PREFIX + f"{prefix}-{i}"
        checked, failures = server.check(urn, {}, MEETING_ETAGS.inputs(provider, f"{prefix}-{i}",
                                                                       participants=attendees(2)))
        if failures:
            raise BenchmarkError(f"benchmark inputs fail check: {failures}")
        id_, outs = server.create(urn, checked)
        news = {**checked, "subject": "rescheduled"}
        requests.append(provider_pb2.UpdateRequest(urn=urn, id=id_, olds=to_struct(outs), news=to_struct(news)))
    return requests


def _drive(server: Any, requests: list[Any], callers: int) -> tuple[float, list[Exception]]:
    """Wall seconds for all Updates from ``callers`` threads, and the failures."""
    lock, failures, queue = threading.Lock(), [], list(reversed(requests))
    start = threading.Barrier(callers + 1)

    def caller() -> None:
        start.wait(timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                request = queue.pop()
            try:
                server.stub.Update(request, timeout=60)
            except Exception as exc:  # noqa: BLE001 - collected and reported, not raised from a thread
                with lock:
                    failures.append(exc)

    threads = [threading.Thread(target=caller, daemon=True) for _ in range(callers)]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    return time.perf_counter() - started, failures


def _describe(exc: Exception) -> str:
    details = getattr(exc, "details", None)
    return details() if callable(details) else str(exc)


def run(server: Any, emulator: Any, n: int, latency: float) -> tuple[list[Table], dict]:
    """Section e's table and its figures (wall / ideal per run)."""
    table_rows, figures = [], {}
    for number, case in enumerate(RUNS):
        count = max(n // 5, 8) if case.few else n
        with emulator.switched(**case.switches):
            if case.resource == "meeting":
                requests = _meetings(server, case.provider, f"conc{number}", count)
            else:
                requests = _appointments(emulator, case.provider, f"conc{number}", count)
            emulator.clear_requests()
            emulator.set_latency(latency)
            try:
                wall, failures = _drive(server, requests, case.callers)
            finally:
                emulator.set_latency(0)
            sent = len(emulator.requests())
        if failures:
            raise BenchmarkError(f"{case.label}: {len(failures)} of {count} updates failed; the first: "
                                 f"{_describe(failures[0])}")
        parallelism = min(case.callers, HOST_WORKERS)
        ideal = count * latency / parallelism
        table_rows.append([case.label, count, case.callers, parallelism, f"{sent / count:g}", f"{wall:.2f}",
                           f"{ideal:.2f}", f"**{wall / ideal:.2f}x**"])
        figures[case.label] = wall / ideal
    note = (f"Ideal = updates x {latency * 1000:.0f} ms / parallelism (one {latency * 1000:.0f} ms request per "
            f"update, parallelism = min(callers, {HOST_WORKERS} host worker threads)).")
    table = Table(None, ["run", "updates", "gRPC callers", "parallelism", "Graph requests per update", "wall, s",
                         "ideal, s", "wall / ideal"], table_rows, note)
    return [table], figures
