"""The one exception tree of the package.

    GraphError                      root: anything this package raises on purpose
    +-- ConfigurationError          stack config / environment is wrong (endpoint, token, ...)
    +-- InvalidInputError           an input the provider cannot use (also a ValueError)
    +-- GraphTransportError         no usable HTTP response: refused, dropped, timed out, unsendable
    +-- GraphResponseError          Graph answered with an error status, a redirect or a body it
    |                               never sends (carries the request ids)
    |   +-- AuthenticationError     401: the token is missing, expired or not accepted
    |   +-- ForbiddenError         403: the signed-in user or app lacks consent
    |   +-- NotFoundError           404: no such meeting, user or appointment
    |   +-- PreconditionFailedError 412: If-Match did not match the current ETag
    |   +-- ThrottledError          429/503/504 still failing after the retries
    +-- ConflictError               the object changed outside this program (refresh first)
    +-- ResourceExistsError         create met an object the program does not own yet
        +-- AppointmentExistsError  ... a virtualAppointment
        +-- MeetingExistsError      ... an online meeting with that externalId, other values

Errors are translated from ``requests`` in one place (``_client.GraphClient._send``). Messages
never contain the bearer token: only status, Graph's code and message, and the request ids.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = [
    "GraphError",
    "ConfigurationError",
    "InvalidInputError",
    "GraphTransportError",
    "GraphResponseError",
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "PreconditionFailedError",
    "ThrottledError",
    "ConflictError",
    "ResourceExistsError",
    "AppointmentExistsError",
    "MeetingExistsError",
    "error_for_response",
]


class GraphError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigurationError(GraphError):
    """The provider's configuration (stack config or environment) cannot work."""


class InvalidInputError(GraphError, ValueError):
    """An input the provider cannot use, caught before any request (such as an id given to ``get``)."""


class GraphTransportError(GraphError):
    """No usable HTTP response arrived (connection refused or dropped, a time bound reached, or the
    request could not be sent at all)."""

    def __init__(self, method: str, path: str, reason: str, client_request_id: str, attempts: int = 1,
                 hint: Optional[str] = None):
        self.method, self.path, self.reason = method, path, reason
        self.client_request_id, self.attempts, self.hint = client_request_id, attempts, hint
        text = (f"Graph {method} {path} got no response after {attempts} attempt(s): {reason} "
                f"(client-request-id: {client_request_id})")
        super().__init__(f"{text}. {hint}" if hint else text)


_HINTS = {
    400: "Graph rejected the request body; check the property values.",
    401: "Sign in again: `python -m pulumi_virtualappointment login` (msgraph:auth device_code or browser), "
    "`az login` (cli), or set a new delegated token in msgraph:accessToken / MSGRAPH_ACCESS_TOKEN "
    "(tokens expire after about an hour).",
    403: "The signed-in user needs the delegated permission OnlineMeetings.ReadWrite, with consent granted "
    "(by the user or a tenant admin) to the app in msgraph:clientId; application permissions are not "
    "supported by this API.",
    404: "Check online_meeting_id and user_id: the meeting or its appointment does not exist for that user.",
    412: "The appointment changed since its ETag was read; run `pulumi refresh`.",
    429: "Graph is throttling requests; retry later or lower the deployment's parallelism.",
}


def hint_for(status: int, name: Any) -> Optional[str]:
    """The advice for ``status``, naming settings as the reader sets them (``name(key)``: stack config
    and environment for the provider, flags and environment for a command)."""
    if status == 401:
        return (f"Sign in again: `python -m pulumi_virtualappointment login` ({name('msgraph:auth')} device_code or "
                f"browser), `az login` (cli), or set a new delegated token in {name('msgraph:accessToken')} (tokens "
                "expire after about an hour).")
    if status == 403:
        return ("The signed-in user needs the delegated permission OnlineMeetings.ReadWrite, with consent granted "
                f"(by the user or a tenant admin) to the app in {name('msgraph:clientId')}; application permissions "
                "are not supported by this API.")
    return _HINTS.get(status)


class GraphResponseError(GraphError):
    """Graph answered with an error status; carries what support needs to trace it."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        code: Optional[str],
        message: str,
        request_id: Optional[str],
        client_request_id: Optional[str],
        attempts: int = 1,
        hint: Optional[str] = None,
    ):
        self.method, self.path, self.status = method, path, status
        self.code, self.graph_message = code, message
        self.request_id, self.client_request_id, self.attempts = request_id, client_request_id, attempts
        self.hint = hint
        super().__init__(self._text())

    def summary(self) -> str:
        """What Graph answered, with the ids support needs, without the advice."""
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return (
            f"Graph {self.method} {self.path} failed{tries}: HTTP {self.status} {self.code or 'unknown code'}: "
            f"{self.graph_message or '(no message)'} "
            f"(request-id: {self.request_id or 'none'}, client-request-id: {self.client_request_id or 'none'})"
        )

    def _text(self) -> str:
        hint = self.hint or _HINTS.get(self.status) or (_HINTS[429] if isinstance(self, ThrottledError) else None)
        return f"{self.summary()}. {hint}" if hint else self.summary()

    def retold(self, hint: str) -> "GraphResponseError":
        """The same answer with advice that fits where it happened (same class, same ids)."""
        return type(self)(
            self.method, self.path, self.status, self.code, self.graph_message, self.request_id,
            self.client_request_id, self.attempts, hint,
        )


class AuthenticationError(GraphResponseError):
    """401: the token is missing, expired or not accepted."""


class ForbiddenError(GraphResponseError):
    """403: the caller lacks the delegated permission or consent."""


class NotFoundError(GraphResponseError):
    """404: the meeting, the user or the appointment does not exist."""


class PreconditionFailedError(GraphResponseError):
    """412: the If-Match ETag is no longer current."""


class ThrottledError(GraphResponseError):
    """429/503/504 that persisted through every retry."""


class ConflictError(GraphError):
    """The object changed outside this program since the last deployment."""


class ResourceExistsError(GraphError):
    """Create found the object already there and adoption was not asked for; nothing was changed."""


class AppointmentExistsError(ResourceExistsError):
    """Create found an appointment already there and adoption was not asked for."""


class MeetingExistsError(ResourceExistsError):
    """``createOrGet`` found a meeting with the externalId whose values differ, and adoption was not asked for."""


_BY_STATUS = {401: AuthenticationError, 403: ForbiddenError, 404: NotFoundError, 412: PreconditionFailedError}


def _error_fields(body: Any) -> tuple[Optional[str], str, Mapping[str, Any]]:
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return None, "", {}
    inner = error.get("innerError") or error.get("innererror") or {}
    code = error.get("code")
    return (code if isinstance(code, str) else None), str(error.get("message") or ""), (
        inner if isinstance(inner, Mapping) else {}
    )


def _shown(value: Any, limit: int) -> Optional[str]:
    """Text from the wire as it may appear in a message: printable, at most ``limit`` characters."""
    if value is None:
        return None
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def error_for_response(
    method: str,
    path: str,
    status: int,
    body: Any,
    headers: Mapping[str, str],
    client_request_id: str,
    attempts: int = 1,
    hint: Optional[str] = None,
) -> GraphResponseError:
    """Parse Graph's error body (either spelling of innerError) into the matching exception."""
    code, message, inner = _error_fields(body)
    if not message and isinstance(body, str):
        message = body.strip()[:300]
    request_id = inner.get("request-id") or headers.get("request-id")
    echoed = inner.get("client-request-id") or headers.get("client-request-id") or client_request_id
    cls = ThrottledError if status in (429, 503, 504) else _BY_STATUS.get(status, GraphResponseError)
    return cls(method, path, status, _shown(code, 100), _shown(message, 1000) or "", _shown(request_id, 100),
               _shown(echoed, 100), attempts, hint)
