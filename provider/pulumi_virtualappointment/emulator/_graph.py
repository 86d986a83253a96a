"""The Graph endpoints: one route table for the online meeting and its virtualAppointment.

``{owner}`` is ``me`` (the signed-in user) or ``users/{userId}``, ``{userId}`` being an object id
(a GUID) or a UPN (``name@domain.tld``), compared case-insensitively; ids are percent-decoded path
segments, so ``%2F`` stays inside an id::

    GET    /{v1.0|beta}/{owner}/onlineMeetings?$filter=JoinWebUrl eq '{joinWebUrl}'
                                                              200 {"@odata.context", "value": [meeting]} (or [])
    POST   /{v1.0|beta}/{owner}/onlineMeetings/createOrGet    201 new meeting, 200 existing one
    GET    /{v1.0|beta}/{owner}/onlineMeetings/{id}           200 the meeting
    PATCH  /{v1.0|beta}/{owner}/onlineMeetings/{id}           200 the updated meeting
    DELETE /{v1.0|beta}/{owner}/onlineMeetings/{id}           204 (its appointment goes too)
    GET    /{v1.0|beta}/{owner}/onlineMeetings/{id}/getVirtualAppointmentJoinWebUrl[()]
                                                              200 {"@odata.context", "value": url}
    GET PUT PATCH DELETE /beta/{owner}/onlineMeetings/{id}/virtualAppointment

The appointment never left beta: under ``/v1.0`` its path answers 400. A function may be called
with or without its (empty) parentheses: OData's form is ``getVirtualAppointmentJoinWebUrl()``,
which msgraph-sdk sends; the docs write it without. Checks run in the order a client can observe
them:

1. ``Authorization: Bearer <token>`` (401 ``InvalidAuthenticationToken``; with a configured
   token, any other token is refused too);
2. the route (404 for an unknown path, 405 with ``Allow`` for a method the route does not
   serve, 400 for a path segment that is not UTF-8 once percent-decoded);
3. the user segment: neither a GUID nor a UPN (``users/me-token-to-replace``, msgraph-sdk's
   placeholder when its ``/me`` rewrite is missing) is 404 ``ErrorInvalidUser`` "The requested user
   '{userId}' is invalid.", the answer Graph gave that placeholder (msgraph-sdk-python#1271; the
   docs name no status or code for an invalid user, so the 404 is the emulator's choice), on every
   route, ``implicit_meetings`` or not;
4. for the collection, its ``$filter``: missing, given twice, or any other than ``JoinWebUrl eq '...'`` (400);
   for a GET of a meeting or of the collection, its ``$select`` (400 naming a property the API
   version's type does not have; ``_odata.select_list``);
   for a body: missing (400), not ``application/json`` (415 ``UnsupportedMediaType``), not a
   JSON object, or a property or parameter the resource refuses (400 ``BadRequest`` naming it;
   rules in ``_schema`` and ``_meeting``);
5. entity-tag headers: malformed (400, inner ``malformedEntityTag``), then a missing meeting or
   appointment (404 ``itemNotFound``), then a mismatch (412 ``PreconditionFailed``, inner
   ``entityTagDoesNotMatch``). For an appointment the meeting is looked for first: without it
   the answer is 404 saying the online meeting does not exist (unless ``implicit_meetings``).
   Meetings honour ``If-Match`` (PATCH, DELETE) only while ``meeting_etags`` is on; off, they
   ignore it, malformed or not. A refused request changes nothing; nor does a write whose
   state file cannot be saved (500 ``InternalServerError``).

Appointment answers: GET 200 with the entity and its ``ETag``; PUT 201 with the entity (created
or replaced, as Graph's docs show only 201); PATCH 204 with no body; DELETE 204. PUT and PATCH
send the new ``ETag`` unless ``etag_on_write`` is off: Graph's docs do not say whether a PATCH
204 carries one, so clients must handle both.

The collection answers the owner's meetings with that join URL (``_meeting.has_join_web_url``):
one, none, or more where an out-of-band edit made two share one, as ``{"value": [...]}`` without
an ``ETag``.

Meeting answers carry the meeting as the request's API version has it (v1.0 without beta's
``anonymizeIdentityForRoles``) with its ``@odata.context``; the members evolvable in that version
read ``unknownFutureValue`` unless the request sent ``Prefer: include-unknown-enum-members``
(``_meeting.render``). With ``$select`` a GET answers ``id`` and the properties selected, and its
context names them as OData writes it: ``.../onlineMeetings(subject,joinWebUrl)/$entity``, or
``.../onlineMeetings(subject)`` for the collection. Other requests ignore ``$select``. They carry
an ``ETag`` only while ``meeting_etags`` is on (Graph's docs show none).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Callable

from werkzeug.exceptions import BadRequest, HTTPException, NotFound as RouteNotFound
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from ._json import BodyError, parse_json_object
from ._meeting import is_user, join_url, render, selectable
from ._odata import join_web_url_filter, select_list
from ._store import (
    Key, MalformedTag, NotFound, PersistError, PreconditionFailed, Record, Store, decode_segment, meeting_missing,
    missing,
)
from ._wire import Context, graph_error, json_response

__all__ = ["GraphSettings", "GraphApi", "authenticate", "ROUTES"]


@dataclass
class GraphSettings:
    """Switches of the wire format, adjustable while the emulator runs (the store holds the others)."""

    token: str | None = None
    """The only bearer token accepted; ``None`` accepts any non-empty token."""
    etag_on_write: bool = True
    """Whether an appointment's PUT 201 and PATCH 204 carry the new ``ETag`` header."""


class _UnsupportedMediaType(Exception):
    """A body that is not declared as JSON (415)."""


class _Segment(BaseConverter):
    """One path segment, percent-decoded after routing so ``%2F`` stays inside an id."""

    def to_python(self, value: str) -> str:
        try:
            return decode_segment(value)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None


def _rules() -> list[Rule]:
    """Every Graph route, for both owners; methods are :attr:`GraphApi._ENDPOINTS`' to say."""
    rules = []
    for owner in ("me", "users/<seg:user>"):
        base = f'/<any("v1.0", "beta"):version>/{owner}/onlineMeetings'
        rules += [
            Rule(base, endpoint="meetings"),
            Rule(f"{base}/createOrGet", endpoint="createOrGet"),
            Rule(f"{base}/<seg:meeting>", endpoint="meeting"),
            Rule(f"{base}/<seg:meeting>/getVirtualAppointmentJoinWebUrl", endpoint="joinWebUrl"),
            Rule(f"{base}/<seg:meeting>/getVirtualAppointmentJoinWebUrl()", endpoint="joinWebUrl"),
            Rule(f"{base}/<seg:meeting>/virtualAppointment", endpoint="appointment"),
        ]
    return rules


ROUTES = Map(_rules(), converters={"seg": _Segment}, strict_slashes=False, merge_slashes=False)
"""Graph's routes; matched on the path alone, so a wrong method is this module's 405."""


@dataclass(frozen=True)
class _Target:
    """What a matched route names: the API version, the owner (stored form) and the meeting id."""

    version: str
    user: str
    meeting: str | None

    @property
    def key(self) -> Key:
        return Key(self.user, self.meeting or "")


def _odata_literal(value: str) -> str:
    return value.replace("'", "''")


def _selected(request: Request, target: _Target) -> tuple[str, ...] | None:
    """The meeting properties ``$select`` names (``_odata.select_list``), or ``None`` for all of them."""
    return select_list(request.args.getlist("$select"), selectable(target.version), "onlineMeeting")


def _selection(select: tuple[str, ...] | None) -> str:
    """The context URL's select list, ``(subject,joinWebUrl)``, as OData writes it; empty for all."""
    return "" if select is None else f"({','.join(select)})"


def _wants_unknown_members(request: Request) -> bool:
    """Whether ``Prefer`` (any of its preferences, in any header line) asks for evolvable enum members."""
    preferences = ",".join(request.headers.getlist("Prefer")).split(",")
    names = (item.split(";")[0].split("=")[0].strip().lower() for item in preferences)
    return "include-unknown-enum-members" in names


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
            endpoint, args = ROUTES.bind("graph.emulator").match(path)
        except RouteNotFound:
            return graph_error(ctx, 404, "BadRequest", f"Resource not found for the segment in '{path}'.")
        except HTTPException as exc:
            return graph_error(ctx, exc.code or 400, "BadRequest", exc.description or "Bad request.")
        if endpoint == "appointment" and args["version"] != "beta":
            return graph_error(ctx, 400, "BadRequest", "virtualAppointment is only in beta; call /beta instead of /v1.0.")
        handlers = self._ENDPOINTS[endpoint]
        handler = handlers.get("GET" if request.method == "HEAD" else request.method)
        if handler is None:
            allowed = ", ".join(sorted({*handlers, *(["HEAD"] if "GET" in handlers else [])}))
            message = f"The HTTP method '{request.method}' is not allowed here; allowed: {allowed}."
            return graph_error(ctx, 405, "BadRequest", message, headers=[("Allow", allowed)])
        user = args.get("user")
        if user is not None and not is_user(user):  # an object id or a UPN, as Graph takes them
            return graph_error(ctx, 404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        target = _Target(args["version"], self.store.user(user), args.get("meeting"))
        return self._serve(handler, request, target, ctx)

    def _serve(self, handler: Callable[..., Response], request: Request, target: _Target, ctx: Context) -> Response:
        """Run the handler; map store failures to Graph errors in this one place."""
        try:
            return handler(self, request, target)
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

    # -- the virtualAppointment -------------------------------------------------------

    def _get(self, request: Request, target: _Target) -> Response:
        record = self.store.read(target.key, meeting_required=True)
        if record is None:
            raise missing(target.key)
        return json_response(self._appointment(request, target.key, record), 200, [("ETag", record.etag)])

    def _put(self, request: Request, target: _Target) -> Response:
        body, headers = self._json_body(request), request.headers
        record, _created = self.store.put(
            target.key, body, headers.get("If-Match"), headers.get("If-None-Match"), meeting_required=True
        )
        return json_response(self._appointment(request, target.key, record), 201, self._etag_header(record))

    def _patch(self, request: Request, target: _Target) -> Response:
        body = self._json_body(request)
        record = self.store.patch(target.key, body, request.headers.get("If-Match"), meeting_required=True)
        return self._no_content(self._etag_header(record))

    def _delete(self, request: Request, target: _Target) -> Response:
        self.store.delete(target.key, request.headers.get("If-Match"), meeting_required=True)
        return self._no_content([])

    # -- the onlineMeeting ------------------------------------------------------------

    def _find_meetings(self, request: Request, target: _Target) -> Response:
        """``?$filter=JoinWebUrl eq '...'``: a collection of the meetings with that join URL (one, or none)."""
        url = join_web_url_filter(request.args.getlist("$filter"))
        select = _selected(request, target)
        found = self.store.find_meetings(target.user, url)
        prefer = _wants_unknown_members(request)
        meetings = [render(record.entity, target.version, prefer, select) for record in found]
        context = f"{request.host_url}{target.version}/$metadata#users('{_odata_literal(target.user)}')/onlineMeetings"
        return json_response({"@odata.context": context + _selection(select), "value": meetings})

    def _create_or_get(self, request: Request, target: _Target) -> Response:
        record, created = self.store.create_or_get(target.user, self._json_body(request))
        return self._meeting(request, target, record, 201 if created else 200)

    def _get_meeting(self, request: Request, target: _Target) -> Response:
        select = _selected(request, target)
        record = self.store.read_meeting(target.key)
        if record is None:
            raise meeting_missing(target.key)
        return self._meeting(request, target, record, 200, select)

    def _patch_meeting(self, request: Request, target: _Target) -> Response:
        body = self._json_body(request)
        record = self.store.patch_meeting(target.key, body, request.headers.get("If-Match"), target.version)
        return self._meeting(request, target, record, 200)

    def _delete_meeting(self, request: Request, target: _Target) -> Response:
        self.store.delete_meeting(target.key, request.headers.get("If-Match"))
        return self._no_content([])

    def _join_web_url(self, request: Request, target: _Target) -> Response:
        if self.store.read_meeting(target.key) is None:
            raise meeting_missing(target.key)
        context = f"{request.host_url}{target.version}/$metadata#Edm.String"
        return json_response({"@odata.context": context, "value": join_url(target.user, target.key.meeting)})

    _ENDPOINTS: dict[str, dict[str, Callable[..., Response]]] = {
        "appointment": {"GET": _get, "PUT": _put, "PATCH": _patch, "DELETE": _delete},
        "createOrGet": {"POST": _create_or_get},
        "meetings": {"GET": _find_meetings},
        "meeting": {"GET": _get_meeting, "PATCH": _patch_meeting, "DELETE": _delete_meeting},
        "joinWebUrl": {"GET": _join_web_url},
    }

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
        return [("ETag", record.etag)] if self.settings.etag_on_write and record.etag else []

    @staticmethod
    def _no_content(headers: list[tuple[str, str]]) -> Response:
        response = Response(status=204)
        response.headers.remove("Content-Type")
        for name, value in headers:
            response.headers[name] = value
        return response

    @staticmethod
    def _appointment(request: Request, key: Key, record: Record) -> dict:
        """Graph's JSON for an appointment: the context URL, ``id``, all five properties."""
        context = (
            f"{request.host_url}beta/$metadata#users('{_odata_literal(key.user)}')"
            f"/onlineMeetings('{_odata_literal(key.meeting)}')/virtualAppointment/$entity"
        )
        return {"@odata.context": context, **record.entity}

    @staticmethod
    def _meeting(
        request: Request, target: _Target, record: Record, status: int, select: tuple[str, ...] | None = None
    ) -> Response:
        """A meeting answer: context URL, the rendered entity, its ``ETag`` when meeting ETags are on."""
        user = _odata_literal(target.user)
        context = f"{request.host_url}{target.version}/$metadata#users('{user}')/onlineMeetings{_selection(select)}"
        entity = render(record.entity, target.version, _wants_unknown_members(request), select)
        body = {"@odata.context": f"{context}/$entity", **entity}
        return json_response(body, status, [("ETag", record.etag)] if record.etag else [])
