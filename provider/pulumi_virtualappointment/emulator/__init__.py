"""A local Microsoft Graph for Teams online meetings and their ``virtualAppointment``.

The provider manages the ``onlineMeeting`` (``/v1.0`` and ``/beta``: createOrGet, GET, PATCH,
DELETE, ``getVirtualAppointmentJoinWebUrl`` and the lookup by join URL), the live successor of
the retired beta ``virtualAppointment``, which is still served under its meeting. It speaks
Graph's wire format (Graph error bodies, ``request-id`` headers, 401 without a bearer token,
weak ETags with ``If-Match`` and 412 where Graph has them) and adds what a test needs: a request
log, scripted or random faults (429 with ``Retry-After``, 503, 504, latency, dropped
connections, lost responses), out-of-band edits and an optional state file. Over HTTP it answers
only requests addressed to it (``Host``, and ``Origin`` when a browser sends one), so other web
pages can neither read nor change it, and with a token its admin API needs that token too; the
in-process methods of ``Emulator`` need neither.

Two switches, both off by default: ``meeting_etags`` gives meetings the appointment's ETags
and ``If-Match`` (Graph's docs show none), and ``implicit_meetings`` lets an appointment live
under any meeting id of a valid user (for tests of the appointment alone; otherwise its
meeting must exist, and a user is an object id or a UPN as in Graph).

In Python::

    from pulumi_virtualappointment.emulator import Emulator

    with Emulator() as emu:
        meeting_id = emu.seed_meeting("me", externalId="demo")
        ...  # point the client at emu.url

From a shell: ``python -m pulumi_virtualappointment.emulator --port 8765``.

Layout: each resource's rules apart from the wire format, the plumbing once.

- ``_meeting``, ``_schema``: what the onlineMeeting, the virtualAppointment accept and store (pure);
- ``_odata``, ``_json``, ``_etags``: values, bodies and entity tags both share (pure);
- ``_store``: the state of both under one lock, saved to the state file by ``_persist``;
- ``_graph``: the one Graph route table and its answers; ``_admin``: ``/_emulator/``;
- ``_app``, ``_wire``, ``_faults``, ``_log``: checks, conventions, faults and the log of every request;
- ``_server``: ``Emulator``; ``__main__``: the command line.

Imports werkzeug and the package's pure appointment description only: never pulumi or requests.
"""

from ._faults import Fault
from ._store import DEFAULT_ME
from ._server import Emulator, is_loopback

__all__ = ["Emulator", "Fault", "DEFAULT_ME", "is_loopback"]
