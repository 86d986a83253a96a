"""The admin API under ``/_emulator/``: how tests and the quick start steer the emulator.

When the emulator was started with a token, every admin request needs
``Authorization: Bearer <token>`` (401 ``InvalidAuthenticationToken`` otherwise); without one
it needs none, and only the app's ``Host`` and ``Origin`` checks (see ``_app``) keep other
web pages out. Admin requests are never logged, so the request log holds only client
traffic. ``GET /_emulator/`` lists every route with a line on what it does: the list is
``ADMIN_ROUTES``, the same table the routes are matched against, so it cannot drift. Most
routes mirror a method of ``Emulator`` (which needs no token), named in their line.

A meeting path is ``me/onlineMeetings/{id}`` or ``users/{userId}/onlineMeetings/{id}``, an owner
``me`` or ``users/{userId}``; an appointment path is a meeting path with ``/virtualAppointment``;
segments are percent-encoded. A meeting's ``etag`` is ``null`` while meeting ETags are off; a
meeting seeded without an ``externalId`` has none, as one made in the Teams app (see ``_meeting``
for what seeds and edits accept).
Removing a meeting removes its appointment. Failures are Graph errors, as on the Graph routes:
400 for a bad body or path, 404, 405, and 500 when the state file cannot be written (nothing
is changed then).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ._faults import FaultPlan, Rates
from ._graph import GraphSettings, authenticate
from ._log import RequestLog
from ._json import BodyError, parse_json_object
from ._store import NotFound, PersistError, Store, meeting_missing
from ._wire import Context, graph_error, json_response

__all__ = ["ADMIN_ROUTES", "AdminApi", "AdminRoute", "PREFIX"]

PREFIX = "/_emulator"


@dataclass(frozen=True)
class AdminRoute:
    """One method on one admin path: a line of ``GET /_emulator/`` and a rule of ``ROUTES``."""

    method: str
    rule: str
    """The werkzeug rule under :data:`PREFIX`, e.g. ``/meetings/<path:path>``."""
    endpoint: str
    """``AdminApi._<endpoint>`` serves it, one handler for every method of a rule."""
    description: str

    @property
    def path(self) -> str:
        """The path as the index shows it: ``/_emulator/meetings/{path}``."""
        return PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)


_MEETING = "/meetings/<path:path>"
_APPOINTMENT = "/appointments/<path:path>"
_ENTRY = '{"entity": ..., "etag": ...}'

ADMIN_ROUTES = (
    AdminRoute("GET", "/", "index", "this list of the admin routes"),
    AdminRoute("GET", "/requests", "requests", "the logged Graph requests, oldest first: Emulator.requests()"),
    AdminRoute("DELETE", "/requests", "requests", "forget the logged requests: Emulator.clear_requests()"),
    AdminRoute("GET", "/meetings", "meetings", f"every meeting, {{path: {_ENTRY}}}: Emulator.meetings()"),
    AdminRoute("GET", _MEETING, "meeting", f"the meeting at a meeting path, {_ENTRY}, or 404"),
    AdminRoute(
        "PUT", _MEETING, "meeting",
        "create or replace the meeting at a meeting path, or under an owner (me, users/{userId}) with the "
        "body's id or a new one: Emulator.seed_meeting(path, body)",
    ),
    AdminRoute(
        "PATCH", _MEETING, "meeting", "change a meeting out of band, as in Teams: Emulator.edit_meeting(path, body)"
    ),
    AdminRoute(
        "DELETE", _MEETING, "meeting",
        "remove a meeting and its appointment, no preconditions: Emulator.remove_meeting(path)",
    ),
    AdminRoute(
        "GET", "/appointments", "appointments", f"every appointment, {{path: {_ENTRY}}}: Emulator.appointments()"
    ),
    AdminRoute("GET", _APPOINTMENT, "appointment", f"the appointment at an appointment path, {_ENTRY}, or 404"),
    AdminRoute("PUT", _APPOINTMENT, "appointment", "create or replace an appointment: Emulator.seed(path, body)"),
    AdminRoute(
        "PATCH", _APPOINTMENT, "appointment",
        "change an appointment out of band, as in Teams: Emulator.edit(path, body)",
    ),
    AdminRoute("DELETE", _APPOINTMENT, "appointment", "remove an appointment, no preconditions"),
    AdminRoute(
        "POST", "/reset", "reset", "drop every meeting, appointment, logged request and fault: Emulator.reset()"
    ),
    AdminRoute("GET", "/faults", "faults", 'the pending scripted faults and the random rates, {"script", "rates"}'),
    AdminRoute(
        "POST", "/faults", "faults",
        '{"script": [fault, ...]} appends to the script (Emulator.inject), {"rates": {...}} replaces the rates',
    ),
    AdminRoute("DELETE", "/faults", "faults", "forget the script and the rates: Emulator.clear_faults()"),
    AdminRoute("GET", "/settings", "settings", "etagOnWrite, meetingEtags, implicitMeetings, me and tokenRequired"),
    AdminRoute(
        "PATCH", "/settings", "settings", "set any of etagOnWrite, meetingEtags, implicitMeetings to true or false"
    ),
)
"""Every admin route, in the order ``GET /_emulator/`` lists them."""


def _route_map(routes: tuple[AdminRoute, ...]) -> Map:
    """One werkzeug rule per rule text, with the methods the table gives it."""
    methods: dict[tuple[str, str], list[str]] = {}
    for route in routes:
        methods.setdefault((route.rule, route.endpoint), []).append(route.method)
    rules = [Rule(PREFIX + rule, endpoint=endpoint, methods=verbs) for (rule, endpoint), verbs in methods.items()]
    return Map(rules, strict_slashes=False, merge_slashes=False)


ROUTES = _route_map(ADMIN_ROUTES)

_JSON = "application/json"


def _no_content() -> Response:
    response = Response(status=204)
    response.headers.remove("Content-Type")
    return response


class AdminApi:
    """Serves ``/_emulator/`` from the same store, fault plan, log and settings as Graph."""

    def __init__(
        self, store: Store, faults: FaultPlan, log: RequestLog, settings: GraphSettings, reset: Callable[[], None]
    ) -> None:
        self.store, self.faults, self.log, self.settings = store, faults, log, settings
        self._reset_all = reset

    def handle(self, request: Request, path: str, ctx: Context) -> Response:
        """Authenticate, route and serve one admin request; every failure is a Graph-shaped error."""
        if self.settings.token is not None:
            denied = authenticate(request, ctx, self.settings.token)
            if denied is not None:
                return denied
        try:
            endpoint, args = ROUTES.bind("graph.emulator").match(path, method=request.method)
            return getattr(self, f"_{endpoint}")(request, **args)
        except RouteNotFound:
            return graph_error(ctx, 404, "NotFound", f"No admin route {path}; see the emulator's documentation.")
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            return graph_error(ctx, 405, "BadRequest", f"Allowed methods: {allowed}.", headers=[("Allow", allowed)])
        except HTTPException as exc:
            return graph_error(ctx, exc.code or 400, "BadRequest", exc.description or "Bad request.")
        except NotFound as exc:
            return graph_error(ctx, 404, "itemNotFound", str(exc.args[0]))
        except (BodyError, ValueError, TypeError) as exc:
            return graph_error(ctx, 400, "BadRequest", str(exc))
        except PersistError as exc:
            return graph_error(ctx, 500, "InternalServerError", str(exc))

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        raw = request.get_data(cache=True)
        return parse_json_object(raw) if raw.strip() else {}

    def _index(self, request: Request) -> Response:
        routes = [{"method": r.method, "path": r.path, "description": r.description} for r in ADMIN_ROUTES]
        return json_response({"routes": routes}, content_type=_JSON)

    def _requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.log.clear()
            return _no_content()
        return json_response(self.log.entries(), content_type=_JSON)

    def _meetings(self, request: Request) -> Response:
        return json_response(self.store.meeting_snapshot(), content_type=_JSON)

    def _meeting(self, request: Request, path: str) -> Response:
        if request.method == "PUT":
            user, meeting = self.store.meeting_address(path)
            record = self.store.seed_meeting(user, meeting, self._body(request))
            return json_response({"entity": record.entity, "etag": record.etag}, content_type=_JSON)
        key = self.store.meeting_key(path)
        if request.method == "DELETE":
            self.store.delete_meeting(key)
            return _no_content()
        if request.method == "GET":
            record = self.store.read_meeting(key)
            if record is None:
                raise meeting_missing(key)
        else:
            record = self.store.edit_meeting(key, self._body(request))
        return json_response({"entity": record.entity, "etag": record.etag}, content_type=_JSON)

    def _appointments(self, request: Request) -> Response:
        return json_response(self.store.snapshot(), content_type=_JSON)

    def _appointment(self, request: Request, path: str) -> Response:
        key = self.store.key(path)
        if request.method == "DELETE":
            self.store.delete(key)
            return _no_content()
        if request.method == "GET":
            record = self.store.read(key)
            if record is None:
                raise NotFound(f"No virtualAppointment at {path}.")
        elif request.method == "PUT":
            record = self.store.seed(key, self._body(request))
        else:
            record = self.store.edit(key, self._body(request))
        return json_response({"entity": record.entity, "etag": record.etag}, content_type=_JSON)

    def _reset(self, request: Request) -> Response:
        self._reset_all()
        return _no_content()

    def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return _no_content()
        if request.method == "POST":
            self._apply_faults(self._body(request))
        return json_response(self.faults.describe(), content_type=_JSON)

    def _apply_faults(self, body: dict[str, Any]) -> None:
        """Validate the whole request before changing anything, then apply it."""
        unknown = sorted(set(body) - {"script", "rates"})
        if unknown or not body:
            raise ValueError(f"expected {{\"script\": [fault, ...]}} and/or {{\"rates\": {{...}}}}, got keys {unknown}")
        script = body.get("script", [])
        if not isinstance(script, list):
            raise ValueError("script must be a list of faults")
        rates = Rates(**body["rates"]) if "rates" in body else None
        self.faults.inject(*script)
        if rates is not None:
            self.faults.set_rates(rates)

    def _settings(self, request: Request) -> Response:
        if request.method == "PATCH":
            body = self._body(request)
            unknown = sorted(set(body) - set(_SWITCHES))
            if unknown or not all(isinstance(value, bool) for value in body.values()):
                raise ValueError(f"only {', '.join(_SWITCHES)} (true or false) can be changed, got {body!r}")
            for name, value in body.items():
                setattr(*self._switch(name), value)
        state = {name: getattr(*self._switch(name)) for name in _SWITCHES}
        state.update(me=self.store.me, tokenRequired=self.settings.token is not None)
        return json_response(state, content_type=_JSON)

    def _switch(self, name: str) -> tuple[object, str]:
        """The object holding a switch (wire settings or the store's rules) and its attribute."""
        holder, attribute = _SWITCHES[name]
        return (self.settings if holder == "settings" else self.store), attribute


_SWITCHES = {
    "etagOnWrite": ("settings", "etag_on_write"),
    "meetingEtags": ("store", "meeting_etags"),
    "implicitMeetings": ("store", "implicit_meetings"),
}
"""The settings the admin API changes: JSON name -> (where it lives, attribute)."""
