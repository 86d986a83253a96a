"""The README's quick start as the words a user types, and what each line must do.

``commands()`` reads the shell blocks of the README's "Quick start" section; ``STEPS`` pairs each
line with what Graph must see when it runs. ``tests/test_readme.py`` (which runs everywhere) holds
the two equal, so the README cannot change without this list; ``tests/test_cli.py`` (where the
``pulumi`` CLI is installed) runs exactly these lines against the emulator and checks each.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Quick start (against the local emulator)"
README_ENDPOINT = "http://127.0.0.1:8765"
README_TOKEN = "dev-token"
JOIN_LINK = "https://visit.teams.microsoft.com/"


def commands() -> list[list[str]]:
    """Each shell line of the section's ``sh`` blocks, split as the shell splits it, comments dropped."""
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                lines.append(words)
    return lines


def _line(text: str) -> list[str]:
    return shlex.split(text)


# (the line, what it must do): ("requests", [...]) the Graph requests it causes, as methods or
# (method, body) pairs; ("prints", prefix) its output; ("fails", text) it must fail saying text,
# Graph keeping the change made in Teams; ("status", 200) an admin-API call's answer; None: no check.
STEPS: list[tuple[list[str], Any]] = [
    (_line(f"python -m pulumi_virtualappointment.emulator --token {README_TOKEN} &"), None),
    (_line("pulumi login --local"), None),
    (_line("export PULUMI_CONFIG_PASSPHRASE=dev"), None),
    (_line("pulumi stack init dev"), None),
    (_line(f"pulumi config set msgraph:endpoint {README_ENDPOINT}"), None),
    (_line(f"pulumi config set --secret msgraph:accessToken {README_TOKEN}"), None),
    (_line("pulumi up"), ("requests", ["POST", "GET", "GET", "PUT"])),
    (_line("pulumi stack output virtualAppointmentJoinWebUrl"), ("prints", JOIN_LINK)),
    (_line("pulumi config set externalAppointmentId AAMkADKnAAA="), None),
    (_line("pulumi up"), ("requests", [("PATCH", '{"externalAppointmentId":"AAMkADKnAAA="}')])),
    (_line('pulumi config set subject "Follow-up consultation"'), None),
    (_line("pulumi up"), ("requests", [("GET", ""), ("PATCH", '{"subject":"Follow-up consultation"}')])),
    (_line(f'curl -H "Authorization: Bearer {README_TOKEN}" {README_ENDPOINT}/_emulator/requests'), ("status", 200)),
    (_line(f'curl -X PATCH -H "Authorization: Bearer {README_TOKEN}" -H "Content-Type: application/json" '
           """-d '{"externalAppointmentId": "set-in-teams"}' """
           f'"{README_ENDPOINT}/_emulator/appointments/me/onlineMeetings/$(pulumi stack output onlineMeetingId)'
           '/virtualAppointment"'), ("status", 200)),
    (_line("pulumi config set externalAppointmentId AAMkADKnAAB="), None),
    (_line("pulumi up"), ("fails", "changed outside this program")),
    (_line("pulumi refresh"), None),
    (_line("pulumi up"), ("requests", [("PATCH", '{"externalAppointmentId":"AAMkADKnAAB="}')])),
]
