"""How long to wait before trying a platform again: `Retry-After`, `X-RateLimit-Reset`, backoff.

Shared by the oec.sh, oCore and deployERP clients (the platforms' own orders and fixed waits
stay in their sessions). Pure functions of a header value and "now", so the waits are tested
with plain values and every sleep stays on the caller's injected clock.
"""

from __future__ import annotations

import math
from email.utils import parsedate_to_datetime

# X-RateLimit-Reset is either a delay or a Unix instant; no delay is ever this large.
_EPOCH_THRESHOLD = 1_000_000_000.0


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta seconds or HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    seconds = parse_number(value)
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
    number = parse_number(value.strip())
    if number is None:
        return None
    if number >= _EPOCH_THRESHOLD:
        return max(0.0, number - now)
    return max(0.0, number)


def backoff_delay(attempt: int, *, rand: float, base: float = 0.5, cap: float = 8.0) -> float:
    """Capped exponential backoff with "equal jitter": half fixed, half random (`rand` in [0, 1)).

    The fixed half keeps retries from hammering a recovering server; the random half keeps
    several bot replicas from retrying in lock-step.
    """
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + (ceiling / 2) * min(max(rand, 0.0), 1.0)


def parse_number(text: str) -> float | None:
    """`text` as a finite number, or None."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
