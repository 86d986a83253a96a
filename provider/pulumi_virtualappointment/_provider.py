"""The dynamic providers, one per resource kind: the engine (``_engine``) plus a description.

Each class is defined here, in the installed package, with no state of its own, so the SDK
pickles it by reference (a few dozen bytes per resource) and the provider host imports it.
"""

from __future__ import annotations

from ._appointment import APPOINTMENT
from ._engine import PROVIDER_KEY, KindProvider
from ._meeting import MEETING

__all__ = ["VirtualAppointmentProvider", "OnlineMeetingProvider", "PROVIDER_KEY"]


class VirtualAppointmentProvider(KindProvider):
    """Manages ``.../onlineMeetings/{id}/virtualAppointment`` (beta) with minimal, ETag-guarded PATCHes."""

    kind = APPOINTMENT


class OnlineMeetingProvider(KindProvider):
    """Manages ``.../onlineMeetings/{id}`` (v1.0): ``createOrGet`` by externalId, minimal PATCHes."""

    kind = MEETING
