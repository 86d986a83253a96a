"""``python -m benchmarks [--quick] [--sections abcde]``: print the benchmark tables (markdown).

Figures, not pass/fail. Sections: a) Graph requests per operation, this provider vs a full-body
strategy; b) PATCH bytes for a one-field change; c) provider overhead per Diff and Update through
the SDK's provider host; d) declaring 1,000 and 10,000 resources; e) 200 updates at 50 ms Graph
latency at the host's concurrency. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time

from . import concurrency, overhead, requests_per_op, scale
from ._harness import machine, served, table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true",
                        help="fewer iterations and 1,000/5,000 resources instead of 1,000/10,000 (about 40 s)")
    parser.add_argument("--sections", default="abcde", help="which sections to run, e.g. 'ac' (default: abcde)")
    return parser


def _summary(figures: dict) -> str:
    rows = []
    if "a" in figures:
        a = figures["a"]
        (ours, full) = a["update_requests"]
        rows.append(["Graph requests, `up` with one field changed", f"{ours:g}", f"{full:g}", f"{full / ours:.1f}x fewer"])
        (ours, full) = a["preview_requests"]
        rows.append(["Graph requests, unchanged preview (per resource)", f"{ours:g}", f"{full:g}", "none at all"])
        (ours, full) = a["total_requests"]
        rows.append(["Graph requests, whole lifecycle of section a", f"{ours:g}", f"{full:g}", f"{full / ours:.1f}x fewer"])
        for label, (ours, full) in a["patch_bytes"].items():
            rows.append([f"PATCH bytes, 10 clients, {label}", ours, full, f"{full / ours:.1f}x smaller"])
    if "c" in figures:
        c = figures["c"]
        rows.append(["Diff through the host vs no-op provider", f"{c['diff_ours'] / c['diff_noop']:.2f}x", "", ""])
        rows.append(["Update through the host vs no-op provider + bare PATCH",
                     f"{c['update_ours'] / c['update_bare_host']:.2f}x", "", ""])
        rows.append(["Update through the host vs bare `requests` PATCH", f"{c['update_ours'] / c['bare']:.2f}x", "",
                     "host + gRPC: SDK"])
        rows.append(["`provider.update` (no host) vs bare `requests` PATCH", f"{c['direct'] / c['bare']:.2f}x", "", ""])
    if "d" in figures:
        d = figures["d"]
        sizes = sorted({n for n, _ in d["results"]})
        small, large = sizes[0], sizes[-1]
        ours, noop = d["results"][(large, "ours")], d["results"][(large, "noop")]
        rows.append([f"{large:,} resources: time per resource vs no-op dynamic resource",
                     f"{ours['ms_per'] / noop['ms_per']:.2f}x", "", ""])
        rows.append([f"per-resource time (without GC) / memory / state, {large:,} vs {small:,}",
                     f"{d['growth']['time']:.2f}x ({d['growth']['time_no_gc']:.2f}x) / {d['growth']['memory']:.2f}x / "
                     f"{d['growth']['state']:.2f}x", "", "1.00x = linear"])
    if "e" in figures:
        for (label, callers), value in figures["e"].items():
            if callers == concurrency.HOST_WORKERS:
                rows.append([f"updates at 50 ms latency, 4 callers: wall / ideal, {label}", f"{value:.2f}x", "", ""])
    return table(["figure", "this provider", "full body", "note"], rows)


def _section(title: str, text: str) -> None:
    print(f"\n## {title}\n")
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sections = set(args.sections.lower())
    quick = args.quick
    started = time.perf_counter()
    print("# pulumi-virtualappointment benchmarks" + (" (--quick)" if quick else ""))
    print()
    print(table(["machine", ""], machine()))
    figures: dict = {}
    with served() as (emulator, server):
        if sections & set("ab"):
            text_a, text_b, figures["a"] = requests_per_op.run(server, emulator, 5 if quick else 10)
            if "a" in sections:
                _section("a. Graph requests per operation (per resource; appointments of 10 clients)", text_a)
            if "b" in sections:
                _section("b. PATCH body bytes for a change on an appointment with 10 clients", text_b)
        if "c" in sections:
            text, figures["c"] = overhead.run(server, emulator, 150 if quick else 500)
            _section("c. Provider overhead per Diff and Update through the SDK's provider host", text)
        if "d" in sections:
            text, figures["d"] = scale.run((1_000, 5_000) if quick else (1_000, 10_000))
            _section("d. Declaring many resources in one program (pulumi.runtime mocks)", text)
        if "e" in sections:
            text, figures["e"] = concurrency.run(server, emulator, 80 if quick else 200)
            _section("e. Updates at 50 ms Graph latency, at the provider host's concurrency", text)
    print("\n## Summary (ratios)\n")
    print(_summary(figures))
    print(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
