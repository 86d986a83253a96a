"""The benchmarks cannot rot: ``python -m benchmarks --smoke`` runs here, every section, every row.

The figures are the benchmark's to print (see ``benchmarks/README.md``); nothing here looks at a
time. What is held: the run exits 0, and it prints every table and every row the benchmark
declares for the smoke plan (``benchmarks.run.layout``, the same declaration each section is
checked against while it runs), so a section that stops working, a baseline that fails, or a
row that goes missing fails this test. Regression: the benchmarks crashed after the provider was
restructured (``'FullBodyProvider' object has no attribute '_with_etag'``) and nothing noticed,
and a baseline whose updates all failed still printed a ratio.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``benchmarks`` lives at the root, beside ``tests``; it is not installed
    sys.path.append(str(ROOT))

from benchmarks import run as bench  # noqa: E402
from benchmarks._harness import BenchmarkError, Table  # noqa: E402


def printed_tables(output: str) -> dict[str, list[str]]:
    """Heading -> the first cell of each row of the table under it (header and rule left out)."""
    tables: dict[str, list[str]] = {}
    heading = None
    for line in output.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and heading is not None:
            tables.setdefault(heading, []).append(line.strip().strip("|").split("|")[0].strip())
    return {h: rows[2:] for h, rows in tables.items()}


def test_smoke_run_exits_0_and_prints_every_declared_section_and_row():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke"], cwd=ROOT, capture_output=True,
                          text=True, timeout=240, check=False)
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    printed = printed_tables(done.stdout)
    expected = bench.layout(bench.PLANS["smoke"])
    assert [heading for heading, _ in expected if heading not in printed] == []
    for heading, rows in expected:
        assert printed[heading] == rows, heading
    for section in bench.SECTIONS:
        if section.key in bench.runnable():
            assert f"## {section.heading}" in done.stdout
        else:  # section f without the pulumi CLI: left out, saying why
            assert f"Section {section.key} is left out: {section.unavailable()}." in done.stdout
    assert "**failed**" not in done.stdout


def test_the_layout_covers_every_section_and_both_resource_kinds():
    expected = dict(bench.layout(bench.PLANS["smoke"]))
    headings = list(expected)
    assert headings[0] == bench.TITLE and headings[-1] == bench.SUMMARY
    assert [s.key for s in bench.SECTIONS] == list("abcdef")
    everything = " ".join(row for rows in expected.values() for row in rows) + " ".join(headings)
    assert "VirtualAppointment" in everything and "OnlineMeeting" in everything
    assert all(rows for rows in expected.values())


@contextlib.contextmanager
def _nothing_served():
    yield None, None


def _section(key: str, run) -> bench.Section:
    return bench.Section(key, "a test section", lambda plan: [(None, ["row one", "row two"])], run,
                         lambda plan: [bench.SummaryRow("ratio of it", lambda figures: [f"{figures['x']}x", "", ""])])


def _main_with(monkeypatch, capsys, *sections: bench.Section) -> tuple[int, str]:
    monkeypatch.setattr(bench, "served", _nothing_served)
    monkeypatch.setattr(bench, "SECTIONS", sections)
    status = bench.main(["--smoke", "--sections", "".join(s.key for s in sections)])
    return status, capsys.readouterr().out


def _fails(message: str):
    def run(ctx):
        raise BenchmarkError(message)
    return run


def _table(*rows: str):
    return lambda ctx: ([Table(None, ["row", "figure"], [[row, "1"] for row in rows])], {"x": 3})


def test_a_section_that_fails_fails_the_run_with_its_reason_and_no_ratio(monkeypatch, capsys):
    status, out = _main_with(monkeypatch, capsys, _section("a", _fails("the full-body baseline failed: 412")),
                             _section("b", _table("row one", "row two")))
    assert status == 1
    assert "**failed**: BenchmarkError: the full-body baseline failed: 412" in out
    assert "section a failed" in out
    assert out.count("ratio of it") == 1  # b's summary row only: none for the failed section
    assert "| row one | 1 |" in out  # the other section still prints


@pytest.mark.parametrize("rows", [("row one",), ("row one", "row two", "row three"), ("row two", "row one")],
                         ids=["missing", "extra", "reordered"])
def test_a_section_whose_rows_differ_from_its_declaration_fails_the_run(monkeypatch, capsys, rows):
    status, out = _main_with(monkeypatch, capsys, _section("a", _table(*rows)))
    assert status == 1
    assert "produced other tables or rows than declared" in out
    assert "| row one | 1 |" not in out
