"""``python -m pulumi_virtualappointment demo``: the story a newcomer sees, and that it cannot lie.

The demo checks every step against the emulator's request log; these tests run it as a user does
and make a step misbehave to see the demo fail loudly.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys

from pulumi_virtualappointment import _demo


def test_the_demo_tells_the_whole_story_and_exits_zero():
    done = subprocess.run([sys.executable, "-m", "pulumi_virtualappointment", "demo"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (_demo._Cli.banner if shutil.which("pulumi") else _demo._StandIn.banner)
    assert lines[0] in (  # the banner says which of the two ran, in these words
        "Driving the pulumi CLI through Pulumi's Automation API, with a local backend in a temporary directory.",
        "The pulumi CLI is not on PATH: replaying the engine's provider calls through the SDK's own provider host "
        "(pulumi_virtualappointment.testing), not the engine itself.")
    text = done.stdout
    for step in ("1. pulumi preview: nothing exists yet", "2. pulumi up: createOrGet the meeting",
                 "3. pulumi preview again: unchanged, so not one request",
                 "4. change one property: one PATCH with only that property, guarded by If-Match",
                 "5. pulumi up meets it: Graph answers 412 and nothing is written",
                 "6. pulumi refresh", "7. pulumi up: applies the program on top of it", "8. pulumi destroy"):
        assert step in text
    assert 'PATCH   me/onlineMeetings/' in text and '{"externalAppointmentId":"AAMkADKnAAB="}' in text
    assert re.search(r'^    the request in full: PATCH /beta/me/onlineMeetings/[A-Za-z0-9_-]{30,}/virtualAppointment  '
                     r'If-Match: W/"[^"]+"  \{"externalAppointmentId":"AAMkADKnAAB="\}$', text, re.M), text
    assert ("\n    refused: The virtualAppointment changed outside this program since the last deployment, so nothing "
            "was written: run `pulumi refresh` to accept the change into the stack's state, then `pulumi up` to apply "
            "the program on top of it.\n") in text
    assert lines[-1] == "Every step did what it printed."
    assert "Traceback" not in done.stderr and "never retrieved" not in done.stderr


def test_a_step_that_does_not_do_what_it_prints_fails_the_demo(monkeypatch):
    real = _demo.declare
    monkeypatch.setattr(_demo, "declare", lambda settings: real({**settings, "external_appointment_id": "fixed"}))
    out = io.StringIO()
    assert _demo.run(None, out=out, cli=False) == 1
    assert out.getvalue().rstrip().splitlines()[-1].startswith(
        "FAILED: step 4 (change one property: one PATCH with only that property, guarded by If-Match): expected one "
        'PATCH {"externalAppointmentId":"AAMkADKnAAB="}, Graph saw []')


def test_a_step_that_raises_is_reported_as_that_step_with_its_requests(monkeypatch):
    """The CLI's CommandError (or the host's error) is the step's failure, not a traceback."""
    monkeypatch.setattr(_demo._StandIn, "refresh", lambda self: (_ for _ in ()).throw(RuntimeError("engine said no")))
    out = io.StringIO()
    assert _demo.run(None, out=out, cli=False) == 1
    lines = out.getvalue().rstrip().splitlines()
    assert lines[-4:] == ["6. pulumi refresh: accepts the change into the state", "    (no Graph request)", "",
                          "FAILED: step 6 (pulumi refresh: accepts the change into the state) failed: engine said no"]
