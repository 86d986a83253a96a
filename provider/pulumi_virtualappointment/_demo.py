"""``python -m pulumi_virtualappointment demo``: the whole story in seconds, against a local Graph.

It starts the emulator, declares a meeting and its appointment, and goes through preview (0
requests), deploy, a one-property change (the exact PATCH), a change "in Teams" and the refusal,
refresh and deploy again, and destroy, printing each step's Graph requests. Every step checks
that it did what it prints; the command exits 1 at the first that did not.

Where the ``pulumi`` CLI is on PATH it drives the real CLI through Pulumi's Automation API (a local
file backend in a temporary directory, a generated passphrase, nothing left behind); elsewhere it
replays the engine's provider calls through the SDK's own provider host
(:mod:`pulumi_virtualappointment.testing`) and says so first.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, TextIO

__all__ = ["add_parser", "run", "Demo", "StepFailed"]

TOKEN = "demo-token"
BOOKING = {"external_id": "booking-2026-12-01-0900-grady", "subject": "Consultation: Grady Archie"}


class StepFailed(Exception):
    """A step did not do what it says it does."""


def declare(settings: dict[str, Any]) -> None:
    """The demo's program: a meeting and the virtual appointment held in it."""
    import pulumi

    from ._resource import MeetingAttendeeArgs, MeetingParticipantsArgs, OnlineMeeting, VirtualAppointment

    meeting = OnlineMeeting(
        "meeting",
        external_id=BOOKING["external_id"],
        subject=settings["subject"],
        start_date_time="2026-12-01T10:00:00+01:00",
        end_date_time="2026-12-01T10:30:00+01:00",
        participants=MeetingParticipantsArgs(attendees=[MeetingAttendeeArgs(upn="adelev@contoso.com", role="presenter")]),
    )
    VirtualAppointment(
        "appointment",
        online_meeting_id=meeting.online_meeting_id,
        settings={"allow_client_to_join_using_browser": True},
        appointment_clients=pulumi.Output.secret([{"display_name": "Grady Archie", "email_address": "gradya@contoso.com"}]),
        external_appointment_id=settings["external_appointment_id"],
    )
    pulumi.export("onlineMeetingId", meeting.online_meeting_id)
    pulumi.export("virtualAppointmentJoinWebUrl", meeting.virtual_appointment_join_web_url)


class _StandIn:
    """Runs the program through ``pulumi_virtualappointment.testing`` (no CLI)."""

    banner = ("The pulumi CLI is not on PATH: replaying the engine's provider calls through the SDK's own provider "
              "host (pulumi_virtualappointment.testing), not the engine itself.")

    def __init__(self, emulator: Any, directory: Path):
        from .testing import Engine

        config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
        self.engine = Engine(config, directory / "state.json")

    def preview(self, program: Callable[[], None]) -> None:
        from .testing import run_program

        run_program(program, self.engine, preview=True, project="demo")

    def up(self, program: Callable[[], None]) -> dict[str, Any]:
        from .testing import run_program

        return run_program(program, self.engine, project="demo")

    def refresh(self) -> None:
        self.engine.refresh()

    def destroy(self) -> None:
        self.engine.destroy()

    def close(self) -> None:
        pass


class _Cli:
    """Runs the program with the real CLI through the Automation API, in a throwaway backend."""

    banner = "Driving the pulumi CLI through Pulumi's Automation API, with a local backend in a temporary directory."

    def __init__(self, emulator: Any, directory: Path):
        from pulumi import automation as auto

        self._auto, self._program = auto, lambda: None
        backend = directory / "backend"
        backend.mkdir()
        options = auto.LocalWorkspaceOptions(
            work_dir=str(directory),
            pulumi_home=str(directory / "home"),
            env_vars={
                "PULUMI_CONFIG_PASSPHRASE": secrets.token_urlsafe(24),
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_BACKEND_URL": backend.as_uri(),  # never the user's logged-in backend
                "PULUMI_PYTHON_CMD": sys.executable,  # the provider host runs where this package is installed
            },
            project_settings=auto.ProjectSettings(name="demo", runtime="python",
                                                  backend=auto.ProjectBackend(url=backend.as_uri())),
        )
        self.stack = auto.create_stack("dev", project_name="demo", program=lambda: self._program(), opts=options)
        self.stack.set_config("msgraph:endpoint", auto.ConfigValue(emulator.url))
        self.stack.set_config("msgraph:accessToken", auto.ConfigValue(TOKEN, secret=True))

    def preview(self, program: Callable[[], None]) -> None:
        self._program = program
        self.stack.preview()

    def up(self, program: Callable[[], None]) -> dict[str, Any]:
        self._program = program
        return {name: value.value for name, value in self.stack.up().outputs.items()}

    def refresh(self) -> None:
        self.stack.refresh()

    def destroy(self) -> None:
        self.stack.destroy()

    def close(self) -> None:
        try:  # after a failed step resources may remain: the emulator and backend go with the directory anyway
            self.stack.workspace.remove_stack("dev", force=True)
        except Exception:  # noqa: BLE001 - cleanup of a throwaway backend must not hide the step's failure
            pass


def _short(path: str) -> str:
    """A Graph path as a reader needs it: the version dropped, a long meeting id cut."""
    parts = path.split("/")[2:]
    return "/".join(p if len(p) <= 24 else p[:12] + "…" + p[-6:] for p in parts)


def _table(requests: list[dict[str, Any]], out: TextIO) -> None:
    if not requests:
        print("    (no Graph request)", file=out)
        return
    rows = [(r["method"], _short(r["path"]), str(r["status"] or "-"), r["headers"].get("if-match") or "",
             (r["raw_body"] or "")[:70]) for r in requests]
    widths = [max(len(row[i]) for row in rows + [("method", "path", "status", "If-Match", "body")]) for i in range(5)]
    for row in [("method", "path", "status", "If-Match", "body"), *rows]:
        print("    " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)


class Demo:
    """The story, step by step; ``driver`` runs the program (the CLI, or the stand-in)."""

    def __init__(self, emulator: Any, driver: Any, out: TextIO):
        self.emulator, self.driver, self.out = emulator, driver, out
        self.settings = {"subject": BOOKING["subject"], "external_appointment_id": "AAMkADKnAAA="}
        self.number = 0

    def program(self) -> Callable[[], None]:
        settings = dict(self.settings)
        return lambda: declare(settings)

    def step(self, title: str, action: Callable[[], Any], expect: Callable[[list], Optional[str]]) -> Any:
        """Run one step, print its Graph requests, and fail unless ``expect`` (of them) says nothing."""
        self.number += 1
        before = len(self.emulator.requests())
        print(f"\n{self.number}. {title}", file=self.out)
        try:
            result = action()
        except StepFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI's CommandError or the host's error, said as this step's
            _table(self.emulator.requests()[before:], self.out)
            raise StepFailed(f"step {self.number} ({title}) failed: {exc}") from exc
        requests = self.emulator.requests()[before:]
        _table(requests, self.out)
        problem = expect(requests)
        if problem:
            raise StepFailed(f"step {self.number} ({title}): {problem}")
        return result

    def run(self) -> None:
        print(self.driver.banner, file=self.out)
        print(f"Graph emulator on {self.emulator.url}; program: one OnlineMeeting and the VirtualAppointment in it.",
              file=self.out)
        self.step("pulumi preview: nothing exists yet", lambda: self.driver.preview(self.program()),
                  lambda rs: _methods(rs, []))
        outputs = self.step("pulumi up: createOrGet the meeting, read its join link, create the appointment",
                            lambda: self.driver.up(self.program()),
                            lambda rs: _methods(rs, ["POST", "GET", "GET", "PUT"]))
        print(f"    client's join link: {outputs.get('virtualAppointmentJoinWebUrl')}", file=self.out)
        self.step("pulumi preview again: unchanged, so not one request", lambda: self.driver.preview(self.program()),
                  lambda rs: _methods(rs, []))
        self.settings["external_appointment_id"] = "AAMkADKnAAB="
        self.step("change one property: one PATCH with only that property, guarded by If-Match",
                  lambda: self.driver.up(self.program()), _one_guarded_patch('{"externalAppointmentId":"AAMkADKnAAB="}'))
        patch = self.emulator.requests()[-1]
        print(f"    the request in full: {patch['method']} {patch['path']}  If-Match: {patch['headers']['if-match']}  "
              f"{patch['raw_body']}", file=self.out)
        appointment = next(iter(self.emulator.appointments()))
        self.emulator.edit(appointment, {"externalAppointmentId": "changed-in-teams"})
        print("\n   Someone changes the appointment in Teams (externalAppointmentId: changed-in-teams).", file=self.out)
        self.settings["external_appointment_id"] = "AAMkADKnAAC="
        refusal = self.step("pulumi up meets it: Graph answers 412 and nothing is written",
                            lambda: _failure(lambda: self.driver.up(self.program())),
                            lambda rs: _refused(rs, self.emulator, appointment))
        print(f"    refused: {_sentence(refusal)}", file=self.out)
        self.step("pulumi refresh: accepts the change into the state", self.driver.refresh,
                  lambda rs: None if rs and all(r["method"] == "GET" for r in rs) else "expected only reads")
        self.step("pulumi up: applies the program on top of it", lambda: self.driver.up(self.program()),
                  _one_guarded_patch('{"externalAppointmentId":"AAMkADKnAAC="}'))
        self.step("pulumi destroy: the appointment, then the meeting", self.driver.destroy,
                  lambda rs: None if not self.emulator.meetings() and not self.emulator.appointments()
                  else "Graph still holds something")
        print("\nEvery step did what it printed.", file=self.out)


def _methods(requests: list, expected: list) -> Optional[str]:
    got = [r["method"] for r in requests]
    return None if got == expected else f"expected {expected or 'no request'}, Graph saw {got or 'none'}"


def _one_guarded_patch(body: str) -> Callable[[list], Optional[str]]:
    def check(requests: list) -> Optional[str]:
        if [(r["method"], r["raw_body"]) for r in requests] != [("PATCH", body)]:
            return f"expected one PATCH {body}, Graph saw {[(r['method'], r['raw_body']) for r in requests]}"
        return None if requests[0]["headers"].get("if-match") else "the PATCH carried no If-Match"

    return check


def _failure(action: Callable[[], Any]) -> str:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the step is that this fails; the text is shown
        return str(exc)
    raise StepFailed("the update after the change in Teams went through; it must be refused")


def _refused(requests: list, emulator: Any, appointment: str) -> Optional[str]:
    if [(r["method"], r["status"]) for r in requests if r["method"] == "PATCH"] != [("PATCH", 412)]:
        return "expected exactly one PATCH, answered 412"
    if emulator.get(appointment)["externalAppointmentId"] != "changed-in-teams":
        return "the change made in Teams was overwritten"
    return None


def _sentence(message: str) -> str:
    """The refusal as the user reads it first: its sentence, without the ids that follow it (the CLI's
    error text holds the whole run's output; the stand-in's is the provider's message alone)."""
    start = message.find("The virtualAppointment")
    text = message[start:] if start >= 0 else message
    return text.splitlines()[0].split(" (", 1)[0] if text else text


def run(args: argparse.Namespace, out: TextIO = sys.stdout, cli: Optional[bool] = None) -> int:
    """Run the demo; 0 when every step did what it printed, 1 otherwise."""
    from .emulator import Emulator

    use_cli = shutil.which("pulumi") is not None if cli is None else cli
    directory = Path(tempfile.mkdtemp(prefix="virtualappointment-demo-"))
    try:
        with Emulator(token=TOKEN) as emulator:
            driver = (_Cli if use_cli else _StandIn)(emulator, directory)
            try:
                Demo(emulator, driver, out).run()
            finally:
                driver.close()
    except StepFailed as exc:
        print(f"\nFAILED: {exc}", file=out)
        return 1
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``demo`` on the package's command line."""
    parser = subparsers.add_parser(
        "demo",
        help="show the whole job against a local Graph emulator, in seconds",
        description=__doc__.split("\n\n")[1],
    )
    parser.set_defaults(run=run)
    return parser
