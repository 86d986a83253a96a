"""Test Pulumi programs that use this package, against a local Graph, without the ``pulumi`` CLI.

What it is: it runs a program (a ``__main__.py``, its project directory, or a function that
declares resources) under the Pulumi SDK's mocks, and hands every resource to the *real* provider
host the engine launches for dynamic resources (``python -m pulumi.dynamic``, over gRPC), calling
it the way the engine does, in the engine's orders (read from its source: create-before-delete and
delete-before-replace, the refresh diff, ``get``, ``retain_on_delete``, ``ignore_changes``,
``replace_on_changes``, aliases, secrets handed over plain), against the package's Graph emulator on
127.0.0.1. A test then asserts on the Graph requests a change causes::

    from pulumi_virtualappointment.testing import Sandbox

    with Sandbox() as sandbox:
        sandbox.up("infra/__main__.py")
        edit = sandbox.up("infra/__main__.py", config={"infra:subject": "Rescheduled"})
        assert [m for m, _, _ in edit.wire] == ["GET", "PATCH"]

With pytest, the fixture ``graph_sandbox`` (installed with the package) is one such sandbox.

What it is not: the Pulumi engine. It replays the engine's provider calls; it has no dependency
graph (no dependent replacements; deletes run in the reverse of the order resources first
entered its state; resource names must be unique across types), no plans, no ``protect``, no
``--target``, no ``--replace``, no ``pulumi import`` command (the ``import_`` option is modelled),
no parallel steps (the engine runs independent steps at once, so the order of requests *across*
objects is the engine's own), no component resources beyond what the SDK's mocks give, and it
diffs inputs at the top level. This project's differential tier runs every real-CLI scenario
through both and holds them equal (the Graph requests per object, errors, state) on everything
else; your own ``pulumi preview`` against the emulator remains the proof where the CLI is installed.
"""

from typing import TYPE_CHECKING

from .._lazy import exports

_EXPORTS = {
    "_host": ("PROVIDER_KEY", "ProviderError", "ProviderHost", "ProviderServer", "from_struct", "plain", "to_struct"),
    "_sandbox": ("Run", "Sandbox"),
    "_stand_in": ("Engine", "Options", "Step", "run_program"),
}
__all__, __getattr__, __dir__ = exports(__name__, globals(), _EXPORTS)


if TYPE_CHECKING:
    from ._host import PROVIDER_KEY, ProviderError, ProviderHost, ProviderServer, from_struct, plain, to_struct
    from ._sandbox import Run, Sandbox
    from ._stand_in import Engine, Options, Step, run_program
