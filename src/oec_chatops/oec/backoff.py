"""How long to wait before trying oec.sh again after a 429.

The waits every platform shares (`Retry-After`, `X-RateLimit-Reset`, the jittered backoff after
a failure) are in `httpapi.backoff`; oec.sh's own order and fixed waits are here. Pure
functions of headers, body and "now", so the wait order of CONTRACT.md §9.4 is tested with
plain values: `Retry-After` (seconds or HTTP date) → `X-RateLimit-Reset` → body `retry_after` →
until 1 s past the next full minute (the key limit is a calendar-minute bucket), 60 s for the
webhook and target limits, 900 s for `ip_blocked`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from oec_chatops.httpapi.backoff import parse_number, parse_reset, parse_retry_after

_FIXED_WAITS = {
    "webhook_mutation_rate_limit": 60.0,
    "target_rate_limit": 60.0,
    "ip_blocked": 900.0,
}
CONCURRENT_ACTION_WAIT = 5.0


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
        _bodyparse_number(body_retry_after),
    ):
        if wait is not None:
            return wait
    fixed = _FIXED_WAITS.get(code)
    if fixed is not None:
        return fixed
    return seconds_to_next_minute(now)


def _bodyparse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        number = parse_number(value.strip())
        return max(0.0, number) if number is not None else None
    return None
