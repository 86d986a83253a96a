"""Real-CLI tier: what a user types, under the real engine, against the emulator.

The README's quick start line for line (in bash), ``demo`` driving the CLI through the Automation
API, the pull-request pipeline's steps (``examples/pr-preview/pipeline.sh``) and an upgrade of this
package. Assertions come from the CLI's own output, ``pulumi stack export`` and the emulator's
request log. ``tests/test_cli_scenarios.py`` holds the lifecycle and resource-option scenarios (and
the stand-in to them). Where no CLI is on PATH this tier is skipped, saying why (``cli_harness``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import quickstart
from cli_harness import LANGUAGE_HOST, PULUMI, CliStack, need_cli, planned, summary
from conftest import TOKEN
from pulumi_virtualappointment.emulator import Emulator

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests" / "programs" / "scenario"
PACKAGE = ROOT / "provider" / "pulumi_virtualappointment"


@pytest.fixture(params=[LANGUAGE_HOST])
def language_host(request):
    need_cli()
    return request.param


def _bash(line: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_quickstart_as_the_readme_types_it(tmp_path, language_host):
    """The README's quick start in bash, line for line (tests/quickstart.py reads them from the README,
    and tests/test_readme.py holds that list equal to it everywhere), in a copy of the repository's
    project, against the emulator the first line starts (here on a free port instead of 8765).
    ``up`` and ``refresh`` get ``--yes``, as a terminal's "yes" at the prompt. The copy's Pulumi.yaml
    names this interpreter's environment as its ``virtualenv`` (where the package is installed)
    instead of ``.venv``; everything else is as shipped."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(ROOT / "__main__.py", project)
    settings = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = sys.prefix  # where this package is installed
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "MSGRAPH_", "AZURE_"))}
    env.update(HOME=str(tmp_path / "home"), PULUMI_HOME=str(tmp_path / "pulumi-home"), PULUMI_SKIP_UPDATE_CHECK="true",
               PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true", PULUMI_PYTHON_CMD=sys.executable, NO_COLOR="1")
    emulator = None
    try:
        for line, expect in quickstart.STEPS:
            if line.startswith("python -m pulumi_virtualappointment.emulator"):
                emulator = Emulator(token=line.split("--token ")[1].split()[0]).start()
                continue
            assert emulator is not None, "the README starts the emulator first"
            line = line.replace(quickstart.README_ENDPOINT, emulator.url)
            emulator.clear_requests()
            if line.startswith("export "):  # what the user's shell keeps for the lines after it
                name, value = line.removeprefix("export ").split("=", 1)
                env[name] = _bash(f"printf %s {value}", project, env).stdout
                continue
            if re.match(r"pulumi (up|refresh|destroy)$", line):
                line += " --yes"
            done = _bash(line, project, env)
            if expect is not None and expect[0] == "fails":
                assert done.returncode != 0 and expect[1] in done.stdout, (line, done.stdout, done.stderr)
                assert "Traceback" not in done.stdout + done.stderr
                continue
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            if expect is None:
                continue
            kind, value = expect
            if kind == "requests":
                got = [(r["method"], r["raw_body"]) if isinstance(value[0], tuple) else r["method"]
                       for r in emulator.requests()]
                assert got == value, line
            elif kind == "prints":
                assert done.stdout.startswith(value), (line, done.stdout)
            elif kind == "status":
                assert done.stdout.startswith("[") or done.stdout.startswith("{"), (line, done.stdout)
        assert (project / ".state" / ".pulumi").is_dir()  # the state went where the README says
        [appointment] = emulator.appointments()
        assert emulator.get(appointment)["externalAppointmentId"] == "AAMkADKnAAB="
        exported = _bash("pulumi stack export", project, env)
        assert exported.returncode == 0 and quickstart.README_TOKEN not in exported.stdout
        assert _bash("pulumi destroy --yes", project, env).returncode == 0
        assert emulator.meetings() == {} and emulator.appointments() == {}
    finally:
        if emulator is not None:
            emulator.stop()


def test_the_demo_drives_the_real_cli_through_the_automation_api(language_host):
    from pulumi_virtualappointment import _demo

    out = io.StringIO()
    assert _demo.run(None, out=out, cli=True) == 0, out.getvalue()
    assert out.getvalue().startswith("Driving the pulumi CLI through Pulumi's Automation API")
    assert out.getvalue().rstrip().endswith("Every step did what it printed.")
    assert "Traceback" not in out.getvalue()


def _pipeline(stack: CliStack, step: str) -> subprocess.CompletedProcess:
    env = {**stack.env, "PULUMI_STACK": stack.stack}
    return subprocess.run(["sh", str(stack.dir / "pipeline.sh"), step], cwd=stack.dir, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_pull_request_pipeline_previews_applies_and_finds_drift(tmp_path, language_host):
    """``examples/pr-preview/pipeline.sh``: the workflow's Pulumi steps as plain commands, on the
    ``from-data`` program the workflow deploys. A pull request's preview runs without a Graph token
    and sends nothing; ``apply`` deploys and then finds nothing left to do; ``drift`` reads Graph,
    writes nothing, and fails once something changed in Teams."""
    program = tmp_path / "from-data"
    shutil.copytree(ROOT / "examples" / "from-data", program, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    shutil.copy2(ROOT / "examples" / "pr-preview" / "pipeline.sh", program)
    with Emulator(token=TOKEN, implicit_meetings=True) as emulator:  # the data names meetings that exist
        stack = CliStack(tmp_path, program, emulator, TOKEN)
        applied = _pipeline(stack, "apply")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "Resources:\n    + 4 created" in applied.stdout and "no changes" not in applied.stdout.lower()
        data = stack.dir / "appointments.yaml"
        data.write_text(data.read_text().replace("external_appointment_id: AAMkADKnAAA=",
                                                 "external_appointment_id: AAMkADKnAAB="))
        stack.run("config", "rm", "msgraph:accessToken")  # the pull request's job has no Graph token
        emulator.clear_requests()
        preview = _pipeline(stack, "preview")
        assert preview.returncode == 0, preview.stdout + preview.stderr
        assert emulator.requests() == []
        assert planned(preview) == {"consult-grady": ("update", ["externalAppointmentId"])}
        assert '      ~ externalAppointmentId: "AAMkADKnAAA=" => "AAMkADKnAAB="' in preview.stdout.splitlines()

        stack.check("config", "set", "--secret", "msgraph:accessToken", TOKEN)  # main's job: the token, then apply
        emulator.clear_requests()
        applied = _pipeline(stack, "apply")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert [(r["method"], r["raw_body"]) for r in emulator.requests()] == [
            ("PATCH", '{"externalAppointmentId":"AAMkADKnAAB="}')]
        assert summary(stack.preview()) == ["4 unchanged"]

        emulator.clear_requests()
        clean = _pipeline(stack, "drift")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert {r["method"] for r in emulator.requests()} == {"GET"}
        path = next(p for p in emulator.appointments() if "MSpkYzE3" in p)
        emulator.edit(path, {"externalAppointmentId": "set-in-teams"})
        before = json.dumps(stack.export()["deployment"]["resources"])
        drift = _pipeline(stack, "drift")
        assert drift.returncode != 0, drift.stdout
        assert drift.stderr.strip() == "error: no changes were expected for refresh but changes were proposed"
        assert planned(drift) == {"consult-grady": ("update", ["externalAppointmentId"])}
        assert '      ~ externalAppointmentId: "AAMkADKnAAB=" => "set-in-teams"' in drift.stdout.splitlines()
        assert json.dumps(stack.export()["deployment"]["resources"]) == before  # nothing written to the state
        assert emulator.get(path)["externalAppointmentId"] == "set-in-teams"  # nor to Graph


def test_the_pipeline_script_runs_what_the_workflow_runs():
    """pipeline.sh and the GitHub workflow say the same: preview with the diff and no Graph token,
    apply without a refresh (a change in Teams must stop it), on the same stack."""
    workflow = yaml.safe_load((ROOT / "examples/pr-preview/.github/workflows/virtualappointments.yml").read_text())
    steps = {job: [s for s in spec["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
             for job, spec in workflow["jobs"].items()}
    [preview], [apply] = steps["preview"], steps["apply"]
    assert preview["with"]["command"] == "preview" and preview["with"]["diff"] is True
    assert "MSGRAPH_ACCESS_TOKEN" not in preview.get("env", {})
    assert apply["with"]["command"] == "up" and apply["with"]["refresh"] is False
    script = (ROOT / "examples/pr-preview/pipeline.sh").read_text()
    assert 'pulumi preview --diff --stack "$stack"' in script
    assert 'pulumi up --yes --skip-preview --stack "$stack"' in script and "--refresh" not in script.split("drift)")[0]
    assert 'pulumi refresh --preview-only --expect-no-changes --diff --stack "$stack"' in script


def test_an_upgrade_of_this_package_previews_no_change(tmp_path, language_host):
    """pulumi/pulumi#12401: a dynamic provider pickled by value changes ``__provider`` (and so every
    resource) on every upgrade. Ours pickles by reference: the same program under a changed package
    (here a copy of it, version 99.0.0, first on PYTHONPATH for the program and the provider host)
    previews and deploys with no change and no request, every ``__provider`` as it was."""
    overlay = tmp_path / "overlay"
    shutil.copytree(PACKAGE, overlay / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    marks = tmp_path / "imported-by"
    (overlay / PACKAGE.name / "_version.py").write_text(
        '__version__ = "99.0.0"\n'
        "import os as _os, sys as _sys\n"
        f"with open({str(marks)!r}, 'a') as _f:\n"
        "    _f.write(_sys.argv[0] + '\\n')\n")
    with Emulator(token=TOKEN) as emulator:
        (tmp_path / "run").mkdir()
        stack = CliStack(tmp_path / "run", SCENARIO, emulator, TOKEN)
        stack.up()
        before = {name: entry["outputs"]["__provider"] for name, entry in stack.resources().items()}
        emulator.clear_requests()
        stack.env["PYTHONPATH"] = str(overlay)
        preview = stack.preview("--expect-no-changes")
        assert summary(preview) == ["3 unchanged"] and summary(stack.up()) == ["3 unchanged"]
        assert emulator.requests() == []
        after = {name: entry["outputs"]["__provider"] for name, entry in stack.resources().items()}
        assert after == before
        imported_by = marks.read_text().splitlines()
        assert any(p.endswith("pulumi/dynamic/__main__.py") for p in imported_by)  # the provider host
        assert any(not p.endswith("pulumi/dynamic/__main__.py") for p in imported_by)  # the program


def test_the_cli_was_built_from_the_pinned_module(language_host):
    """The CLI this tier runs reports a version; where it came from scripts/build-pulumi-cli, the one
    tools/pulumi-cli/go.mod pins."""
    version = subprocess.run([PULUMI, "version"], capture_output=True, text=True, timeout=60).stdout.strip()
    assert re.fullmatch(r"v3\.\d+\.\d+", version), version
    if "pulumi-virtualappointment" in PULUMI:
        pinned = re.search(r"github.com/pulumi/pulumi/pkg/v3 (v\S+)", (ROOT / "tools/pulumi-cli/go.mod").read_text())
        assert version == pinned.group(1)
