"""How long to wait before trying oec.sh again: after a 429, and after a failure worth retrying.

Pure functions of headers, body and "now", so the wait order of CONTRACT.md §9.4 is tested with
plain values: `Retry-After` (seconds or HTTP date) → `X-RateLimit-Reset` → body `retry_after` →
until 1 s past the next full minute (the key limit is a calendar-minute bucket), 60 s for the
webhook and target limits, 900 s for `ip_blocked`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

# X-RateLimit-Reset is either a delay or a Unix instant; no delay is ever this large.
_EPOCH_THRESHOLD = 1_000_000_000.0
_FIXED_WAITS = {
    "webhook_mutation_rate_limit": 60.0,
    "target_rate_limit": 60.0,
    "ip_blocked": 900.0,
}
CONCURRENT_ACTION_WAIT = 5.0


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta seconds or HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def parse_reset(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from `X-RateLimit-Reset`: a Unix instant or a delay, whichever it is."""
    if value is None:
        return None
    number = _number(value.strip())
    if number is None:
        return None
    if number >= _EPOCH_THRESHOLD:
        return max(0.0, number - now)
    return max(0.0, number)


def seconds_to_next_minute(now: float) -> float:
    """Until 1 s past the next full minute: when a calendar-minute bucket has surely refilled."""
    return (math.floor(now / 60.0) + 1) * 60.0 - now + 1.0


def rate_limit_wait(
    headers: Mapping[str, str], *, code: str, body_retry_after: Any, now: float
) -> float:
    """How long a 429 tells us to wait, in the order of §9.4. `headers` is case-insensitive."""
    for wait in (
        parse_retry_after(headers.get("retry-after"), now=now),
        parse_reset(headers.get("x-ratelimit-reset"), now=now),
        _body_number(body_retry_after),
    ):
        if wait is not None:
            return wait
    fixed = _FIXED_WAITS.get(code)
    if fixed is not None:
        return fixed
    return seconds_to_next_minute(now)


def backoff_delay(attempt: int, *, rand: float, base: float = 0.5, cap: float = 8.0) -> float:
    """Capped exponential backoff with "equal jitter": half fixed, half random (`rand` in [0, 1)).

    The fixed half keeps retries from hammering a recovering server; the random half keeps
    several bot replicas from retrying in lock-step.
    """
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + (ceiling / 2) * min(max(rand, 0.0), 1.0)


def _body_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        number = _number(value.strip())
        return max(0.0, number) if number is not None else None
    return None


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
