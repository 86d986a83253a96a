"""Graph's wire conventions shared by every emulator response.

Every response carries ``request-id`` (a fresh GUID) and ``client-request-id`` (the
caller's, echoed; Graph answers with its own request id when the caller sent none), so a
client can log both as Graph's best practices ask. Every error has Graph's body::

    {"error": {"code": ..., "message": ...,
               "innerError": {"code"?: ..., "date": ..., "request-id": ...,
                              "client-request-id"?: ...}}}

``innerError.code`` appears only for detailed codes (``entityTagDoesNotMatch``,
``malformedEntityTag``); ``client-request-id`` only when the caller sent one. ``date`` is
UTC in Graph's own format (``2023-05-17T15:46:52``, no zone suffix).

A request body is at most 1 MiB (``MAX_BODY``) however it arrives, with a ``Content-Length``
or chunked; a larger one is refused whole (413), never cut short.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import quote

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

__all__ = [
    "GRAPH_JSON",
    "GraphRequest",
    "Context",
    "json_response",
    "graph_error",
    "stamp",
    "raw_path",
    "read_body",
]

GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
"""The Content-Type Graph sends with entity bodies."""

MAX_BODY = 1024 * 1024


class GraphRequest(Request):
    """A werkzeug request that refuses bodies over 1 MiB (413) instead of buffering them."""

    max_content_length = MAX_BODY


def read_body(request: Request) -> bytes:
    """The whole body (cached for ``get_data``); ``RequestEntityTooLarge`` when over the limit.

    werkzeug refuses a ``Content-Length`` over the limit, but stops reading a chunked body at
    the limit without a word: a chunked body that fills it is checked for one byte more.
    """
    raw = request.get_data(cache=True)
    if len(raw) >= MAX_BODY and request.content_length is None and request.input_stream.read(1):
        raise RequestEntityTooLarge()
    return raw


@dataclass(frozen=True)
class Context:
    """The ids that tie one request to its response and error body."""

    request_id: str
    client_request_id: str | None

    @classmethod
    def of(cls, request: Request) -> "Context":
        """A fresh request id, and the caller's ``client-request-id`` if it sent one."""
        return cls(str(uuid.uuid4()), request.headers.get("client-request-id"))


def graph_date() -> str:
    """Now, in UTC, formatted as Graph writes ``innerError.date``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def encode(body: Any) -> bytes:
    """Compact UTF-8 JSON, as Graph sends it."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    body: Any, status: int = 200, headers: Iterable[tuple[str, str]] = (), content_type: str = GRAPH_JSON
) -> Response:
    """A JSON response with the given extra headers."""
    response = Response(encode(body), status=status, content_type=content_type)
    for name, value in headers:
        response.headers[name] = value
    return response


def graph_error(
    ctx: Context,
    status: int,
    code: str,
    message: str,
    inner_code: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """A Graph error response; match on ``code``, never on ``message``."""
    inner: dict[str, Any] = {}
    if inner_code:
        inner["code"] = inner_code
    inner["date"] = graph_date()
    inner["request-id"] = ctx.request_id
    if ctx.client_request_id is not None:
        inner["client-request-id"] = ctx.client_request_id
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    return json_response(body, status, headers, content_type="application/json")


def stamp(response: Response, ctx: Context) -> Response:
    """Add the id headers every Graph response carries."""
    response.headers["request-id"] = ctx.request_id
    response.headers["client-request-id"] = ctx.client_request_id or ctx.request_id
    return response


def raw_path(environ: dict[str, Any]) -> str:
    """The request path as sent, still percent-encoded.

    Routing on it keeps an encoded ``/`` (``%2F``) inside a meeting id from splitting the
    path; ``PATH_INFO`` has already been decoded by the server.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        raw = raw.encode("latin-1", "replace").decode("utf-8", "replace")
        path = raw.split("?", 1)[0].split("#", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path or "/"
    info = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    return quote(info, safe="/:@!$&'()*+,;=-._~")
