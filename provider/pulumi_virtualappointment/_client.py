"""The Graph client: the only place this package touches the network.

One ``requests.Session`` (a shared, thread-safe connection pool) per provider process. Every
request goes through :meth:`GraphClient._send`, which adds the bearer token, a fresh
``client-request-id``, timeouts, bounded retries and the translation of failures into the
exception tree of ``_errors``; the verbs are one line each.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import requests
from requests.adapters import HTTPAdapter

from ._config import Settings
from ._errors import GraphTransportError, error_for_response
from ._retry import RetryPolicy, parse_retry_after
from ._version import __version__

__all__ = ["GraphClient", "GraphResponse", "USER_AGENT"]

USER_AGENT = f"pulumi-virtualappointment/{__version__}"
CONNECT_TIMEOUT = 10.0
_TRANSPORT_FAILURES = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # connection cut partway through the body
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class GraphResponse:
    """A successful answer: status, parsed JSON body (or ``None``), ETag header, ids."""

    status: int
    body: Any
    etag: Optional[str]
    request_id: Optional[str]
    client_request_id: str


def _parse_body(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def new_session(pool_size: int = 16) -> requests.Session:
    """A session whose pool serves the provider server's worker threads; no hidden retries."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class GraphClient:
    """Talks to ``{endpoint}/{version}/{path}`` with retries; raises ``GraphError`` subclasses."""

    def __init__(
        self,
        settings: Settings,
        token: Callable[[], str],
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: Optional[RetryPolicy] = None,
    ):
        self.settings = settings
        self._token = token
        self._session = session or new_session()
        self._sleep = sleep
        self._policy = policy or RetryPolicy(max_retries=settings.max_retries)

    def get(self, path: str) -> GraphResponse:
        return self._send("GET", path)

    def put(self, path: str, body: bytes) -> GraphResponse:
        return self._send("PUT", path, body, idempotent=False)

    def patch(self, path: str, body: bytes, if_match: str) -> GraphResponse:
        # If-Match makes a replay harmless: if the first attempt was applied, the replay gets 412.
        return self._send("PATCH", path, body, {"If-Match": if_match})

    def delete(self, path: str) -> GraphResponse:
        return self._send("DELETE", path)

    def close(self) -> None:
        self._session.close()

    def _headers(self, client_request_id: str, body: Optional[bytes], extra: Mapping[str, str]) -> dict:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "client-request-id": client_request_id,
            "return-client-request-id": "true",
            **extra,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def _send(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        extra: Optional[Mapping[str, str]] = None,
        idempotent: bool = True,
    ) -> GraphResponse:
        url = f"{self.settings.base_url}/{path}"
        timeout = (CONNECT_TIMEOUT, self.settings.timeout_seconds)
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            client_request_id = str(uuid.uuid4())
            headers = self._headers(client_request_id, body, extra or {})
            try:
                response = self._session.request(method, url, data=body, headers=headers, timeout=timeout)
            except requests.exceptions.SSLError as exc:
                reason = f"TLS verification failed (not retried): {exc}"
                raise GraphTransportError(method, path, reason, client_request_id, attempt) from None
            except _TRANSPORT_FAILURES as exc:
                failure: Any = exc
                status, retry_after = None, None
            else:
                if response.status_code < 400 and isinstance(_parse_body(response), str):
                    raise error_for_response(
                        method, path, response.status_code, f"not a JSON body: {response.text}",
                        response.headers, client_request_id, attempt,
                    )
                if response.status_code < 400:
                    return GraphResponse(
                        response.status_code,
                        _parse_body(response),
                        response.headers.get("ETag"),
                        response.headers.get("request-id"),
                        client_request_id,
                    )
                failure, status = response, response.status_code
                retry_after = parse_retry_after(response.headers)
            pause = None
            if self._policy.retryable(status, retry_after, idempotent):
                pause = self._policy.delay(attempt, retry_after, waited)
            if pause is None:
                raise self._error(method, path, failure, client_request_id, attempt)
            self._sleep(pause)
            waited += pause

    @staticmethod
    def _error(method: str, path: str, failure: Any, client_request_id: str, attempts: int) -> Exception:
        if isinstance(failure, requests.Response):
            return error_for_response(
                method, path, failure.status_code, _parse_body(failure), failure.headers, client_request_id, attempts
            )
        reason = "connection failed or was dropped"
        if isinstance(failure, requests.Timeout):
            reason = "timed out"
        elif isinstance(failure, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
            reason = "the response was cut off"
        return GraphTransportError(method, path, reason, client_request_id, attempts)

