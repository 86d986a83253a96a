"""The WSGI application: admin routes as they are, Graph routes behind faults and the log.

A Graph request goes through, in order: the next fault (latency first; then a status answer,
a dropped connection, or a lost response), the Graph endpoints (``_graph``), the request log.
Faults apply before authentication, so a test can throttle any request and count it.

Dropping a connection must look to the client exactly like a network failure: the socket
is shut down with no byte of a response, and the app raises ``ConnectionAbortedError``,
which werkzeug's server treats as a dropped connection (nothing is written, nothing is
logged as an error, the server keeps serving). A lost response is the same, after the
request was applied: the case where a client cannot know whether its write happened.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any, Iterable

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ._admin import PREFIX, AdminApi
from ._faults import STATUS_CODES, Fault, FaultPlan
from ._graph import GraphApi, GraphSettings
from ._log import RequestLog, describe
from ._store import Store
from ._wire import Context, GraphRequest, graph_error, raw_path, stamp

__all__ = ["EmulatorApp"]

_logger = logging.getLogger(__name__)


class EmulatorApp:
    """One emulator's WSGI callable and the state behind it."""

    def __init__(self, store: Store, settings: GraphSettings) -> None:
        self.store = store
        self.settings = settings
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.graph = GraphApi(store, settings)
        self.admin = AdminApi(store, self.faults, self.log, settings, self.reset)

    def reset(self) -> None:
        """Drop every appointment, the request log, the fault script and the rates."""
        self.store.reset()
        self.log.clear()
        self.faults.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = GraphRequest(environ)
        ctx = Context.of(request)
        path = raw_path(environ)
        if path == PREFIX or path.startswith(PREFIX + "/"):
            response = self.admin.handle(request, path, ctx)
        else:
            response = self._graph_request(request, path, ctx)
        return stamp(response, ctx)(environ, start_response)

    def _graph_request(self, request: Request, path: str, ctx: Context) -> Response:
        """Serve one Graph request under the next fault and log it."""
        try:
            raw = request.get_data(cache=True)
        except RequestEntityTooLarge:
            raw = b""
            response = graph_error(ctx, 413, "RequestEntityTooLarge", "The request body is larger than 1 MiB.")
            return self._logged(describe(request, path, raw), response, None)
        entry = describe(request, path, raw)
        fault = self.faults.next()
        if fault is not None and fault.latency:
            time.sleep(fault.latency)
        if fault is not None and fault.drop:
            self._hang_up(request, entry, fault)
        if fault is not None and fault.status is not None:
            response = _fault_response(fault, ctx)
        else:
            response = self._serve(request, path, ctx)
        if fault is not None and fault.lost_response:
            self._hang_up(request, entry, fault)
        return self._logged(entry, response, fault)

    def _serve(self, request: Request, path: str, ctx: Context) -> Response:
        """The Graph endpoints; a bug becomes a Graph 500 and a traceback on the server log."""
        try:
            return self.graph.handle(request, path, ctx)
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
