"""A provider with a defect, for the protocol tier: importable by the SDK's host (tests/ on its PYTHONPATH)."""

from pulumi_virtualappointment._appointment import APPOINTMENT
from pulumi_virtualappointment._engine import KindProvider


class DefectiveProvider(KindProvider):
    """Create raises what no GraphError is: a defect, whose traceback a bug report needs."""

    kind = APPOINTMENT

    def create(self, props):
        raise RuntimeError("a defect in the provider")
