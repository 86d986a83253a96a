"""A local Microsoft Graph for the ``virtualAppointment`` resource.

The live beta endpoint no longer returns data, so the quick start and the protocol tests
target this emulator instead. It speaks Graph's wire format (weak ETags, ``If-Match`` with
412, Graph error bodies, ``request-id`` headers, 401 without a bearer token) and adds what a
test needs: a request log, scripted or random faults (429 with ``Retry-After``, 503, 504,
latency, dropped connections, lost responses), out-of-band edits and an optional state file.
Over HTTP it answers only requests addressed to it (``Host``, and ``Origin`` when a browser
sends one), so other web pages can neither read nor change it, and with a token its admin
API needs that token too; the in-process methods of ``Emulator`` need neither.

In Python::

    from pulumi_virtualappointment.emulator import Emulator

    with Emulator() as emu:
        ...  # point the client at emu.url

From a shell: ``python -m pulumi_virtualappointment.emulator --port 8765``.

Imports werkzeug and the package's pure model only: never pulumi or requests.
"""

from ._faults import Fault
from ._store import DEFAULT_ME
from ._server import Emulator, is_loopback

__all__ = ["Emulator", "Fault", "DEFAULT_ME", "is_loopback"]
