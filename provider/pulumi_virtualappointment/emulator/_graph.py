"""The Graph endpoints: GET, PUT, PATCH and DELETE of a meeting's virtualAppointment.

Served under ``/beta`` only, as in Graph; the same paths under ``/v1.0`` answer 400 because
the resource never left beta. Checks run in the order a client can observe them:

1. ``Authorization: Bearer <token>`` (401 ``InvalidAuthenticationToken``; with a configured
   token, any other token is refused too);
2. the route (404 for an unknown path, 405 with ``Allow`` for a wrong method, 400 for a
   path segment that is not UTF-8 once percent-decoded);
3. for PUT/PATCH the body: missing (400), not ``application/json`` (415
   ``UnsupportedMediaType``), not a JSON object or an unknown or mistyped property (400
   ``BadRequest`` naming the property);
4. entity-tag headers: malformed (400, inner ``malformedEntityTag``), then for PATCH and
   DELETE a missing appointment (404 ``itemNotFound``), then a mismatch (412
   ``PreconditionFailed``, inner ``entityTagDoesNotMatch``). A refused request changes nothing;
   nor does a write whose state file cannot be saved (500 ``InternalServerError``).

Success: GET 200 with the entity and its ``ETag``; PUT 201 with the entity (created or
replaced, as Graph's docs show only 201); PATCH 204 with no body; DELETE 204. PUT and PATCH
send the new ``ETag`` unless ``etag_on_write`` is off: Graph's docs do not say whether a
PATCH 204 carries one, so clients must handle both.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Callable

from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from ._schema import BodyError, parse_json_object
from ._store import (
    Key, MalformedTag, NotFound, PersistError, PreconditionFailed, Record, Store, decode_segment, missing,
)
from ._wire import Context, graph_error, json_response

__all__ = ["GraphSettings", "GraphApi", "authenticate"]


@dataclass
class GraphSettings:
    """Switches that change how the emulator answers, adjustable while it runs."""

    token: str | None = None
    """The only bearer token accepted; ``None`` accepts any non-empty token."""
    etag_on_write: bool = True
    """Whether PUT 201 and PATCH 204 carry the new ``ETag`` header."""


class _UnsupportedMediaType(Exception):
    """A PUT/PATCH body that is not declared as JSON (415)."""


class _Segment(BaseConverter):
    """One path segment, percent-decoded after routing so ``%2F`` stays inside an id."""

    def to_python(self, value: str) -> str:
        try:
            return decode_segment(value)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None


_PATHS = (
    "/{version}/me/onlineMeetings/<seg:meeting>/virtualAppointment",
    "/{version}/users/<seg:user>/onlineMeetings/<seg:meeting>/virtualAppointment",
)
ROUTES = Map(
    [Rule(p.format(version="beta"), endpoint="appointment", methods=["GET", "PUT", "PATCH", "DELETE"]) for p in _PATHS]
    + [Rule(p.format(version="v1.0"), endpoint="v1") for p in _PATHS],
    converters={"seg": _Segment},
    strict_slashes=False,
    merge_slashes=False,
)


def _odata_literal(value: str) -> str:
    return value.replace("'", "''")


def authenticate(request: Request, ctx: Context, token: str | None) -> Response | None:
    """``None`` when the request carries ``Bearer <token>`` (any token if ``token`` is None), else the 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if not header.strip():
        message = "Access token is empty."
    elif scheme.lower() != "bearer" or not credential:
        message = "The Authorization header must be 'Bearer <access token>'."
    elif token is not None and not hmac.compare_digest(credential.encode("utf-8"), token.encode("utf-8")):
        message = "Access token validation failure: this emulator accepts only the token it was started with."
    else:
        return None
    headers = [("WWW-Authenticate", 'Bearer realm="graph-emulator"')]
    return graph_error(ctx, 401, "InvalidAuthenticationToken", message, headers=headers)


class GraphApi:
    """Answers Graph requests from a :class:`Store`; knows nothing of faults or logging."""

    def __init__(self, store: Store, settings: GraphSettings) -> None:
        self.store = store
        self.settings = settings

    def handle(self, request: Request, path: str, ctx: Context) -> Response:
        """Authenticate, route and serve one request (``path`` still percent-encoded)."""
        denied = authenticate(request, ctx, self.settings.token)
        if denied is not None:
            return denied
        try:
            endpoint, args = ROUTES.bind("graph.emulator").match(path, method=request.method)
        except RouteNotFound:
            return graph_error(ctx, 404, "BadRequest", f"Resource not found for the segment in '{path}'.")
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            message = f"The HTTP method '{request.method}' is not allowed here; allowed: {allowed}."
            return graph_error(ctx, 405, "BadRequest", message, headers=[("Allow", allowed)])
        except HTTPException as exc:
            return graph_error(ctx, exc.code or 400, "BadRequest", exc.description or "Bad request.")
        if endpoint == "v1":
            return graph_error(ctx, 400, "BadRequest", "virtualAppointment is only in beta; call /beta instead of /v1.0.")
        key = self.store.key_for(args.get("user"), args["meeting"])
        return self._serve(request, key, ctx)

    def _serve(self, request: Request, key: Key, ctx: Context) -> Response:
        """Run the verb's handler; map store failures to Graph errors in this one place."""
        handler = self._HANDLERS["GET" if request.method == "HEAD" else request.method]
        try:
            return handler(self, request, key)
        except BodyError as exc:
            return graph_error(ctx, 400, "BadRequest", str(exc))
        except _UnsupportedMediaType as exc:
            return graph_error(ctx, 415, "UnsupportedMediaType", str(exc))
        except MalformedTag as exc:
            return graph_error(ctx, 400, "BadRequest", str(exc), inner_code="malformedEntityTag")
        except NotFound as exc:
            return graph_error(ctx, 404, "itemNotFound", str(exc.args[0]))
        except PreconditionFailed as exc:
            return graph_error(ctx, 412, "PreconditionFailed", str(exc), inner_code="entityTagDoesNotMatch")
        except PersistError as exc:
            return graph_error(ctx, 500, "InternalServerError", str(exc))

    # -- verbs --------------------------------------------------------------------

    def _get(self, request: Request, key: Key) -> Response:
        record = self.store.read(key)
        if record is None:
            raise missing(key)
        return json_response(self._representation(request, key, record), 200, [("ETag", record.etag)])

    def _put(self, request: Request, key: Key) -> Response:
        body = self._json_body(request)
        headers = request.headers
        record, _created = self.store.put(key, body, headers.get("If-Match"), headers.get("If-None-Match"))
        return json_response(self._representation(request, key, record), 201, self._etag_header(record))

    def _patch(self, request: Request, key: Key) -> Response:
        body = self._json_body(request)
        record = self.store.patch(key, body, request.headers.get("If-Match"))
        return self._no_content(self._etag_header(record))

    def _delete(self, request: Request, key: Key) -> Response:
        self.store.delete(key, request.headers.get("If-Match"))
        return self._no_content([])

    _HANDLERS: dict[str, Callable[..., Response]] = {"GET": _get, "PUT": _put, "PATCH": _patch, "DELETE": _delete}

    # -- helpers ------------------------------------------------------------------

    @staticmethod
    def _json_body(request: Request) -> dict:
        """The request's JSON object; Graph requires ``Content-Type: application/json``."""
        raw = request.get_data(cache=True)
        if not raw.strip():
            raise BodyError("Empty Payload. JSON content expected.")
        if request.mimetype != "application/json":
            raise _UnsupportedMediaType(f"Content-Type must be application/json, got '{request.content_type or ''}'.")
        return parse_json_object(raw)

    def _etag_header(self, record: Record) -> list[tuple[str, str]]:
        return [("ETag", record.etag)] if self.settings.etag_on_write else []

    @staticmethod
    def _no_content(headers: list[tuple[str, str]]) -> Response:
        response = Response(status=204)
        response.headers.remove("Content-Type")
        for name, value in headers:
            response.headers[name] = value
        return response

    @staticmethod
    def _representation(request: Request, key: Key, record: Record) -> dict:
        """Graph's JSON for the entity: the context URL, ``id``, all five properties."""
        context = (
            f"{request.host_url}beta/$metadata#users('{_odata_literal(key.user)}')"
            f"/onlineMeetings('{_odata_literal(key.meeting)}')/virtualAppointment/$entity"
        )
        return {"@odata.context": context, **record.entity}
