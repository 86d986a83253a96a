"""The README's quick start as the lines a user types, and what each line must do.

``commands()`` reads the shell blocks of the README's "Quick start" section; ``STEPS`` pairs each
line with what Graph must see when it runs. ``tests/test_readme.py`` (which runs everywhere) holds
the two equal, so the README cannot change without this list; ``tests/test_cli.py`` (where the
``pulumi`` CLI is on PATH) runs exactly these lines in bash against the emulator and checks each.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Quick start (against the local emulator)"
README_ENDPOINT = "http://127.0.0.1:8765"
README_TOKEN = "dev-token"
JOIN_LINK = "https://visit.teams.microsoft.com/"
_COMMENT = re.compile(r"\s{2,}#\s.*$")


def commands() -> list[str]:
    """Each shell line of the section's ``sh`` blocks, continuations joined, trailing comments dropped."""
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = _COMMENT.sub("", line).strip()
            if line and not line.startswith("#"):
                lines.append(re.sub(r"\s+", " ", line))
    return lines


# (the line, what it must do): ("requests", [...]) the Graph requests it causes, as methods or
# (method, body) pairs; ("prints", prefix) its output; ("fails", text) it must fail saying text,
# Graph keeping the change made in Teams; ("status", 200) an admin-API call's answer; None: no check.
STEPS: list[tuple[str, Any]] = [
    (f"python -m pulumi_virtualappointment.emulator --token {README_TOKEN} &", None),
    ("mkdir -p .state", None),
    ('export PULUMI_BACKEND_URL="file://$PWD/.state"', None),
    ("export PULUMI_CONFIG_PASSPHRASE=dev", None),
    ("pulumi stack init dev", None),
    (f"pulumi config set msgraph:endpoint {README_ENDPOINT}", None),
    (f"pulumi config set --secret msgraph:accessToken {README_TOKEN}", None),
    ("pulumi up", ("requests", ["POST", "GET", "GET", "PUT"])),
    ("pulumi stack output virtualAppointmentJoinWebUrl", ("prints", JOIN_LINK)),
    ("pulumi config set externalAppointmentId AAMkADKnAAA=", None),
    ("pulumi up", ("requests", [("PATCH", '{"externalAppointmentId":"AAMkADKnAAA="}')])),
    ('pulumi config set subject "Follow-up consultation"', None),
    ("pulumi up", ("requests", [("GET", ""), ("PATCH", '{"subject":"Follow-up consultation"}')])),
    (f'curl -H "Authorization: Bearer {README_TOKEN}" {README_ENDPOINT}/_emulator/requests', ("status", 200)),
    (f'curl -X PATCH -H "Authorization: Bearer {README_TOKEN}" -H "Content-Type: application/json" '
     """-d '{"externalAppointmentId": "set-in-teams"}' """
     f'"{README_ENDPOINT}/_emulator/appointments/me/onlineMeetings/$(pulumi stack output onlineMeetingId)'
     '/virtualAppointment"', ("status", 200)),
    ("pulumi config set externalAppointmentId AAMkADKnAAB=", None),
    ("pulumi up", ("fails", "changed outside this program")),
    ("pulumi refresh", None),
    ("pulumi up", ("requests", [("PATCH", '{"externalAppointmentId":"AAMkADKnAAB="}')])),
]
