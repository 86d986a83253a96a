"""Section d: declaring many resources in one program under ``pulumi.runtime`` mocks.

Each (size, resource class) runs in a fresh process (``benchmarks.declare``), so its peak resident
set (``ru_maxrss``) is its own. ``VirtualAppointment`` and ``OnlineMeeting`` are each compared
with ``NoopResource``, a bare dynamic resource registering the same state, so the SDK's share is
visible. Linear growth shows as equal per-resource figures at both sizes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Optional

from ._harness import BenchmarkError, Table, subprocess_env

__all__ = ["run", "rows", "x", "RESOURCES"]

RESOURCES = (("VirtualAppointment", "appointment"), ("OnlineMeeting", "meeting"))
"""(resource class, ``benchmarks.declare`` kind); each is compared with ``{kind}-noop``."""


def rows(sizes: tuple[int, ...]) -> list[str]:
    return [f"{resource}, {n:,} resources" for resource, _ in RESOURCES for n in sizes]


def _over(a: float, b: float) -> Optional[float]:
    """``a / b``, or ``None`` when ``b`` is zero (tiny sizes grow no memory the OS would show)."""
    return a / b if b else None


def x(ratio: Optional[float]) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _declare(n: int, kind: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.declare", str(n), kind]
    done = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=900, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"benchmarks.declare {n} {kind} failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["ms_per"] = result["seconds"] * 1000 / n
    result["ms_per_no_gc"] = (result["seconds"] - result["gc_seconds"]) * 1000 / n
    result["kb_per"] = (result["peak_kb"] - result["before_kb"]) / n
    return result


def run(sizes: tuple[int, ...]) -> tuple[list[Table], dict]:
    """Section d's table and its figures."""
    results = {(n, kind): _declare(n, kind) for _, base in RESOURCES for n in sizes for kind in (base, f"{base}-noop")}
    table_rows, growth = [], {}
    for resource, base in RESOURCES:
        for n in sizes:
            ours, noop = results[(n, base)], results[(n, f"{base}-noop")]
            table_rows.append([
                f"{resource}, {n:,} resources",
                f"{ours['ms_per']:.2f} ({ours['ms_per_no_gc']:.2f})",
                f"{noop['ms_per']:.2f} ({noop['ms_per_no_gc']:.2f})",
                x(_over(ours["ms_per"], noop["ms_per"])),
                f"{ours['peak_kb'] / 1024:.0f}", f"{ours['kb_per']:.1f}", f"{noop['kb_per']:.1f}",
                f"{ours['input_bytes']:.0f} ({ours['provider_bytes']:.0f})", f"{noop['input_bytes']:.0f}",
            ])
        small, large = results[(sizes[0], base)], results[(sizes[-1], base)]
        growth[resource] = {
            "time": _over(large["ms_per"], small["ms_per"]),
            "time_no_gc": _over(large["ms_per_no_gc"], small["ms_per_no_gc"]),
            "memory": _over(large["kb_per"], small["kb_per"]),
            "state": _over(large["input_bytes"], small["input_bytes"]),
            "vs_noop": _over(large["ms_per"], results[(sizes[-1], f"{base}-noop")]["ms_per"]),
        }
    small, large = sizes[0], sizes[-1]
    note = " ".join(
        f"{resource} per resource at {large:,} relative to {small:,}: time {x(g['time'])} ({x(g['time_no_gc'])} "
        f"without GC), memory {x(g['memory'])}, state bytes {x(g['state'])}."
        for resource, g in growth.items()
    ) + (
        " 1.00x = linear growth. \"Without GC\" leaves out the time spent in CPython's cyclic garbage collector, which "
        "walks every live object the SDK keeps per resource. State bytes are `len(json.dumps(inputs))` of what each "
        "resource registers, the `__provider` string included; the appointment has settings, two clients and an "
        "external id, the meeting a subject, times, two attendees, lobby, chat and recording settings. Under mocks "
        "nothing is sent anywhere: this is the program's own cost (the SDK plus the resource class)."
    )
    table = Table(None, [
        "resource class, resources", "ms per resource (without GC)",
        "no-op resource, same state: ms per resource (without GC)", "ratio", "peak RSS, MB",
        "RSS growth per resource, KB", "no-op: RSS growth per resource, KB",
        "state bytes per resource (of it `__provider`)", "no-op: state bytes per resource",
    ], table_rows, note)
    return [table], {"results": results, "growth": growth, "sizes": sizes}
