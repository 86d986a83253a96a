"""Section d: declaring 1,000 and 10,000 resources in one program under ``pulumi.runtime`` mocks.

Each (size, resource class) runs in a fresh process (``benchmarks.declare``), so its peak resident
set (``ru_maxrss``) is its own. ``VirtualAppointment`` is compared with ``NoopResource``, a bare
dynamic resource registering the same state, so the SDK's share is visible. Linear growth shows
as equal per-resource figures at both sizes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from ._harness import subprocess_env, table

__all__ = ["run"]


def _declare(n: int, kind: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.declare", str(n), kind]
    done = subprocess.run(command, capture_output=True, text=True, env=subprocess_env(), timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.declare {n} {kind} failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["ms_per"] = result["seconds"] * 1000 / n
    result["ms_per_no_gc"] = (result["seconds"] - result["gc_seconds"]) * 1000 / n
    result["kb_per"] = (result["peak_kb"] - result["before_kb"]) / n
    return result


def run(sizes: tuple[int, ...]) -> tuple[str, dict]:
    """Returns the markdown of section d and its figures."""
    results = {(n, kind): _declare(n, kind) for n in sizes for kind in ("ours", "noop")}
    rows = []
    for n in sizes:
        ours, noop = results[(n, "ours")], results[(n, "noop")]
        rows.append([
            f"{n:,}",
            f"{ours['ms_per']:.2f} ({ours['ms_per_no_gc']:.2f})", f"{noop['ms_per']:.2f} ({noop['ms_per_no_gc']:.2f})",
            f"{ours['ms_per'] / noop['ms_per']:.2f}x",
            f"{ours['peak_kb'] / 1024:.0f}", f"{ours['kb_per']:.1f}", f"{noop['kb_per']:.1f}",
            f"{ours['input_bytes']:.0f} ({ours['provider_bytes']:.0f})", f"{noop['input_bytes']:.0f}",
        ])
    small, large = sizes[0], sizes[-1]
    growth = {
        "time": results[(large, "ours")]["ms_per"] / results[(small, "ours")]["ms_per"],
        "time_no_gc": results[(large, "ours")]["ms_per_no_gc"] / results[(small, "ours")]["ms_per_no_gc"],
        "memory": results[(large, "ours")]["kb_per"] / results[(small, "ours")]["kb_per"],
        "state": results[(large, "ours")]["input_bytes"] / results[(small, "ours")]["input_bytes"],
    }
    text = table(
        ["resources", "VirtualAppointment: ms per resource (without GC)", "no-op resource: ms per resource (without GC)",
         "ratio",
         "VirtualAppointment: peak RSS, MB", "VirtualAppointment: RSS growth per resource, KB",
         "no-op: RSS growth per resource, KB", "VirtualAppointment: state bytes per resource (of it `__provider`)",
         "no-op: state bytes per resource"],
        rows,
    )
    text += (
        f"\n\nPer-resource figures at {large:,} relative to {small:,}: time {growth['time']:.2f}x "
        f"({growth['time_no_gc']:.2f}x without the time spent in CPython's cyclic garbage collector, which "
        f"walks every live object the SDK keeps per resource), memory {growth['memory']:.2f}x, state bytes "
        f"{growth['state']:.2f}x (1.00x = linear growth). State bytes are "
        "`len(json.dumps(inputs))` of what each resource registers, the `__provider` string included; the "
        "appointment has settings, two clients and an external id. Under mocks nothing is sent anywhere: this is "
        "the program's own cost (the SDK plus the resource class)."
    )
    return text, {"results": results, "growth": growth}
