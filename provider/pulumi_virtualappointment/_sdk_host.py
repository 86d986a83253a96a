"""What the SDK's dynamic provider host tells the user when a provider call fails.

The host (``python -m pulumi.dynamic``, ``sdk/python/lib/pulumi/dynamic/__main__.py``) answers every
failed call with ``traceback.format_exc()``, and the CLI prints that text under the resource: a
20-line Python traceback in front of the one sentence that says what happened and what to do. For
the errors this package raises on purpose (``GraphError``: the message names the property, the
object, Graph's answer with its request ids, and the fix) the traceback adds nothing a user can act
on, so in that host process, and only for those errors, the message is the whole answer. Anything
else (a defect) keeps its full traceback, which is what a bug report needs.

The host looks ``traceback`` up in its module's globals on every failure (``_abort_with_traceback``),
so :func:`install` replaces that one name in that one module with a stand-in whose ``format_exc``
knows our errors; nothing else of the SDK is touched. It runs from the provider's ``configure``
(the host configures a provider before any call reaches it), never at import, and does nothing
unless ``__main__`` is that host with that shape: an SDK that changes it shows tracebacks again,
and ``tests/test_protocol.py`` fails saying so.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Optional

from ._errors import GraphError

__all__ = ["install", "user_message"]

HOST_MODULE = "pulumi.dynamic.__main__"


def user_message(exc: Optional[BaseException]) -> Optional[str]:
    """What the CLI should show for ``exc``: its message alone for an error of ours that says
    something and carries no other exception in its chain (a defect inside it keeps the whole
    traceback), else ``None``."""
    if not isinstance(exc, GraphError) or not str(exc).strip():
        return None
    seen, link = set(), exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if not isinstance(link, GraphError):
            return None
        link = link.__cause__ if link.__cause__ is not None else (None if link.__suppress_context__ else link.__context__)
    return str(exc)


class _Tracebacks:
    """The ``traceback`` module as the host sees it: the same, except ``format_exc`` for our errors."""

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: Optional[int] = None, chain: bool = True) -> str:
        shown = user_message(sys.exc_info()[1])
        return shown if shown is not None else traceback.format_exc(limit, chain)


def install() -> bool:
    """Make the running SDK host report our errors by message; ``False`` where this is not that host."""
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if getattr(spec, "name", None) != HOST_MODULE or not callable(getattr(host, "_abort_with_traceback", None)):
        return False
    current = getattr(host, "traceback", None)
    if isinstance(current, _Tracebacks):
        return True
    if current is not traceback:
        return False
    host.traceback = _Tracebacks()  # type: ignore[union-attr]
    return True
