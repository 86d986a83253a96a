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
are never logged, so tests count exactly the client's traffic.

A long-running emulator must not grow without bound, and a body may be up to 1 MiB, so the
log is bounded twice: at most 10,000 entries (``LIMIT``) and at most 64 MiB (``BUDGET``) of
request data, the oldest entries dropped first. Each entry is charged the bytes of its body,
the length of its method, path, header and query text, and 1 KiB (``ENTRY_OVERHEAD``) for the
entry itself; the newest entry is always kept. A body is stored once, as the bytes sent, and
decoded (``body``, ``raw_body``) only when the log is read, so the memory held stays close
to what is charged.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from werkzeug.wrappers import Request

from ._json import parse_json

__all__ = ["RequestLog", "describe", "redact_authorization"]

LIMIT = 10_000
"""The most entries the log keeps."""
BUDGET = 64 * 1024 * 1024
"""The most bytes of request data the log keeps (see the module docstring for the charge)."""
ENTRY_OVERHEAD = 1024
"""What each entry is charged beyond its text: the dicts and small objects that hold it."""


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
    try:
        return parse_json(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def describe(request: Request, path: str, raw_body: bytes) -> dict[str, Any]:
    """The stored form of a request (the body as bytes); the app adds ``status`` and ``fault``."""
    return {
        "method": request.method,
        "path": path,
        "query": request.args.to_dict(flat=True),
        "headers": _headers(request),
        "raw_body": raw_body,
        "status": None,
        "fault": None,
    }


def _cost(entry: dict[str, Any]) -> int:
    """The bytes an entry is charged against the log's budget."""
    pairs = [*entry["headers"].items(), *entry["query"].items()]
    text = len(entry["method"]) + len(entry["path"]) + sum(len(name) + len(value) for name, value in pairs)
    return len(entry["raw_body"]) + text + ENTRY_OVERHEAD


def _rendered(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as callers see it (the module docstring's format), theirs to change."""
    raw = entry["raw_body"]
    return {
        "method": entry["method"],
        "path": entry["path"],
        "query": dict(entry["query"]),
        "headers": dict(entry["headers"]),
        "body": _body(raw),
        "raw_body": raw.decode("utf-8", "replace"),
        "status": entry["status"],
        "fault": entry["fault"],
    }


class RequestLog:
    """A thread-safe list of logged requests, bounded in entries and in bytes."""

    def __init__(self, limit: int = LIMIT, budget: int = BUDGET) -> None:
        self.limit, self.budget = limit, budget
        self._lock = threading.Lock()
        self._entries: deque[tuple[int, dict[str, Any]]] = deque()
        self._size = 0

    @property
    def size(self) -> int:
        """The bytes charged for the entries kept now."""
        with self._lock:
            return self._size

    def record(self, entry: dict[str, Any]) -> None:
        """Append one finished request (from :func:`describe`), dropping the oldest over the bounds."""
        cost = _cost(entry)
        with self._lock:
            self._entries.append((cost, entry))
            self._size += cost
            while len(self._entries) > 1 and (len(self._entries) > self.limit or self._size > self.budget):
                dropped, _ = self._entries.popleft()
                self._size -= dropped

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first, as fresh dicts callers may change freely."""
        with self._lock:
            kept = [entry for _, entry in self._entries]
        return [_rendered(entry) for entry in kept]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._size = 0
