"""Sections a and b: Graph requests per operation and PATCH bytes, this provider vs full body.

Both providers run in the same provider host against the same emulator, one after the other,
through ``tests/engine.py``'s ``Engine`` (Check, Diff, then Create or Update, as the engine
sequences them; Read on refresh; Delete on destroy). Requests and body bytes are counted from
the emulator's request log, per resource, over ``n`` appointments of 10 clients each.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

from pulumi_virtualappointment._model import managed
from pulumi_virtualappointment._patch import encode, minimal_patch

from ._harness import FULL, OURS, Engine, table

__all__ = ["appointment", "run"]


def appointment(meeting: str, provider: str, clients: int = 10, external_id: str = "AAMk-1", phone: str = "123-456-7890") -> dict:
    """One appointment as state: settings, ``clients`` clients, two scheduling-system links."""
    return {
        "__provider": provider,
        "onlineMeetingId": meeting,
        "settings": {"allowClientToJoinUsingBrowser": True},
        "appointmentClients": [
            {"displayName": f"Client {c}", "emailAddress": f"client{c}@contoso.com",
             "smsCapablePhoneNumber": phone if c == 0 else f"+1 425-555-{c:04d}"}
            for c in range(clients)
        ],
        "externalAppointmentId": external_id,
        "externalAppointmentUrl": f"https://scheduling.contoso.com/appointments/{meeting}",
    }


def _steps(n: int, provider: str, prefix: str) -> list[tuple[str, Callable[[Engine, Any], None]]]:
    def declare(preview: bool = False, **changes: Any) -> Callable[[Engine, Any], None]:
        def run(engine: Engine, emulator: Any) -> None:
            for i in range(n):
                engine.register(f"{prefix}-{i}", appointment(f"{prefix}-{i}", provider, **changes), preview)
        return run

    def no_etag(engine: Engine, emulator: Any) -> None:
        emulator.etag_on_write = False
        try:
            declare(external_id="AAMk-3")(engine, emulator)
        finally:
            emulator.etag_on_write = True

    return [
        ("create (`up` of a new stack)", declare()),
        ("preview, unchanged", declare(preview=True)),
        ("`up`, unchanged", declare()),
        ("preview, one field changed", declare(preview=True, external_id="AAMk-2")),
        ("`up`, one field changed", declare(external_id="AAMk-2")),
        ("`up`, one field changed, 204 without ETag", no_etag),
        ("`up`, one client's phone changed", declare(external_id="AAMk-3", phone="+1 425-555-9999")),
        ("refresh", lambda engine, emulator: engine.refresh()),
        ("destroy", lambda engine, emulator: engine.destroy()),
    ]


def _measure(server: Any, emulator: Any, n: int, provider: str, prefix: str) -> dict[str, dict]:
    """Per step: requests and body bytes per resource, and resource 0's requests."""
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(server, Path(tmp) / "state.json")
        for label, step in _steps(n, provider, prefix):
            emulator.clear_requests()
            step(engine, emulator)
            log = emulator.requests()
            first = [r for r in log if f"/{prefix}-0/" in r["path"]]
            out[label] = {
                "requests": len(log) / n,
                "bytes": sum(len(r["raw_body"].encode()) for r in log) / n,
                "methods": "+".join(r["method"] for r in first),
                "first": first,
            }
    return out


def _cell(figures: dict) -> str:
    count = figures["requests"]
    text = f"{count:g}"
    return f"{text} ({figures['methods']})" if figures["methods"] else text


def _patch_body(figures: dict) -> str:
    return next(r["raw_body"] for r in figures["first"] if r["method"] == "PATCH")


def run(server: Any, emulator: Any, n: int) -> tuple[str, str, dict]:
    """Returns the markdown of sections a and b, and the figures for the summary."""
    ours = _measure(server, emulator, n, OURS, "ours")
    full = _measure(server, emulator, n, FULL, "full")
    rows = [
        [label, _cell(ours[label]), _cell(full[label]), f"{ours[label]['bytes']:.0f}", f"{full[label]['bytes']:.0f}"]
        for label in ours
    ]
    total_ours = sum(f["requests"] for f in ours.values())
    total_full = sum(f["requests"] for f in full.values())
    rows.append(["**all of the above**", f"**{total_ours:g}**", f"**{total_full:g}**",
                 f"{sum(f['bytes'] for f in ours.values()):.0f}", f"{sum(f['bytes'] for f in full.values()):.0f}"])
    section_a = table(
        ["operation (per resource)", "this provider: requests", "full body: requests",
         "this provider: body bytes sent", "full body: body bytes sent"],
        rows,
    )

    old = appointment("ours-0", OURS)
    b_rows, b_figures = [], {}
    for label, new in (
        ("`externalAppointmentId` changed", appointment("ours-0", OURS, external_id="AAMk-2")),
        ("one client's phone changed", appointment("ours-0", OURS, phone="+1 425-555-9999")),
    ):
        minimal, whole = encode(minimal_patch(managed(old), managed(new))), encode(managed(new))
        step = "`up`, one field changed" if "external" in label else "`up`, one client's phone changed"
        seen_ours, seen_full = len(_patch_body(ours[step]).encode()), len(_patch_body(full[step]).encode())
        b_rows.append([label, len(minimal), seen_ours, len(whole), seen_full, f"{seen_full / seen_ours:.1f}x"])
        b_figures[label] = (seen_ours, seen_full)
    section_b = table(
        ["change on an appointment with 10 clients", "minimal: `encode(minimal_patch)`", "minimal: seen by emulator",
         "full: `encode(every property)`", "full: seen by emulator", "full / minimal"],
        b_rows,
    )
    figures = {
        "update_requests": (ours["`up`, one field changed"]["requests"], full["`up`, one field changed"]["requests"]),
        "preview_requests": (ours["preview, unchanged"]["requests"], full["preview, unchanged"]["requests"]),
        "total_requests": (total_ours, total_full),
        "patch_bytes": b_figures,
    }
    return section_a, section_b, figures
