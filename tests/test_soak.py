"""Soak: hundreds of lifecycle operations against an emulator that faults over a third of requests,
for every resource kind (``resource_kinds``): the virtualAppointment, and the onlineMeeting with
ETags and without (read-compare-write).

The driver behaves like a pipeline: each operation is a deployment (Check, then Create, Update,
Read or Delete), and one that ends in an error is run again with the same program (the state only
changes when an operation succeeds), as a re-run of a failed deployment does. Invariants:

- every operation ends in success or in a clear ``GraphError`` (never another exception);
- after every successful operation Graph holds exactly the desired managed values (no lost
  write): set ones equal; removed ones cleared where the kind clears them, else, like every
  property the program does not manage, untouched by the operation;
- no ConflictError or ResourceExistsError: nobody else writes, so a refusal would be a false one
  (the pipeline reports it and goes on; nothing may have been written);
- with ETags every PATCH carries If-Match; without (read-compare-write) none can, and every PATCH
  follows, in its operation, a read of that object (a GET, or the createOrGet that answered it);
- no duplicate create: Graph holds one object per resource in the state, none for deleted ones;
  and a kind created by PUT applies at most one PUT per object between deletes.

The figures it prints are the ones docs/reliability.md quotes (a check below holds them equal).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pathlib import Path

import pytest

from conftest import TOKEN
from pulumi_virtualappointment import ConflictError, GraphError, ResourceExistsError
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import resolve_settings
from pulumi_virtualappointment._engine import _CLAIMED
from pulumi_virtualappointment._model import Kind, Record, managed, normalise_live
from pulumi_virtualappointment._patch import same_value
from pulumi_virtualappointment.emulator import Emulator
from resource_kinds import CASES, KindCase, configured

OPERATIONS = 240
RESOURCES = 6
RERUNS = 8
RATES = dict(rate429=0.12, rate503=0.08, rate504=0.06, rate_drop=0.05, rate_lost_response=0.06, latency=0.002)


def _unheld(kind: Kind, live: dict, desired: dict, before: dict | None) -> list[str]:
    """The managed properties on which Graph does not hold what the operation should have left:
    ``desired`` on the declared ones (a record on its declared members); on the others, cleared
    where the kind clears removed properties, else as they were ``before`` (members of a record
    the program does not declare included)."""
    wanted, wrong = managed(kind, desired), []
    for key in kind.fields:
        value, old = live.get(key), (before or {}).get(key)
        if key in wanted:
            ok = value is not None and same_value(kind, key, value, wanted[key])
            if ok and before is not None and isinstance(kind.fields[key], Record) and isinstance(old, dict):
                ok = {m: v for m, v in value.items() if m not in wanted[key]} == \
                     {m: v for m, v in old.items() if m not in wanted[key]}
        elif kind.clears_removed:
            ok = value is None or key in kind.graph_computed
        else:
            ok = before is None or value == old
        if not ok:
            wrong.append(key)
    return wrong


@dataclass
class Operation:
    """One operation's resource and the requests it sent."""

    name: str
    path: str
    identity: dict
    log: list = field(default_factory=list)


class Pipeline:
    """Runs one operation, re-running it on a GraphError like a retried deployment; a refusal
    (conflict, exists) stops the deployment and is recorded, as a pipeline would report it."""

    def __init__(self, stats: Counter):
        self.stats = stats
        self.refusals: list[str] = []

    def run(self, op, *args, adopting=None):
        """``adopting(args)``: the arguments with adoption asked for, as the refusal of a create that an
        earlier failed attempt of the same create made tells the user to do."""
        _CLAIMED.clear()  # each operation is a deployment of its own, with a provider host of its own
        failed = False
        for _ in range(RERUNS):
            try:
                return op(*args)
            except ResourceExistsError as exc:
                if not (failed and adopting):
                    self.stats[f"refused ({type(exc).__name__})"] += 1
                    self.refusals.append(str(exc))
                    return None
                self.stats["adopted after its own failed create, as the refusal says"] += 1
                args, adopting = adopting(args), None
            except ConflictError as exc:
                self.stats[f"refused ({type(exc).__name__})"] += 1
                self.refusals.append(str(exc))
                return None
            except GraphError as exc:
                failed = True
                self.stats["failed attempts (clear GraphError, re-run)"] += 1
                self.stats[f"  of which {type(exc).__name__}"] += 1
        raise AssertionError(f"operation still failing after {RERUNS} re-runs")


class Soak:
    """The operations on one emulator, and what they left wrong, by kind of problem."""

    def __init__(self, case: KindCase, emulator: Emulator):
        self.case, self.emulator = case, emulator
        self.provider = configured(case, emulator.url, TOKEN)
        settings = resolve_settings({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN,
                                     "msgraph:maxRetries": "4"}.get, {})
        self.provider._client = GraphClient(settings, lambda: TOKEN, sleep=lambda s: None)
        self.stats: Counter = Counter()
        self.pipeline = Pipeline(self.stats)
        self.state: dict[int, dict] = {}
        """slot -> {"id", "outs", "desired": what was last applied, "in_sync": whether the state records
        what Graph holds, "written": whether the last operation wrote}"""
        self.operations: list[Operation] = []
        self.problems: dict[str, list[str]] = defaultdict(list)

    def run(self) -> Soak:
        rng = random.Random(20261125)
        self.emulator.set_fault_rates(seed=7, retry_after="0.01", **RATES)
        for _ in range(OPERATIONS):
            slot = rng.randrange(RESOURCES)
            entry = self.state.get(slot)
            before = self.case.held(self.emulator, entry["id"]) if entry else None
            if entry is None:
                name = self.create(slot, self.desired(rng, slot, {}))
            else:
                roll = rng.random()
                if roll < 0.6:
                    name = self.update(slot, self.desired(rng, slot, entry["desired"]))
                elif roll < 0.85:
                    name = self.refresh(slot)
                else:
                    name = self.delete(slot)
            self.stats[name] += 1
            self.operations.append(Operation(name, (self.state.get(slot) or entry or {}).get("id", ""),
                                             self.case.identity(slot), self.emulator.requests()))
            self.emulator.clear_requests()
            self.check(name, slot, before)
        return self

    def desired(self, rng: random.Random, slot: int, olds: dict) -> dict:
        """Random program values for the resource, as Check normalises them."""
        result = self.provider.check(olds, self.case.desired(rng, self.case.identity(slot)))
        assert result.failures == [], result.failures
        return result.inputs

    def create(self, slot: int, desired: dict) -> str:
        result = self.pipeline.run(self.provider.create, dict(desired),
                                   adopting=lambda args: ({**args[0], "adoptExisting": True},))
        if result is not None:
            self.state[slot] = {"id": result.id, "outs": result.outs, "desired": desired, "in_sync": True,
                                "written": True}
        return "create"

    def update(self, slot: int, desired: dict) -> str:
        entry = self.state[slot]
        result = self.pipeline.run(self.provider.update, entry["id"], entry["outs"], dict(desired))
        if result is None:  # as the error asks: `pulumi refresh` accepts what Graph holds into the state
            read = self.pipeline.run(self.provider.read, entry["id"], entry["outs"])
            self.stats["refreshed after a refusal, as the error asks"] += 1
            self.state[slot] = {**entry, "outs": read.outs, "in_sync": True, "written": False}
        else:
            self.state[slot] = {**entry, "outs": result.outs, "desired": desired, "in_sync": True, "written": True}
        return "update"

    def refresh(self, slot: int) -> str:
        entry = self.state[slot]
        result = self.pipeline.run(self.provider.read, entry["id"], entry["outs"])
        recorded = {k: v for k, v in entry["outs"].items() if k not in self.case.kind.computed}
        if entry["in_sync"] and result.inputs != recorded:
            differ = sorted(k for k in {*recorded, *result.inputs} if recorded.get(k) != result.inputs.get(k))
            self.problems["refresh read other values than recorded"].append(f"{entry['id']}: {differ}")
        self.state[slot] = {**entry, "outs": result.outs, "in_sync": True, "written": False}
        return "refresh"

    def delete(self, slot: int) -> str:
        entry = self.state.pop(slot)
        self.pipeline.run(self.provider.delete, entry["id"], entry["outs"])
        assert self.case.held(self.emulator, entry["id"]) is None
        return "delete"

    def check(self, name: str, slot: int, before: dict | None) -> None:
        """What one operation left wrong: Graph not holding the desired values after a write (a lost
        write), anything written by a refused write or a refresh, a stale ETag, an orphan."""
        case, entry = self.case, self.state.get(slot)
        stored = len(case.stored(self.emulator))
        if stored != len(self.state):
            self.problems["duplicate or orphan"].append(f"{stored} objects for {len(self.state)} resources after a {name}")
        if entry is None:
            return
        live = case.held(self.emulator, entry["id"])
        if entry["written"]:
            old = normalise_live(case.kind, before) if before is not None else None
            wrong = _unheld(case.kind, normalise_live(case.kind, live or {}), entry["desired"], old)
            if wrong:
                self.problems["lost write"].append(f"{entry['id']} after a {name}: {', '.join(wrong)}")
        elif live != before:
            self.problems[f"written by a {name if name == 'refresh' else 'refused ' + name}"].append(entry["id"])
            entry["in_sync"] = False
        if entry["in_sync"] and entry["outs"].get("etag") != case.etag_of(self.emulator, entry["id"]):
            self.problems["stale ETag recorded"].append(f"{entry['id']} after a {name}")


def _reads(request: dict, path: str, identity: dict) -> bool:
    """Whether ``request`` was answered with the object: a GET of its path, or the createOrGet of its identity."""
    if request["status"] is None or not 200 <= request["status"] < 300:
        return False
    if request["method"] == "GET":
        return request["path"] == path
    body = request["body"]
    return (request["method"] == "POST" and request["path"].endswith("/createOrGet") and isinstance(body, dict)
            and all(body.get(k) == v for k, v in identity.items()))


def _unread_patches(operations: list[Operation], api_version: str) -> int:
    """PATCHes sent before their operation had read the object (see :func:`_reads`)."""
    unread = 0
    for op in operations:
        path, read = f"/{api_version}/{op.path}", False
        for r in op.log:
            read = read or _reads(r, path, op.identity)
            unread += r["method"] == "PATCH" and r["path"] == path and not read
    return unread


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_soak_under_faults(case):
    with Emulator(token=TOKEN, **case.emulator) as emulator:
        soak = Soak(case, emulator).run()
    log = [r for op in soak.operations for r in op.log]
    faults = Counter(str(r["status"]) if r["fault"] == "status" else r["fault"] for r in log if r["fault"])
    faulted = sum(faults.values())
    patches = [r for r in log if r["method"] == "PATCH"]
    guarded = sum(1 for r in patches if r["headers"].get("if-match"))
    unread = _unread_patches(soak.operations, case.kind.api_version)
    problems = dict(soak.problems)
    if _twice_put(log):
        problems["PUT applied twice"] = _twice_put(log)
    lost = len(problems.get("lost write", []))
    duplicates = len(problems.get("duplicate or orphan", [])) + len(problems.get("PUT applied twice", []))
    refusals = soak.pipeline.refusals

    print(f"\nsoak ({case.label}): {OPERATIONS} operations, {len(log)} requests, {faulted} faulted "
          f"({faulted / len(log):.0%}): {dict(faults)}")
    for key in sorted(soak.stats):
        print(f"  {key}: {soak.stats[key]}")
    if case.etags:
        print(f"  lost writes: {lost}, false conflicts: {len(refusals)}, "
              f"PATCHes without If-Match: {len(patches) - guarded}, duplicate creates: {duplicates}")
    else:
        print(f"  lost writes: {lost}, false conflicts: {len(refusals)}, PATCHes without a read of the meeting "
              f"first (GET, or a create's createOrGet): {unread} of {len(patches)} (none can carry If-Match), "
              f"duplicate creates: {duplicates}")
    if problems:
        print(f"  problems: { {k: len(v) for k, v in problems.items()} }")

    assert problems == {}, {k: v[:3] for k, v in problems.items()}
    assert refusals == [], f"{len(refusals)} false conflicts, the first: {refusals[0]}"
    if case.etags:
        assert guarded == len(patches)
    else:
        assert guarded == 0 and unread == 0
    assert faulted / len(log) >= 0.35
    assert sum(soak.stats[k] for k in ("create", "update", "refresh", "delete")) == OPERATIONS
    failed = soak.stats["failed attempts (clear GraphError, re-run)"]
    quoted = [f"{len(log)} requests, {faulted} faulted ({faulted / len(log):.0%}",
              f"{failed} operation attempts" if case.id == "virtualAppointment" else f"{failed} attempts",
              f"({soak.stats['  of which GraphTransportError']} transport, {soak.stats['  of which ThrottledError']} throttled)"]
    if case.id != "onlineMeeting-no-etag":  # that row says "the same" for the operations and the faults' kinds
        quoted.append(", ".join(f"{soak.stats[k]} {k}" for k in ("create", "update", "refresh", "delete")))
        quoted.append(f"{faults['429']} x 429, {faults['503']} x 503, {faults['504']} x 504, {faults['drop']} dropped "
                      f"connections, {faults['lostResponse']} lost responses")
    else:
        quoted.append(f"{soak.stats.get('adopted after its own failed create, as the refusal says', 0)} creates")
    _the_docs_quote(case, *quoted)


DOC_ROWS = {"virtualAppointment": "| soak: 240 lifecycle operations", "onlineMeeting-etags": "| soak: 240 operations (",
            "onlineMeeting-no-etag": "| soak: the same on meetings without ETags"}
"""The row of docs/reliability.md that quotes each case's figures."""


def _the_docs_quote(case, *figures: str) -> None:
    """The faults are seeded: the figures docs/reliability.md quotes are the ones this run prints."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text(encoding="utf-8")
    [row] = [line for line in page.splitlines() if line.startswith(DOC_ROWS[case.id])]
    for figure in figures:
        assert figure in row, f"docs/reliability.md quotes other figures than this run printed: {figure!r} not in {row!r}"


def _applied(request) -> bool:
    return request["status"] in (200, 201, 204) or request["fault"] == "lostResponse"


def _twice_put(log) -> list[str]:
    """Paths of PUTs applied to an object that a PUT had created and no DELETE had removed since."""
    live: Counter = Counter()
    twice = []
    for r in log:
        if r["method"] == "PUT" and _applied(r):
            live[r["path"]] += 1
            if live[r["path"]] > 1:
                twice.append(r["path"])
        elif r["method"] == "DELETE" and _applied(r):
            live[r["path"]] = 0
    return twice
