"""The request log: what clients sent to the Graph endpoints, for tests to assert on.

Each entry is a plain dict, the same in Python (``Emulator.requests()``) and over HTTP
(``GET /_emulator/requests``)::

    {"method": "PATCH",
     "path": "/beta/me/onlineMeetings/M/virtualAppointment",   # as sent, still percent-encoded
     "query": {},                                               # name -> first value
     "headers": {"authorization": "Bearer <redacted>", ...},   # names lower-cased
     "body": {...} | "raw text" | None,                         # parsed JSON when it parses
     "raw_body": "...",                                         # the bytes as sent (UTF-8 text)
     "status": 204 | None,                                      # None when no response was sent
     "fault": None | "status" | "drop" | "lostResponse"}        # what was injected, if anything

Tokens never reach the log: the Authorization value keeps only its scheme. Admin requests
are never logged, so tests count exactly the client's traffic. The log keeps the most recent
10,000 entries, so a long-running emulator does not grow without bound.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import deque
from typing import Any

from werkzeug.wrappers import Request

__all__ = ["RequestLog", "describe", "redact_authorization"]

LIMIT = 10_000


def redact_authorization(value: str) -> str:
    """``Bearer eyJ...`` -> ``Bearer <redacted>``; the scheme stays so tests can check it."""
    scheme, _, credential = value.strip().partition(" ")
    if not scheme:
        return value
    return f"{scheme} <redacted>" if credential else "<redacted>"


def _headers(request: Request) -> dict[str, str]:
    headers = {name.lower(): value for name, value in request.headers.items()}
    if "authorization" in headers:
        headers["authorization"] = redact_authorization(headers["authorization"])
    return headers


def _body(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def describe(request: Request, path: str, raw_body: bytes) -> dict[str, Any]:
    """The logged form of a request; the app adds ``status`` and ``fault`` when it answers."""
    return {
        "method": request.method,
        "path": path,
        "query": request.args.to_dict(flat=True),
        "headers": _headers(request),
        "body": _body(raw_body),
        "raw_body": raw_body.decode("utf-8", "replace"),
        "status": None,
        "fault": None,
    }


class RequestLog:
    """A bounded, thread-safe list of logged requests."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)

    def record(self, entry: dict[str, Any]) -> None:
        """Append one finished request."""
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of every entry, oldest first; callers may change it freely."""
        with self._lock:
            return copy.deepcopy(list(self._entries))

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
