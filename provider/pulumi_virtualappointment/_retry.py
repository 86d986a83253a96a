"""When to retry a Graph request and how long to wait: a pure policy.

Graph asks clients to honour ``Retry-After`` (seconds, possibly fractional, e.g. ``2.128``) on
429 and 503, and to back off exponentially without it. The first create of a virtualAppointment
in a tenant can answer 409 while the tenant is provisioned, with a retry header. No clock and no
sleep here: the client passes the attempt number and the time waited so far, and sleeps itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

__all__ = ["RetryPolicy", "parse_retry_after", "RETRYABLE_STATUS"]

RETRYABLE_STATUS = frozenset({429, 503, 504})


def parse_retry_after(headers: Mapping[str, str]) -> Optional[float]:
    """Seconds to wait from ``Retry-After`` (fractional allowed) or ``x-ms-retry-after-ms``.

    An HTTP-date or garbage is ignored (``None``): backoff then applies.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    try:
        if value is not None:
            seconds = float(value)
            return seconds if 0 <= seconds < 86400 else None
        if lowered.get("x-ms-retry-after-ms") is not None:
            return max(0.0, float(lowered["x-ms-retry-after-ms"]) / 1000)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: at most ``max_retries`` more attempts and ``max_total_wait`` seconds asleep."""

    max_retries: int = 4
    max_total_wait: float = 60.0
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    jitter: Callable[[], float] = random.random

    def retryable(self, status: Optional[int], retry_after: Optional[float] = None, idempotent: bool = True) -> bool:
        """Whether this outcome may be retried at all (``status=None``: no response arrived).

        A connection failure or a 504 (either may follow a request that was applied) is retried
        only for requests that cannot take effect twice differently (``idempotent``); 429 and 503
        mean the request was refused, so they are retried for every method; 409 only when Graph
        said when to come back (provisioning).
        """
        if status is None or status == 504:  # a gateway timeout may hide an applied request
            return idempotent
        if status in RETRYABLE_STATUS:
            return True
        return status == 409 and retry_after is not None

    def delay(self, attempt: int, retry_after: Optional[float], waited: float) -> Optional[float]:
        """Seconds to sleep before retry number ``attempt`` (1-based), or ``None`` to give up."""
        if attempt > self.max_retries:
            return None
        if retry_after is not None:
            pause = retry_after
        else:
            ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
            pause = ceiling / 2 + self.jitter() * ceiling / 2
        if waited + pause > self.max_total_wait:
            return None
        return pause
