"""The Graph client: requests to Graph and their answers, over the one transport (``_transport``).

Every request goes through :meth:`GraphClient._send`, which adds the bearer token, a fresh
``client-request-id``, the time bounds, bounded retries and the translation of every outcome into
either a :class:`GraphResponse` or the exception tree of ``_errors``; the verbs are one line each.

Two time bounds, both from the configuration: each attempt's wall time (``msgraph:timeoutSeconds``)
and, for a client made by :meth:`GraphClient.for_operation`, the whole provider operation's,
retries and pauses included (``msgraph:operationTimeoutSeconds``).

An answer is accepted only as Graph sends it: a 2xx whose body is empty or a JSON object no
deeper than :data:`MAX_DEPTH`. A 3xx (never followed), a body over the size cap, JSON that is an
array, a number, ``true`` or nested 100,000 deep: each is a ``GraphResponseError`` that names it.
"""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urljoin, urlsplit

import requests

from ._config import Settings
from ._errors import GraphResponseError, GraphTransportError, _shown, error_for_response, hint_for
from ._wirejson import Unusable, loads
from ._retry import RetryPolicy, parse_retry_after
from ._transport import MAX_RESPONSE_BYTES, RawResponse, Transport, TransportFailure, new_session
from ._version import __version__

__all__ = ["GraphClient", "GraphResponse", "USER_AGENT", "MAX_RESPONSE_BYTES", "MAX_DEPTH", "new_session"]

USER_AGENT = f"pulumi-virtualappointment/{__version__}"
MAX_DEPTH = 32
"""How deeply nested an answer's JSON may be (Graph's entities here are four levels deep)."""
_KINDS = {list: "an array", int: "a number", float: "a number", str: "a string", type(None): "null"}


@dataclass(frozen=True)
class GraphResponse:
    """A successful answer: status, parsed JSON object (or ``None``), ETag header, ids."""

    status: int
    body: Any
    etag: Optional[str]
    request_id: Optional[str]
    client_request_id: str
    method: str = ""
    path: str = ""
    attempts: int = 1
    """How many attempts the answer took."""
    unanswered: int = 0
    """How many earlier attempts were sent and got no answer at all (dropped, timed out): each may have
    been applied. An answered attempt (429, 503, ...) was not, and one never sent (refused) was not."""
    earlier: tuple = ()
    """The statuses earlier attempts were answered with (``None``: no answer), oldest first."""

    def invalid(self, problem: str) -> GraphResponseError:
        """An error about this answer's content (``invalidResponse``), with its request ids."""
        return _invalid(self.method, self.path, self.status, problem, self.request_id, self.client_request_id)


def _invalid(method: str, path: str, status: int, problem: str, request_id: Any, client_request_id: str,
             attempts: int = 1, code: str = "invalidResponse") -> GraphResponseError:
    """An answer Graph gave with a usable status but not a usable body: text from the wire in it (the
    body quoted in ``problem``, the request-id header) is made printable, as for error bodies."""
    return GraphResponseError(method, path, status, code, _shown(problem, 1000) or "", _shown(request_id, 100),
                              client_request_id, attempts)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _KINDS.get(type(value), type(value).__name__)


def _decode(raw: RawResponse) -> Any:
    """The body as JSON; ``ValueError`` with the problem when it is not usable JSON."""
    if raw.oversize:
        raise ValueError(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes, the most the provider reads")
    if not raw.body.strip():
        return None
    try:
        return loads(raw.body, MAX_DEPTH)
    except Unusable:
        raise
    except ValueError:
        text = raw.body.decode("utf-8", "replace").strip()
        raise ValueError(f"not a JSON body: {text[:200]}") from None


def _redirect(raw: RawResponse) -> str:
    if raw.status == 304:
        return "Graph answered 304 Not Modified to a request that asked for no cached copy"
    location = raw.headers.get("Location")
    if not location:
        return "Graph answered with a redirect without a Location"
    try:
        host = urlsplit(urljoin(raw.url, location)).netloc or "(no host)"
    except ValueError:
        return "Graph answered with a redirect to a Location that is not a URL"
    return (
        f"Graph answered with a redirect to {host}, which the provider never follows (a redirect could replay "
        "the request and its body at another address); nothing was sent there"
    )


class GraphClient:
    """Talks to ``{endpoint}/{version}/{path}`` with retries; raises ``GraphError`` subclasses."""

    def __init__(
        self,
        settings: Settings,
        token: Callable[[], str],
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: Optional[RetryPolicy] = None,
        clock: Callable[[], float] = time.monotonic,
        version: str = "v1.0",
    ):
        self.settings = settings
        self._token = token
        self._transport = Transport(session)
        self._sleep = sleep
        self._clock = clock
        self._policy = policy or RetryPolicy(max_retries=settings.max_retries)
        self._deadline: Optional[float] = None
        self._version = version
        self._always: dict[str, str] = {}
        self._noun = "resource"
        """What the requests are about (a resource kind's name), for advice."""

    @property
    def session(self) -> requests.Session:
        """The shared connection pool (one per provider process)."""
        return self._transport.session

    def for_operation(self, version: Optional[str] = None, headers: Optional[Mapping[str, str]] = None,
                      noun: Optional[str] = None) -> "GraphClient":
        """This client, bounded as one provider operation: every request and pause it makes ends
        within ``msgraph:operationTimeoutSeconds`` of now; at ``version`` (a resource's own API
        version, unless msgraph:apiVersion overrides it), each request with ``headers``. Shares
        the pool and the token."""
        bounded = copy.copy(self)
        bounded._deadline = self._clock() + self.settings.operation_timeout_seconds
        bounded._version = version or self._version
        bounded._always = dict(headers or {})
        bounded._noun = noun or self._noun
        return bounded

    def get(self, path: str) -> GraphResponse:
        return self._send("GET", path)

    def put(self, path: str, body: bytes, if_none_match: Optional[str] = None) -> GraphResponse:
        return self._send("PUT", path, body, {"If-None-Match": if_none_match} if if_none_match else None, idempotent=False)

    def post(self, path: str, body: bytes) -> GraphResponse:
        """A POST that is idempotent by its body (``createOrGet``, keyed by its externalId): retried."""
        return self._send("POST", path, body)

    def patch(self, path: str, body: bytes, if_match: Optional[str]) -> GraphResponse:
        # If-Match makes a replay harmless: if the first attempt was applied, the replay gets 412.
        # Without one (a resource Graph gives no ETag), the replay sends the same values again.
        return self._send("PATCH", path, body, {"If-Match": if_match} if if_match else None)

    def delete(self, path: str, if_match: Optional[str] = None) -> GraphResponse:
        return self._send("DELETE", path, None, {"If-Match": if_match} if if_match else None)

    def close(self) -> None:
        self._transport.close()

    def _headers(self, client_request_id: str, body: Optional[bytes], extra: Mapping[str, str]) -> dict:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "client-request-id": client_request_id,
            "return-client-request-id": "true",
            **self._always,
            **extra,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def _bound(self) -> tuple[float, str]:
        """This attempt's wall-time bound and the setting that sets it."""
        request = (self.settings.timeout_seconds, f"no complete response within {self.settings.timeout_seconds:g} s "
                   "(msgraph:timeoutSeconds)")
        if self._deadline is None:
            return request
        remaining = self._deadline - self._clock()
        return request if remaining >= request[0] else (remaining, self._operation_reason())

    def _operation_reason(self) -> str:
        return (f"the operation's bound of {self.settings.operation_timeout_seconds:g} s "
                "(msgraph:operationTimeoutSeconds) was reached")

    def _send(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        extra: Optional[Mapping[str, str]] = None,
        idempotent: bool = True,
    ) -> GraphResponse:
        url = f"{self.settings.base_url(self._version)}/{path}"
        attempt, waited, unanswered, reached, earlier = 0, 0.0, 0, False, []
        while True:
            attempt += 1
            client_request_id = str(uuid.uuid4())
            headers = self._headers(client_request_id, body, extra or {})  # may wait for a token: inside the bound
            seconds, bound = self._bound()
            if seconds <= 0:
                raise GraphTransportError(method, path, bound, client_request_id, attempt - 1)
            try:
                raw = self._transport.send(method, url, body, headers, seconds)
            except TransportFailure as failure:
                reason = bound if failure.timed_out else failure.reason
                if not failure.retryable:
                    raise GraphTransportError(method, path, reason, client_request_id, attempt) from None
                status, retry_after, error = None, None, (reason, None)
                unanswered += failure.sent
                earlier.append(None)
                reached = reached or failure.sent
            else:
                reached = True
                if raw.status < 400:
                    return self._answer(method, path, raw, client_request_id, attempt, unanswered, tuple(earlier))
                status, retry_after, error = raw.status, parse_retry_after(raw.headers), (None, raw)
                earlier.append(raw.status)
                hint = self._version_hint(raw.status) or hint_for(raw.status, self.settings.name)
            pause = None
            if self._policy.retryable(status, retry_after, idempotent):
                pause = self._policy.delay(attempt, retry_after, waited)
            if pause is not None and self._deadline is not None and self._clock() + pause >= self._deadline:
                pause = None
                if error[1] is None:  # an answer (429, 503 ...) says more than the bound that ended its retries
                    error = (self._operation_reason(), None)
            if pause is None:
                if error[1] is None:
                    hint = None if reached else self._nobody_there()
                raise self._error(method, path, error, client_request_id, attempt, hint)
            self._sleep(pause)
            waited += pause

    @staticmethod
    def _answer(method: str, path: str, raw: RawResponse, client_request_id: str, attempt: int,
                unanswered: int = 0, earlier: tuple = ()) -> GraphResponse:
        """A 1xx-3xx answer: a usable JSON object (or none), else an error naming what is wrong."""
        request_id = raw.headers.get("request-id")
        if raw.status < 200:
            problem = f"an interim answer (HTTP {raw.status}) came as the final one"
            raise _invalid(method, path, raw.status, problem, request_id, client_request_id, attempt)
        if 300 <= raw.status < 400:
            raise _invalid(method, path, raw.status, _redirect(raw), request_id, client_request_id, attempt, "redirect")
        try:
            body = _decode(raw)
        except ValueError as exc:
            raise _invalid(method, path, raw.status, str(exc), request_id, client_request_id, attempt) from None
        if raw.body.strip() and not isinstance(body, dict):  # an empty body is fine (204); `null` is not
            problem = f"expected a JSON object, got {_kind(body)}"
            raise _invalid(method, path, raw.status, problem, request_id, client_request_id, attempt)
        return GraphResponse(raw.status, body, raw.headers.get("ETag"), request_id, client_request_id, method, path,
                             attempt, unanswered, earlier)

    def _version_hint(self, status: int) -> Optional[str]:
        """Advice for a 400 or 404 when msgraph:apiVersion forces another version than the resource's own."""
        forced = self.settings.api_version
        if status not in (400, 404) or not forced or forced == self._version:
            return None
        key = "msgraph:apiVersion"
        return (f"{self.settings.source(key)} makes every resource use {forced}, and the {self._noun} is served under "
                f"{self._version}: unset {self.settings.name(key)} (this answer may be the version's, not the input's).")

    def _nobody_there(self) -> str:
        """Advice when no attempt reached the endpoint at all: which URL, from where, and what to do."""
        key = "msgraph:endpoint"
        return (f"Nothing answered at {self.settings.endpoint} ({self.settings.source(key)}): if it is the local "
                "emulator, start it (python -m pulumi_virtualappointment.emulator); otherwise check "
                f"{self.settings.name(key)}.")

    @staticmethod
    def _error(method: str, path: str, error: tuple, client_request_id: str, attempts: int,
               hint: Optional[str] = None) -> Exception:
        reason, raw = error
        if raw is None:
            return GraphTransportError(method, path, reason, client_request_id, attempts, hint)
        if raw.oversize:
            body: Any = f"(an error body larger than {MAX_RESPONSE_BYTES} bytes was not read)"
        else:
            try:
                body = _decode(raw)
            except ValueError:  # not JSON (a proxy's HTML page): its text is the message
                body = raw.body.decode("utf-8", "replace")
        return error_for_response(method, path, raw.status, body, raw.headers, client_request_id, attempts, hint)
