"""The WSGI application: checks every request passes, then admin routes or Graph routes.

Every request, admin or Graph, first passes these checks, before faults, the request log and
any token:

1. ``Host`` must name this emulator: the bound host, ``127.0.0.1``, ``localhost`` or
   ``[::1]``, with its port (403 ``Forbidden``). A web page that rebinds its own DNS name to
   127.0.0.1 is same-origin with the emulator, so only its ``Host`` gives it away.
2. ``Origin``, when sent, must be ``http://`` and one of those names with the port (403
   ``Forbidden``): browsers send it on cross-site requests, including the ``text/plain``
   POSTs they send without a CORS preflight. Clients other than browsers send none.
3. The body is read whole: over 1 MiB, however it arrives, is 413 ``RequestEntityTooLarge``
   (logged, without its body, for a Graph route).

With ``allow_remote`` on an address that is not loopback (``0.0.0.0``, say), clients reach
the emulator through addresses it cannot list, so ``Host`` may also be any IP address with the
emulator's port: a rebinding attack needs a DNS name, so an address is safe. Other DNS names
are still refused (bind that name with ``--host`` to use it), ``Origin`` must still be one of
the names above, and such an emulator should be started with a token, which then guards the
admin routes too.

A Graph request then goes through, in order: the next fault (latency first; then a status
answer, a dropped connection, or a lost response), the Graph endpoints (``_graph``), the
request log. Faults apply before authentication, so a test can throttle any request and
count it. Admin requests go to ``_admin`` directly. A bug in either becomes a Graph 500 and
a traceback on the server log.

Dropping a connection must look to the client exactly like a network failure: the socket
is shut down with no byte of a response, and the app raises ``ConnectionAbortedError``,
which werkzeug's server treats as a dropped connection (nothing is written, nothing is
logged as an error, the server keeps serving). A lost response is the same, after the
request was applied: the case where a client cannot know whether its write happened.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from .._config import is_loopback
from ._admin import PREFIX, AdminApi
from ._faults import STATUS_CODES, Fault, FaultPlan
from ._graph import GraphApi, GraphSettings
from ._log import RequestLog, describe
from ._store import Store
from ._wire import Context, GraphRequest, graph_error, raw_path, read_body, stamp

__all__ = ["EmulatorApp", "Hosts", "LOOPBACK_NAMES"]

_logger = logging.getLogger(__name__)

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
"""The names a loopback emulator is reached by, besides the host it is bound to."""


@dataclass(frozen=True)
class Hosts:
    """The ``Host`` and ``Origin`` values a request may carry (see the module docstring).

    The default accepts none: an app refuses everything until it knows where it listens.
    """

    names: frozenset[str] = frozenset()
    """Accepted ``host:port`` values, lower-case (also ``host`` alone on port 80)."""
    port: int = 0
    any_address: bool = False
    """Whether ``Host`` may also be any IP address with ``port`` (``allow_remote`` only)."""

    @classmethod
    def serving(cls, host: str, port: int, allow_remote: bool = False) -> "Hosts":
        """What an emulator bound to ``host:port`` accepts."""
        bound = host.strip("[]").lower()
        hosts = (f"[{bound}]" if ":" in bound else bound, *LOOPBACK_NAMES)
        names = {f"{name}:{port}" for name in hosts} | (set(hosts) if port == 80 else set())
        return cls(frozenset(names), port, allow_remote and not is_loopback(host))

    def allows_host(self, value: str | None) -> bool:
        """Whether a ``Host`` header names this emulator."""
        if value is None:
            return False
        return value.lower() in self.names or (self.any_address and self._is_address(value))

    def allows_origin(self, value: str | None) -> bool:
        """Whether an ``Origin`` header (``None``: not sent) is this emulator's."""
        if value is None:
            return True
        scheme, _, rest = value.lower().partition("://")
        return scheme == "http" and rest in self.names

    def _is_address(self, value: str) -> bool:
        if value.startswith("["):
            host, _, rest = value[1:].partition("]")
        else:
            host, colon, port = value.partition(":")
            rest = colon + port
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return rest == f":{self.port}" or (rest == "" and self.port == 80)


class EmulatorApp:
    """One emulator's WSGI callable and the state behind it."""

    def __init__(self, store: Store, settings: GraphSettings, hosts: Hosts = Hosts()) -> None:
        self.store = store
        self.settings = settings
        self.hosts = hosts
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.graph = GraphApi(store, settings)
        self.admin = AdminApi(store, self.faults, self.log, settings, self.reset)

    def reset(self) -> None:
        """Drop every meeting and appointment, the request log, the fault script and the rates."""
        self.store.reset()
        self.log.clear()
        self.faults.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = GraphRequest(environ)
        ctx = Context.of(request)
        response = self._refusal(request, ctx) or self._route(request, raw_path(environ), ctx)
        return stamp(response, ctx)(environ, start_response)

    def _refusal(self, request: Request, ctx: Context) -> Response | None:
        """The 403 for a ``Host`` or ``Origin`` that is not this emulator's, else ``None``."""
        host, origin = request.headers.get("Host"), request.headers.get("Origin")
        if not self.hosts.allows_host(host):
            message = (
                f"The Host header {host!r} does not name this emulator; use 127.0.0.1, localhost or [::1] "
                "with its port (requests through other DNS names are refused)."
            )
        elif not self.hosts.allows_origin(origin):
            message = f"Requests from web pages are refused: Origin {origin!r} is not this emulator."
        else:
            return None
        return graph_error(ctx, 403, "Forbidden", message)

    def _route(self, request: Request, path: str, ctx: Context) -> Response:
        admin = path == PREFIX or path.startswith(PREFIX + "/")
        try:
            read_body(request)
        except RequestEntityTooLarge:
            response = graph_error(ctx, 413, "RequestEntityTooLarge", "The request body is larger than 1 MiB.")
            return response if admin else self._logged(describe(request, path, b""), response, None)
        if admin:
            return self._serve(self.admin.handle, request, path, ctx)
        return self._graph_request(request, path, ctx)

    def _graph_request(self, request: Request, path: str, ctx: Context) -> Response:
        """Serve one Graph request under the next fault and log it."""
        entry = describe(request, path, request.get_data(cache=True))
        fault = self.faults.next()
        if fault is not None and fault.latency:
            time.sleep(fault.latency)
        if fault is not None and fault.drop:
            self._hang_up(request, entry, fault)
        if fault is not None and fault.status is not None:
            response = _fault_response(fault, ctx)
        else:
            response = self._serve(self.graph.handle, request, path, ctx)
        if fault is not None and fault.lost_response:
            self._hang_up(request, entry, fault)
        return self._logged(entry, response, fault)

    def _serve(self, handle: Callable[..., Response], request: Request, path: str, ctx: Context) -> Response:
        """Admin or Graph endpoints; a bug becomes a Graph 500 and a traceback on the server log."""
        try:
            return handle(request, path, ctx)
        except Exception as exc:  # noqa: BLE001 - the client must get a Graph-shaped answer
            _logger.exception("emulator error on %s %s", request.method, path)
            return graph_error(ctx, 500, "InternalServerError", f"Emulator error: {exc!r}")

    def _logged(self, entry: dict[str, Any], response: Response, fault: Fault | None) -> Response:
        entry["status"] = response.status_code
        entry["fault"] = fault.kind if fault is not None else None
        self.log.record(entry)
        return response

    def _hang_up(self, request: Request, entry: dict[str, Any], fault: Fault) -> None:
        """Log the request as unanswered, close the connection, and tell werkzeug so."""
        entry["fault"] = fault.kind
        self.log.record(entry)
        connection = request.environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        raise ConnectionAbortedError(f"connection closed by an injected {fault.kind} fault")


def _fault_response(fault: Fault, ctx: Context) -> Response:
    """The Graph error an injected status fault answers with."""
    code, message = STATUS_CODES[fault.status]
    headers = [("Retry-After", fault.retry_after)] if fault.retry_after is not None else []
    headers.extend(fault.headers)
    return graph_error(ctx, fault.status, fault.code or code, fault.message or message, headers=headers)
