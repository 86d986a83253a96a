"""Soak: hundreds of lifecycle operations against an emulator that faults over a third of requests.

The driver behaves like a pipeline: an operation that ends in an error is run again with the same
program (the state only changes when an operation succeeds), as a re-run of a failed deployment
does. Invariants, checked throughout:

- every operation ends in success or in a clear ``GraphError`` (never another exception);
- after every successful operation Graph holds exactly the desired managed values (no lost write);
- no ConflictError: nobody else writes, so a conflict would be a false one;
- every update PATCH carries If-Match;
- no duplicate create: at most one applied PUT per appointment between deletes.

The figures it prints go into the README's reliability section.
"""

from __future__ import annotations

import random
from collections import Counter

from pulumi_virtualappointment import ConflictError, GraphError
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import resolve_settings
from functools import partial

from pulumi_virtualappointment import _model, _patch
from pulumi_virtualappointment._appointment import APPOINTMENT, resource_path
from pulumi_virtualappointment._engine import _CLAIMED

managed = partial(_model.managed, APPOINTMENT)
normalise_live = partial(_model.normalise_live, APPOINTMENT)
same_value = partial(_patch.same_value, APPOINTMENT)

from conftest import TOKEN, configured_provider

OPERATIONS = 240
APPOINTMENTS = 6
RERUNS = 8
RATES = dict(rate429=0.12, rate503=0.08, rate504=0.06, rate_drop=0.05, rate_lost_response=0.06, latency=0.002)


def _random_desired(rng: random.Random, meeting: str) -> dict:
    props = {"onlineMeetingId": meeting}
    if rng.random() < 0.8:
        props["externalAppointmentId"] = f"ext-{rng.randrange(5)}"
    if rng.random() < 0.7:
        props["settings"] = {"allowClientToJoinUsingBrowser": rng.random() < 0.5}
    if rng.random() < 0.6:
        props["appointmentClients"] = [{"displayName": f"Client {i}", "emailAddress": f"c{i}@contoso.com"}
                                       for i in range(rng.randrange(3))]
    return props


def _holds(emulator, path: str, desired: dict) -> bool:
    """Graph holds exactly the desired managed values: set ones equal, removed ones cleared
    (the join URL aside, which Graph computes when the program does not set it)."""
    live = normalise_live(emulator.get(path) or {})
    live.pop("appointmentClientJoinWebUrl", None)
    wanted = managed(desired)
    return live.keys() == wanted.keys() and all(same_value(k, live[k], v) for k, v in wanted.items())


class Pipeline:
    """Runs one operation, re-running it on a GraphError like a retried deployment."""

    def __init__(self, provider, stats: Counter):
        self.provider, self.stats = provider, stats

    def run(self, op, *args):
        _CLAIMED.clear()  # each operation is a deployment of its own, with a provider host of its own
        for _ in range(RERUNS):
            try:
                return op(*args)
            except ConflictError:
                self.stats["conflicts"] += 1
                raise
            except GraphError as exc:
                self.stats["failed attempts (clear GraphError, re-run)"] += 1
                self.stats[f"  of which {type(exc).__name__}"] += 1
        raise AssertionError(f"operation still failing after {RERUNS} re-runs")


def test_soak_under_faults(emulator):
    rng = random.Random(20261125)
    provider = configured_provider(emulator.url)
    settings = resolve_settings({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN,
                                 "msgraph:maxRetries": "4"}.get, {})
    provider._client = GraphClient(settings, lambda: TOKEN, sleep=lambda s: None)
    emulator.set_fault_rates(seed=7, retry_after="0.01", **RATES)

    stats: Counter = Counter()
    pipeline = Pipeline(provider, stats)
    state: dict[str, dict] = {}  # meeting -> {"id", "outs", "desired"}
    for _ in range(OPERATIONS):
        meeting = f"MSpk{rng.randrange(APPOINTMENTS)}"
        path = resource_path(meeting)
        entry = state.get(meeting)
        if entry is None:
            desired = _random_desired(rng, meeting)
            result = pipeline.run(provider.create, dict(desired))
            state[meeting] = {"id": result.id, "outs": result.outs, "desired": desired}
            stats["create"] += 1
        else:
            roll = rng.random()
            if roll < 0.6:
                desired = _random_desired(rng, meeting)
                result = pipeline.run(provider.update, entry["id"], entry["outs"], dict(desired))
                state[meeting] = {**entry, "outs": result.outs, "desired": desired}
                stats["update"] += 1
            elif roll < 0.85:
                result = pipeline.run(provider.read, entry["id"], entry["outs"])
                assert result.inputs == {k: v for k, v in entry["outs"].items() if k not in ("etag", "joinWebUrl")}
                state[meeting] = {**entry, "outs": result.outs}
                stats["refresh"] += 1
            else:
                pipeline.run(provider.delete, entry["id"], entry["outs"])
                del state[meeting]
                stats["delete"] += 1
                assert emulator.get(path) is None
                continue
        assert _holds(emulator, path, state[meeting]["desired"]), f"lost write on {path}"
        assert state[meeting]["outs"]["etag"] == emulator.etag(path), f"stale ETag recorded for {path}"

    log = emulator.requests()
    faults = Counter(str(r["status"]) if r["fault"] == "status" else r["fault"] for r in log if r["fault"])
    faulted = sum(faults.values())
    patches = [r for r in log if r["method"] == "PATCH"]
    assert all(r["headers"].get("if-match") for r in patches)
    _assert_no_duplicate_creates(log)
    assert stats["conflicts"] == 0

    print(f"\nsoak: {OPERATIONS} operations, {len(log)} requests, {faulted} faulted "
          f"({faulted / len(log):.0%}): {dict(faults)}")
    for key in sorted(stats):
        print(f"  {key}: {stats[key]}")
    print("  lost writes: 0, false conflicts: 0, PATCHes without If-Match: 0, duplicate creates: 0")
    assert faulted / len(log) >= 0.35
    assert sum(stats[k] for k in ("create", "update", "refresh", "delete")) == OPERATIONS


def _applied(request) -> bool:
    return request["status"] in (200, 201, 204) or request["fault"] == "lostResponse"


def _assert_no_duplicate_creates(log) -> None:
    live: Counter = Counter()
    for r in log:
        if r["method"] == "PUT" and _applied(r):
            live[r["path"]] += 1
            assert live[r["path"]] == 1, f"second create of {r['path']} without a delete between"
        elif r["method"] == "DELETE" and _applied(r):
            live[r["path"]] = 0
