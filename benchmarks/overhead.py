"""Section c: provider overhead per Diff and per Update through the SDK's provider host.

Every call goes over gRPC to ``python -m pulumi.dynamic`` exactly as the engine makes it; only
the gRPC call is timed (request protos are built beforehand). What it is compared with:

- a no-op dynamic provider (``benchmarks.noop.NoopProvider``) in the same host: the host, gRPC
  and the SDK's property (de)serialisation with no provider work and no network;
- the no-op plus one bare ``requests`` PATCH per Update (``BarePatchProvider``), in the same
  host: the least any provider that makes the request can cost there;
- a bare ``requests`` PATCH (one session, same headers and body) from a separate process
  (``benchmarks.bare``), which also times ``GraphClient.patch`` and ``provider.update`` called
  directly: the network round trip alone, and this package's code without the host.

Calls alternate in blocks between the variants so drift hits all of them alike; medians.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any, Callable

from pulumi.runtime.proto import provider_pb2

from pulumi_virtualappointment import VirtualAppointmentProvider

from ._harness import BARE, NOOP, OURS, TOKEN, URN_PREFIX, from_struct, median, subprocess_env, table, to_struct
from .requests_per_op import appointment

__all__ = ["run"]

BLOCK = 25
URN = URN_PREFIX + "overhead"


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _alternate(variants: dict[str, Callable[[], float]], n: int) -> dict[str, list[float]]:
    """Run each variant ``n`` times in alternating blocks; each variant returns one duration."""
    for run in variants.values():  # warm-up: provider unpickled and configured, first connections
        for _ in range(10):
            run()
    times: dict[str, list[float]] = {name: [] for name in variants}
    while any(len(t) < n for t in times.values()):
        for name, run in variants.items():
            for _ in range(min(BLOCK, n - len(times[name]))):
                times[name].append(run())
    return times


def _diff_variants(server: Any, id_: str, outs: dict, checked: dict) -> dict[str, Callable[[], float]]:
    def request(provider: str) -> Any:
        olds, news = {**outs, "__provider": provider}, {**checked, "__provider": provider}
        return provider_pb2.DiffRequest(urn=URN, id=id_, olds=to_struct(olds), news=to_struct(news))

    ours, noop = request(OURS), request(NOOP)
    return {"ours": lambda: _timed(lambda: server.stub.Diff(ours)),
            "noop": lambda: _timed(lambda: server.stub.Diff(noop))}


def _chained_update(server: Any, id_: str, outs: dict, checked: dict) -> Callable[[], float]:
    """Updates that flip ``externalAppointmentId``, each with the ETag the previous one returned."""
    state = {"outs": outs, "i": 0}

    def update() -> float:
        state["i"] += 1
        news = {**checked, "externalAppointmentId": f"ext-{state['i'] % 2}"}
        request = provider_pb2.UpdateRequest(urn=URN, id=id_, olds=to_struct(state["outs"]), news=to_struct(news))
        started = time.perf_counter()
        answer = server.stub.Update(request)
        seconds = time.perf_counter() - started
        state["outs"] = from_struct(answer.properties)
        return seconds

    return update


def _update_variants(server: Any, emulator: Any, id_: str, outs: dict, checked: dict) -> dict[str, Callable[[], float]]:
    noop_news = {**checked, "__provider": NOOP, "externalAppointmentId": "ext-x"}
    noop = provider_pb2.UpdateRequest(urn=URN, id=id_, olds=to_struct({**outs, "__provider": NOOP}),
                                      news=to_struct(noop_news))
    bare_path = "me/onlineMeetings/bare-in-host/virtualAppointment"
    bare_etag = emulator.seed(bare_path, _entity(checked))
    bare_state = {**checked, "__provider": BARE, "onlineMeetingId": "bare-in-host", "etag": bare_etag}
    return {
        "ours": _chained_update(server, id_, outs, checked),
        "noop": lambda: _timed(lambda: server.stub.Update(noop)),
        "bare_host": _chained_update(server, bare_path, bare_state, {**bare_state, "etag": None}),
    }


def _entity(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in ("__provider", "onlineMeetingId", "adoptExisting", "etag",
                                                         "joinWebUrl")}


def _outside(emulator: Any, checked: dict, n: int) -> dict[str, list[float]]:
    path = "me/onlineMeetings/bare-patch/virtualAppointment"
    etag = emulator.seed(path, _entity(checked))
    command = [sys.executable, "-m", "benchmarks.bare", emulator.url, TOKEN, path, etag, str(n)]
    done = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.bare failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def _in_process(checked: dict, outs: dict, n: int) -> dict[str, float]:
    """The provider's own pure work per call, without the host: check and diff."""
    provider = VirtualAppointmentProvider()
    news = {**checked, "externalAppointmentId": "ext-changed"}
    return {"check": median([_timed(lambda: provider.check(outs, news)) for _ in range(n)]),
            "diff": median([_timed(lambda: provider.diff("id", outs, news)) for _ in range(n)])}


def run(server: Any, emulator: Any, n: int) -> tuple[str, dict]:
    """Returns the markdown of section c and its figures (milliseconds, medians)."""
    checked, failures = server.check(URN, {}, appointment("overhead", OURS, clients=2))
    if failures:
        raise RuntimeError(f"benchmark inputs fail check: {failures}")
    id_, outs = server.create(URN, checked)
    diff = _alternate(_diff_variants(server, id_, outs, checked), n)
    update = _alternate(_update_variants(server, emulator, id_, outs, checked), n)
    outside = _outside(emulator, checked, n)
    pure = _in_process(checked, outs, n)
    ms = {name: median(times) * 1000 for name, times in {
        "diff_ours": diff["ours"], "diff_noop": diff["noop"], "update_ours": update["ours"],
        "update_noop": update["noop"], "update_bare_host": update["bare_host"], "bare": outside["requests"],
        "client": outside["client"], "direct": outside["provider"]}.items()}

    def x(a: str, b: str) -> str:
        return f"{ms[a] / ms[b]:.2f}x"

    rows = [
        ["Diff (no network), this provider", f"{ms['diff_ours']:.2f}", x("diff_ours", "diff_noop"), "-", "-"],
        ["Update (one PATCH), this provider", f"{ms['update_ours']:.2f}", x("update_ours", "update_noop"),
         x("update_ours", "update_bare_host"), x("update_ours", "bare")],
        ["Update, no-op provider + one bare PATCH", f"{ms['update_bare_host']:.2f}", x("update_bare_host", "update_noop"),
         "1.00x", x("update_bare_host", "bare")],
        ["Diff, no-op provider", f"{ms['diff_noop']:.2f}", "1.00x", "-", "-"],
        ["Update, no-op provider (no network)", f"{ms['update_noop']:.2f}", "1.00x", "-", "-"],
        ["no host: `provider.update` called directly", f"{ms['direct']:.2f}", "-", "-", x("direct", "bare")],
        ["no host: `GraphClient.patch`", f"{ms['client']:.2f}", "-", "-", x("client", "bare")],
        ["no host: bare `requests` PATCH", f"{ms['bare']:.2f}", "-", "-", "1.00x"],
    ]
    text = table([f"call (median of {n})", "ms", "vs no-op provider in the host", "vs no-op + bare PATCH in the host",
                  "vs bare `requests` PATCH"], rows)
    text += (
        f"\n\nOutside the host this package's code costs {ms['direct'] / ms['bare'] - 1:.0%} over a bare PATCH "
        f"(`provider.update` vs bare `requests`, same process, interleaved); in process `check` takes "
        f"{pure['check'] * 1e6:.0f} µs and `diff` {pure['diff'] * 1e6:.0f} µs (appointment with 2 clients). "
        "The rest of an Update's time is the SDK's host and gRPC (the no-op rows) and the round trip."
    )
    return text, {**ms, "pure": pure}
