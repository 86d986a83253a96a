"""Every appointment listed in a YAML file becomes one VirtualAppointment.

The file is the versioned configuration: a pull request that edits it shows the exact PATCHes
in `pulumi preview`; merging applies them.
"""

import sys
from pathlib import Path

import pulumi

sys.path.insert(0, str(Path(__file__).parent))
from loader import load_appointments  # noqa: E402

from pulumi_virtualappointment import VirtualAppointment  # noqa: E402

config = pulumi.Config()
data_file = Path(__file__).parent / (config.get("dataFile") or "appointments.yaml")

appointments = {}
for entry in load_appointments(data_file):
    properties = {k: v for k, v in entry.items() if k != "name"}
    appointments[entry["name"]] = VirtualAppointment(entry["name"], **properties)

pulumi.export("etags", {name: a.etag for name, a in appointments.items()})
pulumi.export("joinWebUrls", {name: a.join_web_url for name, a in appointments.items()})
