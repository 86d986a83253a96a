"""The benchmark run: its plans (sizes), its sections and their rows, the summary, the exit status.

Every section declares, before it runs, the tables and rows it prints (``Section.layout``); the
run checks what each section produced against that, and the smoke test
(``tests/test_benchmarks.py``) checks the printed output against the same declaration, so the two
cannot drift. A section that raises, a baseline that fails, or a declared row that is missing
makes the section print the reason instead of its tables, and the run exit 1: a ratio is never
printed next to a failure.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from . import concurrency, engine, overhead, requests_per_op, scale
from ._harness import MACHINE_ROWS, BenchmarkError, Table, machine, served, table
from .cases import CASES

__all__ = ["Plan", "PLANS", "Section", "SECTIONS", "SummaryRow", "TITLE", "SUMMARY", "layout", "main"]

TITLE = "pulumi-virtualappointment benchmarks"
SUMMARY = "Summary (ratios)"


@dataclass(frozen=True)
class Plan:
    """How big a run is."""

    name: str
    resources: int
    """a: resources per provider and case."""
    calls: int
    """c: timed calls per variant (medians)."""
    warmup: int
    """c: untimed calls per variant first."""
    sizes: tuple[int, int]
    """d: resources declared in one program, smaller and larger."""
    updates: int
    """e: updates per run."""
    latency: float
    """e, f: seconds the emulator waits in every Graph request."""
    engine_sizes: tuple[int, int]
    """f: meetings in the unchanged previews."""
    engine_pairs: int
    """f: meetings (each with its appointment) in the first `up`."""
    engine_repeats: int
    """f: timed previews per variant (median)."""


PLANS = {
    "full": Plan("full", resources=10, calls=500, warmup=10, sizes=(1_000, 10_000), updates=200, latency=0.05,
                 engine_sizes=(100, 1_000), engine_pairs=200, engine_repeats=3),
    "quick": Plan("quick", resources=5, calls=150, warmup=10, sizes=(1_000, 5_000), updates=80, latency=0.05,
                  engine_sizes=(100, 1_000), engine_pairs=100, engine_repeats=1),
    "smoke": Plan("smoke", resources=1, calls=3, warmup=1, sizes=(5, 10), updates=8, latency=0.005,
                  engine_sizes=(2, 4), engine_pairs=2, engine_repeats=1),
}


@dataclass(frozen=True)
class SummaryRow:
    """A row of the summary: its label and its cells from the section's figures."""

    label: str
    cells: Callable[[dict], Sequence[str]]


@dataclass
class Context:
    """What sections share in one run."""

    emulator: Any
    server: Any
    plan: Plan
    memo: dict = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    layout: Callable[[Plan], list[tuple[Optional[str], list[str]]]]
    """(table heading, or ``None`` for the section's only table; its row labels), in order."""
    run: Callable[[Context], tuple[list[Table], dict]]
    summary: Callable[[Plan], list[SummaryRow]] = lambda plan: []
    unavailable: Callable[[], Optional[str]] = lambda: None
    """Why the section cannot run on this machine (it is then left out, saying so), or ``None``."""

    @property
    def heading(self) -> str:
        return f"{self.key}. {self.title}"


# -- a and b: requests and bytes ---------------------------------------------------------------------


def _lifecycles(ctx: Context) -> dict:
    return ctx.once("lifecycles", lambda: {case.key: requests_per_op.measure(ctx.emulator, case, ctx.plan.resources)
                                           for case in CASES})


def _run_b(ctx: Context) -> tuple[list[Table], dict]:
    table_b, figures = requests_per_op.table_b(_lifecycles(ctx))
    return [table_b], figures


def _pair(figures: tuple[float, float], word: str) -> Sequence[str]:
    """(this provider, full body) and how many times fewer or smaller; no ratio to a zero."""
    ours, full = figures
    ratio = f"{full / ours:.1f}x {word}" if ours else ("none at all" if full else "-")
    return [f"{ours:g}", f"{full:g}", ratio]


_A_FIGURES = (("one_field", "one-field `up`"), ("preview", "unchanged preview"),
              ("total", "whole lifecycle of section a"))


def _summary_a(plan: Plan) -> list[SummaryRow]:
    return [SummaryRow(f"Graph requests, {words}: {case.title}",
                       lambda a, key=case.key, what=what: _pair(a[key][what], "fewer"))
            for case in CASES for what, words in _A_FIGURES]


def _summary_b(plan: Plan) -> list[SummaryRow]:
    labels = [requests_per_op.bytes_label(case, change) for case, change, _, _ in requests_per_op.bytes_rows()]
    return [SummaryRow(f"PATCH bytes, {label}", lambda b, label=label: _pair(b[label], "smaller")) for label in labels]


# -- c, d, e --------------------------------------------------------------------------------------------


def _summary_c(plan: Plan) -> list[SummaryRow]:
    def ratio(a: str, b: str, note: str = "") -> Callable[[dict], Sequence[str]]:
        return lambda c: [f"{c[a] / c[b]:.2f}x", "", note]
    return [
        SummaryRow("Diff through the host vs no-op provider: VirtualAppointment", ratio("diff_ours", "diff_noop")),
        SummaryRow("Diff through the host vs no-op provider: OnlineMeeting", ratio("diff_meeting", "diff_noop")),
        SummaryRow("Update through the host vs no-op provider + bare PATCH: VirtualAppointment",
                   ratio("update_ours", "update_bare_host")),
        SummaryRow("Update through the host vs bare `requests` PATCH: VirtualAppointment",
                   ratio("update_ours", "bare", "host + gRPC: SDK")),
        SummaryRow("`provider.update` (no host) vs bare `requests` PATCH", ratio("direct", "bare")),
    ]


def _summary_d(plan: Plan) -> list[SummaryRow]:
    small, large = plan.sizes
    rows = []
    for resource, _ in scale.RESOURCES:
        rows += [
            SummaryRow(f"{large:,} resources: time per resource vs no-op dynamic resource: {resource}",
                       lambda d, r=resource: [scale.x(d["growth"][r]["vs_noop"]), "", ""]),
            SummaryRow(f"per-resource time (without GC) / memory / state, {large:,} vs {small:,}: {resource}",
                       lambda d, r=resource: [
                           f"{scale.x(d['growth'][r]['time'])} ({scale.x(d['growth'][r]['time_no_gc'])}) / "
                           f"{scale.x(d['growth'][r]['memory'])} / {scale.x(d['growth'][r]['state'])}", "",
                           "1.00x = linear"]),
        ]
    return rows


def _summary_e(plan: Plan) -> list[SummaryRow]:
    return [SummaryRow(f"updates at {plan.latency * 1000:g} ms latency, wall / ideal: {run.label}",
                       lambda e, label=run.label: [f"{e[label]:.2f}x", "", ""])
            for run in concurrency.RUNS if run.callers == concurrency.HOST_WORKERS]


def _summary_f(plan: Plan) -> list[SummaryRow]:
    small, large = plan.engine_sizes
    return [
        *(SummaryRow(f"real engine: unchanged preview of {n:,} meetings, wall vs no-op provider",
                     lambda f, n=n: [f"{f[f'preview_{n}']:.2f}x", "", "0 Graph requests"]) for n in (small, large)),
        SummaryRow(f"real engine: first up of {plan.engine_pairs:,} meetings + appointments, wall / ideal",
                   lambda f: [f"{f['up_vs_ideal']:.2f}x", "", f"{engine.HOST_WORKERS} host workers"]),
        SummaryRow("real engine: provider host peak memory, this provider / no-op",
                   lambda f: [f"{f['host_mb']:.0f} MB", "", f"no-op {f['noop_host_mb']:.0f} MB"]),
    ]


SECTIONS = (
    Section(
        "a", "Graph requests per operation (per resource)",
        lambda plan: [(case.title, [s.label for s in requests_per_op.steps(case)] + [requests_per_op.TOTAL])
                      for case in CASES],
        lambda ctx: requests_per_op.tables_a(_lifecycles(ctx)),
        _summary_a,
    ),
    Section(
        "b", "PATCH body bytes for a change (appointment of 10 clients, meeting of 10 attendees)",
        lambda plan: [(None, [requests_per_op.bytes_label(case, change)
                              for case, change, _, _ in requests_per_op.bytes_rows()])],
        _run_b,
        _summary_b,
    ),
    Section(
        "c", "Provider overhead per Diff and Update through the SDK's provider host",
        lambda plan: [(None, list(overhead.ROWS))],
        lambda ctx: overhead.run(ctx.server, ctx.emulator, ctx.plan.calls, ctx.plan.warmup),
        _summary_c,
    ),
    Section(
        "d", "Declaring many resources in one program (pulumi.runtime mocks)",
        lambda plan: [(None, scale.rows(plan.sizes))],
        lambda ctx: scale.run(ctx.plan.sizes),
        _summary_d,
    ),
    Section(
        "e", "Updates with Graph latency, at the provider host's concurrency",
        lambda plan: [(None, concurrency.rows())],
        lambda ctx: concurrency.run(ctx.server, ctx.emulator, ctx.plan.updates, ctx.plan.latency),
        _summary_e,
    ),
    Section(
        "f", "The real engine: `pulumi preview` and `pulumi up` through the CLI",
        lambda plan: [(None, engine.rows(plan.engine_sizes, plan.engine_pairs, plan.latency))],
        lambda ctx: engine.run(ctx.emulator, ctx.plan.engine_sizes, ctx.plan.engine_pairs, ctx.plan.latency,
                               ctx.plan.engine_repeats),
        _summary_f,
        engine.available,
    ),
)

ALL = "".join(s.key for s in SECTIONS)


def runnable(keys: str = ALL) -> str:
    """The sections of ``keys`` this machine can run (section f needs the pulumi CLI)."""
    return "".join(s.key for s in SECTIONS if s.key in keys and s.unavailable() is None)


def layout(plan: Plan, keys: str = ALL) -> list[tuple[str, list[str]]]:
    """Every table the run prints, as (its heading, its row labels): the machine, each section's
    tables, the summary. What the smoke test expects, and what each section is held to."""
    chosen = [s for s in SECTIONS if s.key in runnable(keys)]
    tables = [(TITLE, list(MACHINE_ROWS))]
    for section in chosen:
        tables += [(heading or section.heading, labels) for heading, labels in section.layout(plan)]
    tables.append((SUMMARY, [row.label for s in chosen for row in s.summary(plan)]))
    return tables


# -- running ------------------------------------------------------------------------------------------


def _run_section(section: Section, ctx: Context) -> tuple[str, dict]:
    """The section's markdown and figures; ``BenchmarkError`` when it produced other rows than it declares."""
    tables, figures = section.run(ctx)
    declared = section.layout(ctx.plan)
    produced = [(t.heading, t.labels) for t in tables]
    if produced != declared:
        missing = [(h, [r for r in rows if r not in dict(produced).get(h, [])]) for h, rows in declared]
        raise BenchmarkError(f"produced other tables or rows than declared; missing: "
                             f"{[(h, rows) for h, rows in missing if rows]}; produced: {produced}")
    parts = []
    for t in tables:
        parts.append(f"### {t.heading}\n\n{t.render()}" if t.heading else t.render())
    return "\n\n".join(parts), figures


def _summary(sections: Sequence[Section], figures: dict, plan: Plan) -> str:
    rows = [[row.label, *row.cells(figures[s.key])] for s in sections if s.key in figures for row in s.summary(plan)]
    return table(["figure", "this provider", "full body", "note"], rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Print the benchmark tables (markdown).")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="fewer iterations and 1,000/5,000 resources instead of 1,000/10,000")
    size.add_argument("--smoke", action="store_true",
                      help="tiny sizes, seconds: every section and row, figures meaningless (the test suite runs it)")
    parser.add_argument("--sections", default=ALL,
                        help=f"which sections to run, e.g. 'ac' (default: {ALL}; f only where the pulumi CLI is)")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)
    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]
    unknown = set(args.sections.lower()) - {s.key for s in SECTIONS}
    if unknown:
        _parser().error(f"unknown sections {''.join(sorted(unknown))}; choose from {ALL}")
    asked = args.sections.lower()
    for section in SECTIONS:
        reason = section.unavailable() if section.key in asked else None
        if reason and args.sections != ALL:
            _parser().error(f"section {section.key} cannot run here: {reason}")
    sections = [s for s in SECTIONS if s.key in runnable(asked)]
    started = time.perf_counter()
    print(f"# {TITLE}\n")
    command = "python -m benchmarks" + ("" if plan.name == "full" else f" --{plan.name}")
    meaning = ": tiny sizes, to show every section works; the figures mean nothing" if plan.name == "smoke" else ""
    print(f"`{command}`{meaning}\n")
    print(table(["machine", ""], machine()))
    for section in SECTIONS:
        if section.key in asked and section.unavailable():
            print(f"\nSection {section.key} is left out: {section.unavailable()}.")
    figures: dict = {}
    errors: list[str] = []
    try:
        with served() as (emulator, server):
            ctx = Context(emulator, server, plan)
            for section in sections:
                print(f"\n## {section.heading}\n", flush=True)
                try:
                    text, figures[section.key] = _run_section(section, ctx)
                except Exception as exc:  # noqa: BLE001 - every section is tried; the run fails at the end
                    reason = f"{type(exc).__name__}: {exc}"
                    errors.append(f"section {section.key} failed: {reason}")
                    traceback.print_exc()
                    print(f"**failed**: {reason}", flush=True)
                    continue
                print(text, flush=True)
    except Exception as exc:  # noqa: BLE001 - the emulator or the provider host did not start or stop
        traceback.print_exc()
        errors.append(f"the benchmark set-up failed: {type(exc).__name__}: {exc}")
    print(f"\n## {SUMMARY}\n")
    try:
        print(_summary(sections, figures, plan))
    except Exception as exc:  # noqa: BLE001 - figures a summary row cannot use: the run fails, saying so
        traceback.print_exc()
        errors.append(f"the summary failed: {type(exc).__name__}: {exc}")
        print(f"**failed**: {type(exc).__name__}: {exc}")
    print(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    if errors:
        print("\nFAILED:\n" + "\n".join(f"- {e}" for e in errors))
        print("benchmark failed: " + "; ".join(errors), file=sys.stderr)
        return 1
    return 0
