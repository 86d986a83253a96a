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

The appointment has 2 clients, the meetings 2 attendees (meeting ETags on). The meeting's
read-compare-write Update is timed on a meeting of its own by leaving the recorded ETag out of
the old outputs, as state holds none when Graph gives none: the provider then GETs before it
PATCHes.

Calls alternate in blocks between the variants so drift hits all of them alike; medians.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any, Callable

from pulumi.runtime.proto import provider_pb2

from pulumi_virtualappointment import OnlineMeetingProvider, VirtualAppointmentProvider
from pulumi_virtualappointment.testing import from_struct, to_struct

from ._harness import TOKEN, URN_PREFIX, BenchmarkError, Table, median, subprocess_env
from .cases import APPOINTMENT, BARE, MEETING_ETAGS, NOOP, OURS, OURS_MEETING, attendees, clients

__all__ = ["run", "ROWS"]

BLOCK = 25
URN = URN_PREFIX + "overhead"
URN_MEETING = URN_PREFIX + "overhead-meeting"

ROWS = (
    "Diff (no network), VirtualAppointment",
    "Diff (no network), OnlineMeeting",
    "Update (one PATCH), VirtualAppointment",
    "Update (one PATCH, ETag recorded), OnlineMeeting",
    "Update (GET + PATCH, no ETag recorded), OnlineMeeting",
    "Update, no-op provider + one bare PATCH",
    "Diff, no-op provider",
    "Update, no-op provider (no network)",
    "no host: `provider.update` called directly",
    "no host: `GraphClient.patch`",
    "no host: bare `requests` PATCH",
)


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _alternate(variants: dict[str, Callable[[], float]], n: int, warmup: int) -> dict[str, list[float]]:
    """Run each variant ``n`` times in alternating blocks; each variant returns one duration."""
    for run in variants.values():  # warm-up: provider unpickled and configured, first connections
        for _ in range(warmup):
            run()
    times: dict[str, list[float]] = {name: [] for name in variants}
    while any(len(t) < n for t in times.values()):
        for name, run in variants.items():
            for _ in range(min(BLOCK, n - len(times[name]))):
                times[name].append(run())
    return times


def _diff(server: Any, urn: str, id_: str, olds: dict, news: dict) -> Callable[[], float]:
    request = provider_pb2.DiffRequest(urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news))
    return lambda: _timed(lambda: server.stub.Diff(request))


def _chained_update(server: Any, urn: str, id_: str, outs: dict, checked: dict, key: str,
                    keep_etag: bool = True) -> Callable[[], float]:
    """Updates that flip ``key``, each from the outputs the previous one returned (with its ETag,
    or without any when ``keep_etag`` is false)."""
    state = {"outs": outs, "i": 0}

    def update() -> float:
        state["i"] += 1
        olds = state["outs"] if keep_etag else {k: v for k, v in state["outs"].items() if k != "etag"}
        news = {**checked, key: f"flip-{state['i'] % 2}"}
        request = provider_pb2.UpdateRequest(urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news))
        started = time.perf_counter()
        answer = server.stub.Update(request)
        seconds = time.perf_counter() - started
        state["outs"] = from_struct(answer.properties)
        return seconds

    return update


def _entity(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in ("__provider", "onlineMeetingId", "userId", "adoptExisting",
                                                         "etag", "joinWebUrl")}


def _created(server: Any, urn: str, inputs: dict) -> tuple[dict, str, dict]:
    checked, failures = server.check(urn, {}, inputs)
    if failures:
        raise BenchmarkError(f"benchmark inputs fail check: {failures}")
    id_, outs = server.create(urn, checked)
    return checked, id_, outs


def _outside(emulator: Any, checked: dict, n: int, warmup: int) -> dict[str, list[float]]:
    path = "me/onlineMeetings/bare-patch/virtualAppointment"
    etag = emulator.seed(path, _entity(checked))
    command = [sys.executable, "-m", "benchmarks.bare", emulator.url, TOKEN, path, etag, str(n), str(warmup)]
    done = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=300, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"benchmarks.bare failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def _in_process(provider: Any, checked: dict, outs: dict, key: str, n: int) -> dict[str, float]:
    """The provider's own pure work per call, without the host: check and diff."""
    news = {**checked, key: "changed"}
    return {"check": median([_timed(lambda: provider.check(outs, news)) for _ in range(n)]),
            "diff": median([_timed(lambda: provider.diff("id", outs, news)) for _ in range(n)])}


def run(server: Any, emulator: Any, n: int, warmup: int) -> tuple[list[Table], dict]:
    """Section c's table and its figures (milliseconds, medians)."""
    with emulator.switched(meetingEtags=True):
        return _run(server, emulator, n, warmup)


def _run(server: Any, emulator: Any, n: int, warmup: int) -> tuple[list[Table], dict]:
    checked, id_, outs = _created(server, URN, APPOINTMENT.inputs(OURS, "overhead", appointmentClients=clients(2)))
    m_checked, m_id, m_outs = _created(server, URN_MEETING,
                                       MEETING_ETAGS.inputs(OURS_MEETING, "overhead", participants=attendees(2)))
    r_checked, r_id, r_outs = _created(server, URN_MEETING, MEETING_ETAGS.inputs(OURS_MEETING, "overhead-rcw",
                                                                               participants=attendees(2)))
    if not m_outs.get("etag"):
        raise BenchmarkError("the meeting was created without an ETag although meeting ETags are on")
    diff = _alternate({
        "ours": _diff(server, URN, id_, outs, checked),
        "meeting": _diff(server, URN_MEETING, m_id, m_outs, m_checked),
        "noop": _diff(server, URN, id_, {**outs, "__provider": NOOP}, {**checked, "__provider": NOOP}),
    }, n, warmup)
    noop = provider_pb2.UpdateRequest(urn=URN, id=id_, olds=to_struct({**outs, "__provider": NOOP}),
                                      news=to_struct({**checked, "__provider": NOOP, "externalAppointmentId": "x"}))
    bare_path = "me/onlineMeetings/bare-in-host/virtualAppointment"
    bare_state = {**checked, "__provider": BARE, "onlineMeetingId": "bare-in-host",
                  "etag": emulator.seed(bare_path, _entity(checked))}
    update = _alternate({
        "ours": _chained_update(server, URN, id_, outs, checked, "externalAppointmentId"),
        "meeting": _chained_update(server, URN_MEETING, m_id, m_outs, m_checked, "subject"),
        "meeting_rcw": _chained_update(server, URN_MEETING, r_id, r_outs, r_checked, "subject", keep_etag=False),
        "noop": lambda: _timed(lambda: server.stub.Update(noop)),
        "bare_host": _chained_update(server, URN, bare_path, bare_state, {**bare_state, "etag": None},
                                     "externalAppointmentId"),
    }, n, warmup)
    outside = _outside(emulator, checked, n, warmup)
    pure = {"appointment": _in_process(VirtualAppointmentProvider(), checked, outs, "externalAppointmentId", n),
            "meeting": _in_process(OnlineMeetingProvider(), m_checked, m_outs, "subject", n)}
    ms = {name: median(times) * 1000 for name, times in {
        "diff_ours": diff["ours"], "diff_meeting": diff["meeting"], "diff_noop": diff["noop"],
        "update_ours": update["ours"], "update_meeting": update["meeting"], "update_meeting_rcw": update["meeting_rcw"],
        "update_noop": update["noop"], "update_bare_host": update["bare_host"], "bare": outside["requests"],
        "client": outside["client"], "direct": outside["provider"]}.items()}

    def x(a: str, b: str) -> str:
        return f"{ms[a] / ms[b]:.2f}x"

    cells = {
        "Diff (no network), VirtualAppointment": ("diff_ours", x("diff_ours", "diff_noop"), "-", "-"),
        "Diff (no network), OnlineMeeting": ("diff_meeting", x("diff_meeting", "diff_noop"), "-", "-"),
        "Update (one PATCH), VirtualAppointment": ("update_ours", x("update_ours", "update_noop"),
                                                   x("update_ours", "update_bare_host"), x("update_ours", "bare")),
        "Update (one PATCH, ETag recorded), OnlineMeeting": ("update_meeting", x("update_meeting", "update_noop"),
                                                             "-", "-"),
        "Update (GET + PATCH, no ETag recorded), OnlineMeeting": ("update_meeting_rcw",
                                                                  x("update_meeting_rcw", "update_noop"), "-", "-"),
        "Update, no-op provider + one bare PATCH": ("update_bare_host", x("update_bare_host", "update_noop"), "1.00x",
                                                    x("update_bare_host", "bare")),
        "Diff, no-op provider": ("diff_noop", "1.00x", "-", "-"),
        "Update, no-op provider (no network)": ("update_noop", "1.00x", "-", "-"),
        "no host: `provider.update` called directly": ("direct", "-", "-", x("direct", "bare")),
        "no host: `GraphClient.patch`": ("client", "-", "-", x("client", "bare")),
        "no host: bare `requests` PATCH": ("bare", "-", "-", "1.00x"),
    }
    rows = [[label, f"{ms[cells[label][0]]:.2f}", *cells[label][1:]] for label in ROWS]
    note = (
        f"Outside the host this package's code costs {ms['direct'] / ms['bare'] - 1:.0%} over a bare PATCH "
        "(`provider.update` vs bare `requests`, same process, interleaved). In process, `check` and `diff` take "
        f"{pure['appointment']['check'] * 1e6:.0f} and {pure['appointment']['diff'] * 1e6:.0f} µs for the "
        f"appointment, {pure['meeting']['check'] * 1e6:.0f} and {pure['meeting']['diff'] * 1e6:.0f} µs for the "
        "meeting. The rest of an Update's time is the SDK's host and gRPC (the no-op rows) and the round trip; a "
        "meeting's PATCH is answered with the whole meeting (200), an appointment's with 204."
    )
    table = Table(None, [f"call (median of {n})", "ms", "vs no-op provider in the host",
                         "vs no-op + bare PATCH in the host", "vs bare `requests` PATCH"], rows, note)
    return [table], {**ms, "pure": pure}
