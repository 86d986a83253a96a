"""Sections a and b: Graph requests per operation and PATCH bytes, this provider vs full body.

Every case (``benchmarks.cases``) goes through one lifecycle with the package's engine stand-in
(``pulumi_virtualappointment.testing.Engine``), which starts one provider host per deployment and
calls it as the engine does: Check and Diff for every resource, then Create or Update when the
Diff says so and it is not a preview; Read and the refresh Diff on refresh; Delete on destroy.
In each deployment ``n`` resources use this package's provider and ``n`` the full-body
baseline's (``benchmarks.fullbody``); each provider's resources belong to a user of their own
(``users/ours@contoso.com/...``, ``users/full@contoso.com/...``: UPNs, as Graph takes users), so the
emulator's request log splits by path.
Requests and request-body bytes are counted per resource.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pulumi_virtualappointment._model import managed, validate
from pulumi_virtualappointment._patch import encode, minimal_patch
from pulumi_virtualappointment.testing import Engine, Options

from ._harness import TOKEN, BenchmarkError, Table, subprocess_env
from .cases import APPOINTMENT, CASES, MEETING_ETAGS, Case, Change

__all__ = ["Step", "steps", "tables_a", "table_b", "measure", "BYTES_CASES", "TOTAL"]

WHO = ("ours", "full")
USERS = {who: f"{who}@contoso.com" for who in WHO}
TOTAL = "**all of the above**"
BYTES_CASES = (APPOINTMENT, MEETING_ETAGS)
"""Section b's cases: the meeting's bodies are the same with and without ETags."""
FUNCTION_MARK = "GET*"
"""How a GET of a Graph function of the object (a meeting's join link) shows in the methods."""


def _by(who: str, request: dict) -> bool:
    """Whether ``request`` is one of ``who``'s (the path holds the user, percent-encoded)."""
    return f"/users/{USERS[who].replace('@', '%40')}/" in request["path"]


def resource_name(who: str, i: int) -> str:
    """The name (and the appointment's meeting id, the meeting's externalId) of resource ``i``."""
    return f"{who}-{i}"


@dataclass(frozen=True)
class Step:
    label: str
    action: str  # up, preview, refresh, destroy
    change: Optional[Change] = None


def steps(case: Case) -> list[Step]:
    """The lifecycle every case goes through, in order."""
    first = case.changes[0]
    return [
        Step("create (`up` of a new stack)", "up"),
        Step("preview, unchanged", "preview"),
        Step("`up`, unchanged", "up"),
        Step(f"preview, {first.label}", "preview", first),
        *[Step(f"`up`, {change.label}", "up", change) for change in case.changes],
        Step("refresh", "refresh"),
        Step("destroy", "destroy"),
    ]


def bytes_rows() -> list[tuple[Case, Change, dict, dict]]:
    """Section b's rows: each change (without emulator switches) of each of its cases."""
    return [(case, change, before, after) for case in BYTES_CASES
            for change, before, after in case.declared() if not change.switches]


def bytes_label(case: Case, change: Change) -> str:
    return f"{case.resource}: {change.label}"


@dataclass
class Seen:
    """What one provider's ``n`` resources sent to Graph in one step, per resource."""

    requests: float
    bytes: float
    methods: str
    """Resource 0's requests (``GET+PATCH``), or ``mixed`` when the resources differ."""
    patch: Optional[str]
    """Resource 0's first PATCH body, as the emulator received it."""


def _method(case: Case, request: dict) -> str:
    last = request["path"].rstrip("/").rsplit("/", 1)[-1]
    return FUNCTION_MARK if last in case.kind.functions.values() else request["method"]


def _seen(case: Case, log: list[dict], n: int) -> Seen:
    per = len(log) // n
    chunks = [[_method(case, r) for r in log[i * per:(i + 1) * per]] for i in range(n)]
    uniform = len(log) == per * n and all(chunk == chunks[0] for chunk in chunks)
    first = log[:per]
    return Seen(
        requests=len(log) / n,
        bytes=sum(len(r["raw_body"].encode()) for r in log) / n,
        methods=("+".join(chunks[0]) if uniform else "mixed"),
        patch=next((r["raw_body"] for r in first if r["method"] == "PATCH"), None),
    )


def measure(emulator: Any, case: Case, n: int) -> dict[str, dict[str, Seen]]:
    """Step label -> {"ours": Seen, "full": Seen}."""
    out: dict[str, dict[str, Seen]] = {}
    config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
    with tempfile.TemporaryDirectory() as tmp, emulator.switched(**case.switches):
        engine = Engine(config, Path(tmp) / "state.json", env=subprocess_env())
        declared: dict[str, Any] = {}
        for step in steps(case):
            props = {**declared, **(step.change.props if step.change else {})}
            emulator.clear_requests()
            with emulator.switched(**(step.change.switches if step.change else {})):
                _run(engine, case, step, props, n)
            if step.action == "up":
                declared = props
            log = emulator.requests()
            out[step.label] = {who: _seen(case, [r for r in log if _by(who, r)], n) for who in WHO}
            stray = [r for r in log if not any(_by(who, r) for who in WHO)]
            if stray:
                raise BenchmarkError(f"{case.title}, {step.label}: requests of neither provider: {stray[:3]}")
    return out


def _run(engine: Engine, case: Case, step: Step, props: dict, n: int) -> None:
    if step.action == "refresh":
        engine.refresh()
    elif step.action == "destroy":
        engine.destroy()
    else:
        preview = step.action == "preview"
        with engine.deployment(preview=preview):
            for who, provider in (("ours", case.ours), ("full", case.full)):
                for i in range(n):
                    name = resource_name(who, i)
                    engine.register(name, case.inputs(provider, name, USERS[who], **props), Options(), preview,
                                    case.urn_type)
        ops = {s.op for s in engine.steps}
        if "failed" in ops:
            raise BenchmarkError(f"{case.title}, {step.label}: the engine stand-in reports a failed step")


def _cell(seen: Seen) -> str:
    return f"{seen.requests:g} ({seen.methods})" if seen.methods else f"{seen.requests:g}"


def tables_a(measured: dict[str, dict[str, dict[str, Seen]]]) -> tuple[list[Table], dict]:
    """One table per case, and the figures for the summary."""
    tables, figures = [], {}
    for case in CASES:
        per_step = measured[case.key]
        rows = [[label, _cell(seen["ours"]), _cell(seen["full"]), f"{seen['ours'].bytes:.0f}",
                 f"{seen['full'].bytes:.0f}"] for label, seen in per_step.items()]
        total = {who: sum(seen[who].requests for seen in per_step.values()) for who in WHO}
        sent = {who: sum(seen[who].bytes for seen in per_step.values()) for who in WHO}
        rows.append([TOTAL, f"**{total['ours']:g}**", f"**{total['full']:g}**", f"{sent['ours']:.0f}",
                     f"{sent['full']:.0f}"])
        tables.append(Table(case.title, ["operation (per resource)", "this provider: requests", "full body: requests",
                                         "this provider: body bytes sent", "full body: body bytes sent"], rows))
        one_field = f"`up`, {case.changes[0].label}"
        unchanged = per_step["preview, unchanged"]
        figures[case.key] = {
            "one_field": (per_step[one_field]["ours"].requests, per_step[one_field]["full"].requests),
            "preview": (unchanged["ours"].requests, unchanged["full"].requests),
            "total": (total["ours"], total["full"]),
        }
    return tables, figures


def _normalised(case: Case, name: str, props: dict) -> dict:
    checked, failures = validate(case.kind, {**case.build(name), **props})
    if failures:
        raise BenchmarkError(f"{case.title}: benchmark inputs fail validation: {failures}")
    return managed(case.kind, checked)


def table_b(measured: dict[str, dict[str, dict[str, Seen]]]) -> tuple[Table, dict]:
    """PATCH bytes for each change, computed and as the emulator received them."""
    rows, figures = [], {}
    for case, change, before, after in bytes_rows():
        first_ours, first_full = resource_name("ours", 0), resource_name("full", 0)
        minimal = encode(minimal_patch(case.kind, _normalised(case, first_ours, before),
                                       _normalised(case, first_ours, after)))
        whole = encode(_normalised(case, first_full, after))
        seen = measured[case.key][f"`up`, {change.label}"]
        bodies = {who: seen[who].patch for who in WHO}
        if None in bodies.values():
            raise BenchmarkError(f"{bytes_label(case, change)}: no PATCH seen from {[w for w in WHO if not bodies[w]]}")
        ours, full = (len(bodies[who].encode()) for who in WHO)
        label = bytes_label(case, change)
        rows.append([label, len(minimal), ours, len(whole), full, f"{full / ours:.1f}x"])
        figures[label] = (ours, full)
    return Table(None, ["change", "minimal: `encode(minimal_patch)`", "minimal: seen by emulator",
                       "full: `encode(every property)`", "full: seen by emulator", "full / minimal"], rows), figures
