"""Section e: many updates with 50 ms Graph latency at the provider host's concurrency.

The SDK's provider host serves gRPC from a pool of 4 worker threads, so at most 4 calls run at
once however many the engine sends. Callers here are threads sharing one gRPC channel, each
taking the next prepared Update (one appointment each, recorded ETag correct) until all are
done. The emulator (werkzeug, a thread per connection) sleeps ``latency`` in every Graph request
before answering. Ideal wall time: N x latency / parallelism, parallelism = min(callers, 4).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pulumi.runtime.proto import provider_pb2

from ._harness import BARE, FULL, OURS, URN_PREFIX, table, to_struct
from .requests_per_op import appointment

__all__ = ["run", "HOST_WORKERS"]

HOST_WORKERS = 4
"""``futures.ThreadPoolExecutor(max_workers=4)`` in ``pulumi/dynamic/__main__.py``."""


def _prepare(emulator: Any, provider: str, prefix: str, n: int) -> list[Any]:
    """``n`` seeded appointments and, for each, an Update request changing one field."""
    requests = []
    for i in range(n):
        state = appointment(f"{prefix}-{i}", provider, clients=2)
        path = f"me/onlineMeetings/{prefix}-{i}/virtualAppointment"
        entity = {k: v for k, v in state.items() if k not in ("__provider", "onlineMeetingId")}
        olds = {**state, "adoptExisting": False, "etag": emulator.seed(path, entity)}
        news = {**state, "adoptExisting": False, "externalAppointmentId": "rescheduled"}
        requests.append(provider_pb2.UpdateRequest(urn=URN_PREFIX + f"{prefix}-{i}", id=path,
                                                   olds=to_struct(olds), news=to_struct(news)))
    return requests


def _drive(server: Any, requests: list[Any], callers: int) -> tuple[float, int]:
    """Wall seconds for all Updates from ``callers`` threads; and how many failed."""
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
            except Exception as exc:  # noqa: BLE001 - counted and reported, not raised from a thread
                with lock:
                    failures.append(exc)

    threads = [threading.Thread(target=caller, daemon=True) for _ in range(callers)]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    return time.perf_counter() - started, len(failures)


def run(server: Any, emulator: Any, n: int, latency: float = 0.05) -> tuple[str, dict]:
    """Returns the markdown of section e and its figures."""
    cases = [  # (label, provider, requests per update, callers, updates)
        ("this provider", OURS, 1, 1, max(n // 5, 8)),
        ("this provider", OURS, 1, HOST_WORKERS, n),
        ("this provider", OURS, 1, 2 * HOST_WORKERS, n),
        ("floor: no-op provider + one bare PATCH", BARE, 1, HOST_WORKERS, n),
        ("full-body baseline (GET + PATCH)", FULL, 2, HOST_WORKERS, n),
    ]
    rows, figures = [], {}
    for number, (label, provider, per_update, callers, count) in enumerate(cases):
        requests = _prepare(emulator, provider, f"conc{number}", count)
        emulator.clear_requests()
        emulator.set_latency(latency)
        try:
            wall, failed = _drive(server, requests, callers)
        finally:
            emulator.set_latency(0)
        sent = len(emulator.requests())
        parallelism = min(callers, HOST_WORKERS)
        ideal = count * latency / parallelism
        rows.append([label, count, callers, parallelism, f"{sent / count:g}", f"{wall:.2f}", f"{ideal:.2f}",
                     f"**{wall / ideal:.2f}x**", failed])
        figures[(label, callers)] = wall / ideal
    text = table(["provider", "updates", "gRPC callers", "parallelism", "Graph requests per update", "wall, s",
                  "ideal, s", "wall / ideal", "failed"], rows)
    text += (f"\n\nIdeal = updates x {latency * 1000:.0f} ms / parallelism (one {latency * 1000:.0f} ms request per "
             f"update, parallelism = min(callers, {HOST_WORKERS} host worker threads)).")
    return text, figures
