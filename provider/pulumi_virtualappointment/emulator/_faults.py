"""Fault injection: what goes wrong with the next Graph requests, scripted or by chance.

A client's retry logic can only be trusted once it has met each failure Graph documents:
throttling (429 with a ``Retry-After`` in seconds, possibly fractional), 503/504, slowness, a
connection that dies before the request is applied, and one that dies after it was applied
so the client never learns it succeeded. A fault is written as a dict (the same in Python
and in the admin HTTP API)::

    {"status": 429, "retryAfter": "0.05"}   answer with this status and a Graph error body
    {"latency": 0.05}                       wait this many seconds, then serve normally
    {"drop": true}                          close the connection before applying the request
    {"lostResponse": true}                  apply the request, then close without answering

``latency`` combines with the other three. A status fault may also carry ``code`` and
``message`` (the Graph error body) and ``headers`` (extra response headers, e.g. for the
409 sent while a tenant is provisioned, whose retry header the docs do not name).

``retryAfter`` and ``headers`` become response headers, so they are checked when set, not
when sent: a header name is an HTTP token, a value is Latin-1 text without CR, LF or other
control characters (tab allowed), and the headers that frame the response
(``Content-Length``, ``Transfer-Encoding``, ``Connection`` and the other hop-by-hop ones) are
the server's own. Anything else would break the response or hang the connection.

Scripted faults are consumed one per Graph request, in order; once the script is empty the
rates apply, drawn from one seeded ``random.Random`` so a seed reproduces the sequence.
"""

from __future__ import annotations

import random
import re
import threading
from collections import deque
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping

__all__ = ["Fault", "Rates", "FaultPlan", "parse_fault", "STATUS_CODES"]

STATUS_CODES: Mapping[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is not valid (injected by the emulator)."),
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid (injected by the emulator)."),
    403: ("Forbidden", "The caller lacks the permission this needs (injected by the emulator)."),
    409: ("Conflict", "The tenant is being provisioned for virtual appointments. Retry later."),
    429: ("TooManyRequests", "Too many requests. Retry after the interval in the Retry-After header."),
    500: ("InternalServerError", "An internal server error occurred (injected by the emulator)."),
    502: ("BadGateway", "Bad gateway (injected by the emulator)."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Retry later."),
    504: ("GatewayTimeout", "The gateway timed out (injected by the emulator)."),
}
"""Statuses a fault may answer with, and the Graph error code and message of each."""

_FAULT_KEYS = {"status", "retryAfter", "code", "message", "headers", "latency", "drop", "lostResponse"}
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
_SERVERS_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade"}


@dataclass(frozen=True)
class Fault:
    """One injected failure; at most one of ``status``, ``drop``, ``lost_response``."""

    latency: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    code: str | None = None
    message: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False
    lost_response: bool = False

    @property
    def kind(self) -> str | None:
        """What the request log records: ``"status"``, ``"drop"``, ``"lostResponse"`` or None."""
        if self.drop:
            return "drop"
        if self.lost_response:
            return "lostResponse"
        return "status" if self.status is not None else None

    def to_json(self) -> dict[str, Any]:
        """The dict form accepted by :func:`parse_fault`, without defaults."""
        out: dict[str, Any] = {}
        for name, value in (
            ("latency", self.latency or None),
            ("status", self.status),
            ("retryAfter", self.retry_after),
            ("code", self.code),
            ("message", self.message),
            ("headers", dict(self.headers) or None),
            ("drop", self.drop or None),
            ("lostResponse", self.lost_response or None),
        ):
            if value is not None:
                out[name] = value
        return out


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60:
        raise ValueError(f"fault {name} must be a number of seconds between 0 and 60, got {value!r}")
    return float(value)


def _optional_text(spec: Mapping[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"fault {name} must be a string, got {value!r}")
    return str(value)


def _header_value(value: str | None, name: str) -> str | None:
    if value is not None and not _HEADER_VALUE.fullmatch(value):
        raise ValueError(
            f"fault {name} must be header text (Latin-1, no CR, LF or other control characters), got {value!r}"
        )
    return value


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"fault headers must be an object of string values, got {value!r}")
    for name, text in value.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"fault headers: {name!r} is not a header name (letters, digits and !#$%&'*+-.^_`|~)")
        if name.lower() in _SERVERS_HEADERS:
            raise ValueError(f"fault headers: {name} frames the response and is the server's own")
        _header_value(text, f"headers[{name!r}]")
    return tuple(value.items())


def parse_fault(spec: Mapping[str, Any] | Fault) -> Fault:
    """Validate a fault dict (see the module docstring); raises ``ValueError`` saying why."""
    if isinstance(spec, Fault):
        return spec
    if not isinstance(spec, Mapping):
        raise ValueError(f"a fault must be an object such as {{\"status\": 429}}, got {spec!r}")
    unknown = sorted(set(spec) - _FAULT_KEYS)
    if unknown:
        raise ValueError(f"unknown fault key(s) {unknown}; expected some of {sorted(_FAULT_KEYS)}")
    status = spec.get("status")
    if status is not None and status not in STATUS_CODES:
        raise ValueError(f"fault status must be one of {sorted(STATUS_CODES)}, got {status!r}")
    drop, lost = spec.get("drop", False) is True, spec.get("lostResponse", False) is True
    if (status is not None) + drop + lost > 1:
        raise ValueError("a fault has at most one of status, drop and lostResponse")
    fault = Fault(
        latency=_number(spec.get("latency", 0), "latency"),
        status=status,
        retry_after=_header_value(_optional_text(spec, "retryAfter"), "retryAfter"),
        code=_optional_text(spec, "code"),
        message=_optional_text(spec, "message"),
        headers=_headers(spec.get("headers")),
        drop=drop,
        lost_response=lost,
    )
    if status is None and (fault.retry_after or fault.code or fault.message or fault.headers):
        raise ValueError(f"retryAfter, code, message and headers go with a status; got {dict(spec)!r}")
    if fault.kind is None and not fault.latency:
        raise ValueError(f"the fault {dict(spec)!r} does nothing; give status, latency, drop or lostResponse")
    return fault


@dataclass(frozen=True)
class Rates:
    """Probabilities (0..1, summing to at most 1) of each fault per Graph request.

    ``latency`` (seconds) is added to every Graph request; ``retry_after`` is the
    ``Retry-After`` value sent with 429 and 503 (none by default, so clients back off).
    """

    rate429: float = 0.0
    rate503: float = 0.0
    rate504: float = 0.0
    rate_drop: float = 0.0
    rate_lost_response: float = 0.0
    latency: float = 0.0
    retry_after: str | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        probabilities = (self.rate429, self.rate503, self.rate504, self.rate_drop, self.rate_lost_response)
        for value in probabilities:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"fault rates must be numbers between 0 and 1, got {value!r}")
        if sum(probabilities) > 1 + 1e-9:
            raise ValueError(f"fault rates add up to {sum(probabilities)}; at most 1 is possible")
        _number(self.latency, "latency")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        retry_after = _optional_text({"retry_after": self.retry_after}, "retry_after")
        object.__setattr__(self, "retry_after", _header_value(retry_after, "retry_after"))

    def _outcomes(self) -> tuple[tuple[float, Fault], ...]:
        return (
            (self.rate429, Fault(status=429, retry_after=self.retry_after)),
            (self.rate503, Fault(status=503, retry_after=self.retry_after)),
            (self.rate504, Fault(status=504)),
            (self.rate_drop, Fault(drop=True)),
            (self.rate_lost_response, Fault(lost_response=True)),
        )

    def draw(self, rng: random.Random) -> Fault | None:
        """One request's fate: a single uniform draw, so a seed fixes the whole sequence."""
        point, edge = rng.random(), 0.0
        for probability, fault in self._outcomes():
            edge += probability
            if point < edge:
                return replace(fault, latency=self.latency)
        return Fault(latency=self.latency) if self.latency else None

    def to_json(self) -> dict[str, Any]:
        """The rates as set (same names as ``Emulator.set_fault_rates``)."""
        return asdict(self)


class FaultPlan:
    """The script of next faults and the standing rates; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[Fault] = deque()
        self._rates = Rates()
        self._rng = random.Random()

    def inject(self, *faults: Mapping[str, Any] | Fault) -> None:
        """Append faults for the next Graph requests (all validated before any is added)."""
        parsed = [parse_fault(spec) for spec in faults]
        with self._lock:
            self._script.extend(parsed)

    def set_rates(self, rates: Rates) -> None:
        """Replace the standing rates; a seed restarts the random sequence."""
        with self._lock:
            self._rates = rates
            self._rng = random.Random(rates.seed)

    def clear(self) -> None:
        """Forget the script and set every rate back to zero."""
        with self._lock:
            self._script.clear()
            self._rates = Rates()
            self._rng = random.Random()

    def next(self) -> Fault | None:
        """The fault for the Graph request being served now, if any."""
        with self._lock:
            if self._script:
                return self._script.popleft()
            return self._rates.draw(self._rng)

    def describe(self) -> dict[str, Any]:
        """``{"script": [pending faults], "rates": {...}}`` for the admin API."""
        with self._lock:
            return {"script": [fault.to_json() for fault in self._script], "rates": self._rates.to_json()}
