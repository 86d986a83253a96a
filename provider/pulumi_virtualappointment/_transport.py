"""The transport: the only code that opens sockets. One ``requests.Session``, bounded three ways.

- **Wall time.** requests' read timeout applies to each socket read, so a server that sends a
  byte every few seconds keeps a request alive forever. Every request here runs under a
  watchdog that shuts its connection's socket down when the request's bound has passed; the
  blocked read then ends and the failure says that the bound was hit.
- **Size.** A body is read up to :data:`MAX_RESPONSE_BYTES` *after* decompression. urllib3 (from
  2.7, the floor pyproject.toml declares) inflates a compressed body a bounded step at a time, so
  a small gzip bomb is refused at the cap instead of being inflated whole in memory.
- **Place.** Redirects are never followed: a 307/308 would replay the request, body included,
  at another address, and a 302/303 would turn a write into a GET that "succeeds". The 3xx is
  handed back as it is; the client turns it into an error.

Failures come out as :class:`TransportFailure` (no usable answer, with the reason and whether
another attempt may succeed); every ``requests``/``urllib3``/socket exception is translated here,
and never with its text where that could quote a header value (a token).
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection

__all__ = ["Transport", "RawResponse", "TransportFailure", "MAX_RESPONSE_BYTES", "CONNECT_TIMEOUT"]

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""The most of one answer the provider reads, after decompression (Graph's entities here are a few KiB)."""
CONNECT_TIMEOUT = 10.0
_CHUNK = 64 * 1024
_KILL = threading.Lock()
"""Serialises "this connection now belongs to that request" against "kill that request's socket"."""
_ACTIVE = threading.local()
"""The watchdog of the request this thread is sending (requests is synchronous: one at a time)."""


@dataclass(frozen=True)
class RawResponse:
    """What came back: status, headers, the body (empty when ``oversize``) and the final URL."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    oversize: bool
    url: str


class TransportFailure(Exception):
    """No usable answer arrived. ``reason`` is safe to show; ``retryable`` if the same request
    may be sent again (a request that could not even be formed never is); ``sent`` once the request
    was written whole (connected, through any proxy tunnel and TLS handshake): only then may it have
    been applied with its answer lost. Every failure before that proves nothing of the kind."""

    def __init__(self, reason: str, retryable: bool, timed_out: bool = False, sent: bool = False):
        super().__init__(reason)
        self.reason, self.retryable, self.timed_out, self.sent = reason, retryable, timed_out, sent


class _Alarm:
    """One daemon thread that fires every watchdog of the process at its deadline: arming one is a
    heap push (a thread per request cost about 0.1 ms, a tenth of a loopback request)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, "_Watchdog"]] = []
        self._ready = threading.Condition()
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def arm(self, watchdog: "_Watchdog", seconds: float) -> None:
        with self._ready:
            heapq.heappush(self._heap, (time.monotonic() + max(seconds, 0.0), next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="graph-request-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is watchdog:  # the earliest now: the thread must wake sooner
                self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while True:
                    while self._heap and self._heap[0][2].is_done:
                        heapq.heappop(self._heap)
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        watchdog = heapq.heappop(self._heap)[2]
                        break
                    self._ready.wait(self._heap[0][0] - now if self._heap else None)
            watchdog.fire()


_ALARM = _Alarm()


class _Watchdog:
    """Shuts down the socket of one request when ``seconds`` have passed, unless ``done`` first."""

    def __init__(self, seconds: float):
        self.fired = False
        self.connection: Optional[Any] = None
        self.is_done = False
        self.sent = False
        """Whether the request was written whole (connected, through any proxy and TLS): only then
        may a failure be a lost answer to a request the server acted on."""
        _ALARM.arm(self, seconds)

    def fire(self) -> None:
        with _KILL:
            if self.is_done:
                return
            self.fired = True
            if self.connection is not None and self.connection._watchdog is self:
                _shut(self.connection)

    def done(self) -> None:
        """Stop watching, and let go of the connection before it can return to the pool: a
        pooled connection must never carry a watchdog into another request."""
        with _KILL:
            self.is_done = True
            if self.connection is not None and self.connection._watchdog is self:
                self.connection._watchdog = None


def _shut(connection: Any) -> None:
    """Unblock any read on the connection: shut the socket's file descriptor down (the plain
    socket method, so a TLS socket's state is left for the reading thread to tear down)."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _Bounded:
    """Mixed into urllib3's connections: connecting (a proxy's CONNECT and the TLS handshake
    included) and each request run under the sending thread's watchdog."""

    _watchdog: Optional[_Watchdog] = None

    def _adopt(self) -> Optional[_Watchdog]:
        watchdog = getattr(_ACTIVE, "watchdog", None)
        with _KILL:
            self._watchdog = watchdog
            if watchdog is not None:
                watchdog.connection = self
                if watchdog.fired:
                    _shut(self)
        return watchdog

    def connect(self) -> None:
        watchdog = self._adopt()
        super().connect()  # type: ignore[misc]
        with _KILL:  # the bound passed before the socket existed: nothing may be read from it
            if watchdog is not None and watchdog.fired:
                _shut(self)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        watchdog = self._adopt()
        result = super().request(*args, **kwargs)  # type: ignore[misc]  (connects first if it must)
        if watchdog is not None:
            watchdog.sent = True
        return result


class _Connection(_Bounded, HTTPConnection):
    pass


class _TLSConnection(_Bounded, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_POOLS = {"http": _Pool, "https": _TLSPool}


class _Adapter(HTTPAdapter):
    """requests' adapter with the bounded connections, direct and through an HTTP(S) proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is ProxyManager:  # SOCKS managers bring their own connection classes
            manager.pool_classes_by_scheme = _POOLS
        return manager


class _Session(requests.Session):
    """A session that cannot follow a redirect: ``resolve_redirects`` (which requests also runs,
    redirects off, to work out ``Response.next``, and which raises on a malformed Location) yields
    nothing, so every 3xx comes back as it is."""

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Any:
        return iter(())


def new_session(pool_size: int = 16) -> requests.Session:
    """A session whose pool serves the provider host's worker threads; no hidden retries."""
    session = _Session()
    adapter = _Adapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _unsendable(headers: Mapping[str, str]) -> Optional[str]:
    """Why these headers cannot be sent as they are (never quoting a value: one is the token)."""
    for name, value in headers.items():
        if not isinstance(value, str) or value != value.strip() or any(c in value for c in "\r\n\0"):
            return f"the {name} header is not one line of text"
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return f"the {name} header is not Latin-1 text"
    return None


def _chain(exc: BaseException) -> list:
    """The exception and everything it wraps (requests wraps urllib3, which wraps ssl and socket)."""
    seen: set[int] = set()
    found, stack = [], [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        stack.extend([item.__cause__, item.__context__, *item.args])
    return found


def _tls(exc: BaseException) -> TransportFailure:
    """A TLS failure: the certificate's or the handshake's is final; a cut connection is retried."""
    chain = _chain(exc)
    if any(isinstance(item, ssl.SSLCertVerificationError) for item in chain):
        return TransportFailure(f"TLS verification failed (not retried): {exc}", retryable=False)
    if any(isinstance(item, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError)) for item in chain):
        return TransportFailure("the TLS connection was cut", retryable=True)
    return TransportFailure(f"the TLS handshake failed (not retried): {exc}", retryable=False)


def _failure(exc: BaseException, watchdog: _Watchdog, seconds: float) -> TransportFailure:
    """One exception from requests, urllib3 or the socket -> the reason, without its text."""
    if watchdog.fired:
        return TransportFailure("timed out", retryable=True, timed_out=True)
    if isinstance(exc, requests.exceptions.SSLError):
        return _tls(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        if seconds > CONNECT_TIMEOUT:
            return TransportFailure(f"could not connect within {CONNECT_TIMEOUT:g} s", retryable=True)
        return TransportFailure("timed out", retryable=True, timed_out=True)
    if any(isinstance(item, urllib3.exceptions.NewConnectionError) for item in _chain(exc)):
        return TransportFailure("the connection was refused or could not be made", retryable=True)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return TransportFailure("the response was cut off", retryable=True)
    if isinstance(exc, requests.Timeout):
        return TransportFailure("timed out", retryable=True, timed_out=True)
    # Anything else came after the request was sent (its headers were checked first): a dropped
    # connection or an answer that is not HTTP. Whether it is retried is the method's call.
    if not isinstance(exc, (requests.ConnectionError, ConnectionError)) and isinstance(
        exc, (requests.RequestException, http.client.HTTPException, ValueError)
    ):
        return TransportFailure(f"the answer was malformed ({type(exc).__name__})", retryable=True)
    return TransportFailure("connection failed or was dropped", retryable=True)


def _read(response: requests.Response) -> tuple[bytes, bool]:
    """The decoded body, or ``(b"", True)`` once it passes the cap (declared or counted)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        return b"", True
    chunks, total = [], 0
    for chunk in response.iter_content(_CHUNK):
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            return b"", True
        chunks.append(chunk)
    return b"".join(chunks), False


class Transport:
    """Sends one request at a time per calling thread; thread-safe (one shared pool)."""

    def __init__(self, session: Optional[requests.Session] = None):
        self.session = session or new_session()

    def send(self, method: str, url: str, body: Optional[bytes], headers: Mapping[str, str], seconds: float) -> RawResponse:
        """One attempt, bounded by ``seconds`` of wall time from connect to the body's last byte."""
        problem = _unsendable(headers)
        if problem is not None:
            raise TransportFailure(f"the request could not be sent: {problem}", retryable=False)
        watchdog = _Watchdog(seconds)
        _ACTIVE.watchdog = watchdog
        try:
            response = self.session.request(
                method, url, data=body, headers=dict(headers), timeout=(min(CONNECT_TIMEOUT, seconds), seconds),
                allow_redirects=False, stream=True,
            )
            try:
                content, oversize = _read(response)
            finally:
                watchdog.done()  # before close() can hand the connection back to the pool
                response.close()
        except (requests.RequestException, http.client.HTTPException, OSError, ValueError) as exc:
            failure = _failure(exc, watchdog, seconds)
            failure.sent = watchdog.sent  # what the exception is matters less than how far the request got
            raise failure from None
        finally:
            watchdog.done()
            _ACTIVE.watchdog = None
        if watchdog.fired:  # the socket was shut: what was read may end early (headers end at EOF)
            raise TransportFailure("timed out", retryable=True, timed_out=True, sent=watchdog.sent)
        return RawResponse(response.status_code, response.headers, content, oversize, response.url)

    def close(self) -> None:
        self.session.close()
