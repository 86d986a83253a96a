"""``Emulator``: the emulator as a real HTTP server on a background thread.

Tests and the quick start talk to it over real sockets (werkzeug's threaded server), so
the client's whole stack, connection pooling and retries included, is exercised. The same
object offers in-process equivalents of the admin API for tests that prefer them.

Once listening, the app accepts only requests whose ``Host`` (and ``Origin``, if sent) names
this emulator (see ``_app``); the in-process methods bypass HTTP and need neither that nor
the token.

werkzeug's server answers every request with ``Connection: close``, so clients never reuse a
connection across a restart. ``stop()`` also shuts down connections still being served (a
request sleeping in an injected latency, say), so a stopped emulator answers nothing more.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Any, Callable, Mapping

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ._app import EmulatorApp, Hosts
from ._faults import Fault, Rates
from ._graph import GraphSettings
from .._config import is_loopback
from ._store import DEFAULT_ME, Store

__all__ = ["Emulator", "is_loopback", "check_port", "check_token", "check_state_file"]


def check_port(port: int) -> int:
    """A port to listen on: 1-65535, or 0 for any free one (a socket would take 99999 modulo 65536)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"a port is 1-65535, or 0 for any free port; got {port!r}")
    return port


def check_token(token: str) -> str:
    """A bearer token a client can send: not empty, no white space around it (the header is stripped)."""
    if not token or token != token.strip():
        raise ValueError(
            "a bearer token is not empty and neither starts nor ends with white space (clients strip it); "
            f"got {token!r}"
        )
    return token


def check_state_file(path: str | os.PathLike) -> str:
    """A state file the emulator can write: a file (existing or not) in a folder that exists."""
    text = os.fspath(path)
    if os.path.isdir(text):
        raise ValueError(f"{text} is a folder; name a file, such as {os.path.join(text, 'state.json')}")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise ValueError(f"the folder {folder} does not exist; create it or name a file in a folder that does")
    return text


def _checked(name: str, check: Callable[[Any], Any], value: Any) -> Any:
    """``value`` through ``check``, its ``ValueError`` naming the argument."""
    try:
        return check(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


class _Handler(WSGIRequestHandler):
    """werkzeug's handler, tracking open connections and quiet unless asked to log.

    werkzeug answers every request with ``Connection: close`` (its server cannot drain a
    request stream for keep-alive), so each request here arrives on a new connection.
    """

    server: BaseWSGIServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:  # type: ignore[attr-defined]
            self.server.open_connections.add(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:  # type: ignore[attr-defined]
                self.server.open_connections.discard(self.connection)  # type: ignore[attr-defined]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if getattr(self.server, "verbose", False):
            super().log_request(code, size)


class Emulator:
    """A local Microsoft Graph: online meetings (``/v1.0``, ``/beta``), their ``virtualAppointment`` (``/beta``).

    ``with Emulator() as emu:`` starts it on a free loopback port; ``emu.url`` is the service
    root (no version) to use as ``msgraph:endpoint``. ``meeting_etags`` gives meetings ETags
    and ``If-Match`` like the appointment's (Graph's docs show none); ``implicit_meetings``
    lets an appointment exist under any meeting id (of a valid user), for tests of the
    appointment alone. Both default to off and can be switched while it runs. Arguments no
    server could use are refused with a ``ValueError`` naming them: a port outside 0-65535, a
    token no client could send, a state file that is a folder or whose folder does not exist.
    """

    def __init__(
        self,
        token: str | None = None,
        etag_on_write: bool = True,
        state_file: str | os.PathLike | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        me: str = DEFAULT_ME,
        *,
        allow_remote: bool = False,
        verbose: bool = False,
        meeting_etags: bool = False,
        implicit_meetings: bool = False,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"refusing to listen on {host!r}: the emulator has no real authentication, so it listens "
                "on loopback addresses only; pass allow_remote=True to override"
            )
        port = _checked("port", check_port, port)
        if token is not None:
            _checked("token", check_token, token)
        if state_file is not None:
            _checked("state_file", check_state_file, state_file)
        self.host, self.port, self.verbose, self.allow_remote = host, port, verbose, allow_remote
        self.settings = GraphSettings(token=token, etag_on_write=etag_on_write)
        self.store = Store(me=me, state_file=state_file, meeting_etags=meeting_etags,
                           implicit_meetings=implicit_meetings)
        self.app = EmulatorApp(self.store, self.settings)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> "Emulator":
        """Listen and serve on a background thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_Handler)
        server.open_connections = set()  # type: ignore[attr-defined]
        server.connections_lock = threading.Lock()  # type: ignore[attr-defined]
        server.verbose = self.verbose  # type: ignore[attr-defined]
        self.app.hosts = Hosts.serving(self.host, server.server_port, self.allow_remote)
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="graph-emulator", daemon=True
        )
        self._server = server
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and join the server thread; idempotent."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        with server.connections_lock:  # type: ignore[attr-defined]
            connections = list(server.open_connections)  # type: ignore[attr-defined]
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        thread.join(timeout=5)

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The service root, e.g. ``http://127.0.0.1:8765`` (append ``/beta/...``)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = self.host if ":" not in self.host else f"[{self.host.strip('[]')}]"
        return f"http://{host}:{self._server.server_port}"

    @property
    def token(self) -> str | None:
        """The bearer token Graph and admin routes require, or ``None`` (Graph: any; admin: none)."""
        return self.settings.token

    @property
    def etag_on_write(self) -> bool:
        """Whether PUT 201 and PATCH 204 carry the new ETag (Graph's docs are silent)."""
        return self.settings.etag_on_write

    @etag_on_write.setter
    def etag_on_write(self, value: bool) -> None:
        self.settings.etag_on_write = bool(value)

    @property
    def meeting_etags(self) -> bool:
        """Whether meetings carry an ETag and honour ``If-Match`` on PATCH and DELETE (default off)."""
        return self.store.meeting_etags

    @meeting_etags.setter
    def meeting_etags(self, value: bool) -> None:
        self.store.meeting_etags = bool(value)

    @property
    def implicit_meetings(self) -> bool:
        """Whether any meeting id counts as an existing meeting for appointments (default off)."""
        return self.store.implicit_meetings

    @implicit_meetings.setter
    def implicit_meetings(self, value: bool) -> None:
        self.store.implicit_meetings = bool(value)

    @property
    def me(self) -> str:
        """The signed-in user's id that ``me/...`` paths stand for (lower-cased)."""
        return self.store.me

    # -- in-process admin API -----------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        """Logged Graph requests, oldest first (see ``_log`` for the entry format)."""
        return self.app.log.entries()

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.app.log.clear()

    def get(self, path: str) -> dict[str, Any] | None:
        """The stored appointment (``id`` and the five properties) at ``path``, or ``None``."""
        record = self.store.read(self.store.key(path))
        return record.entity if record is not None else None

    def etag(self, path: str) -> str | None:
        """The current ETag of the appointment at ``path``, or ``None``."""
        record = self.store.read(self.store.key(path))
        return record.etag if record is not None else None

    def appointments(self) -> dict[str, dict[str, Any]]:
        """``{canonical path: {"entity": ..., "etag": ...}}`` of every appointment."""
        return self.store.snapshot()

    def edit(self, path: str, changes: Mapping[str, Any]) -> str:
        """Change an appointment out of band (as in Teams), meeting or not; returns the new ETag."""
        return self.store.edit(self.store.key(path), changes).etag

    def seed(self, path: str, entity: Mapping[str, Any]) -> str:
        """Create or replace an appointment directly, meeting or not; returns its ETag.

        Graph routes show it only while its meeting exists (or :attr:`implicit_meetings` is on).
        """
        return self.store.seed(self.store.key(path), entity).etag

    def meetings(self) -> dict[str, dict[str, Any]]:
        """``{"users/{user}/onlineMeetings/{id}": {"entity": ..., "etag": ...}}`` of every meeting.

        ``etag`` is ``None`` while :attr:`meeting_etags` is off, as clients then see none.
        """
        return self.store.meeting_snapshot()

    def meeting(self, path: str) -> dict[str, Any] | None:
        """The meeting stored at ``me/onlineMeetings/{id}`` or ``users/{u}/onlineMeetings/{id}``, or ``None``.

        As stored, for every API version: evolvable enum members as sent, not as
        ``unknownFutureValue``, and beta's own properties (``anonymizeIdentityForRoles``) too.
        """
        record = self.store.read_meeting(self.store.meeting_key(path))
        return record.entity if record is not None else None

    def meeting_etag(self, path: str) -> str | None:
        """The meeting's current ETag, or ``None`` (no such meeting, or meeting ETags off)."""
        record = self.store.read_meeting(self.store.meeting_key(path))
        return record.etag if record is not None else None

    def seed_meeting(
        self, path_or_owner: str = "me", entity: Mapping[str, Any] | None = None, **properties: Any
    ) -> str:
        """Create or replace a meeting directly and return its id.

        ``path_or_owner`` is a meeting path (the meeting gets that id) or an owner, ``me`` or
        ``users/{userId}`` (the meeting gets ``entity["id"]`` if given, else a new Graph-like
        id). ``entity`` and the keyword ``properties`` (which win) are Graph properties in
        camelCase, each defaulting as createOrGet makes it; without ``externalId`` the meeting
        has none, as one made in the Teams app (createOrGet never finds it). ``BodyError`` (a
        ``ValueError``) names a property the emulator refuses.
        """
        user, meeting = self.store.meeting_address(path_or_owner)
        return self.store.seed_meeting(user, meeting, {**(entity or {}), **properties}).entity["id"]

    def edit_meeting(self, path: str, changes: Mapping[str, Any]) -> str | None:
        """Change a meeting out of band (as in Teams): any modelled property, no PATCH rules.

        Returns the new ETag, or ``None`` while :attr:`meeting_etags` is off; ``LookupError``
        if there is no such meeting.
        """
        return self.store.edit_meeting(self.store.meeting_key(path), changes).etag

    def remove_meeting(self, path: str) -> None:
        """Delete a meeting and its appointment, without preconditions; ``LookupError`` if absent."""
        self.store.delete_meeting(self.store.meeting_key(path))

    def reset(self) -> None:
        """Drop every meeting and appointment, the request log and all faults."""
        self.app.reset()

    def inject(self, *faults: Mapping[str, Any] | Fault) -> None:
        """Script faults for the next Graph requests, in order (appended to any pending)."""
        self.app.faults.inject(*faults)

    def clear_faults(self) -> None:
        """Forget scripted faults and set every rate back to zero."""
        self.app.faults.clear()

    def set_fault_rates(
        self,
        rate429: float = 0,
        rate503: float = 0,
        rate504: float = 0,
        rate_drop: float = 0,
        rate_lost_response: float = 0,
        latency: float = 0.0,
        seed: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Fail each Graph request at random with these probabilities (seeded: reproducible)."""
        rates = Rates(rate429, rate503, rate504, rate_drop, rate_lost_response, latency, retry_after, seed)
        self.app.faults.set_rates(rates)
