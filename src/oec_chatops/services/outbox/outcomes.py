"""What a failed Slack call proves, and what the outbox does about it. Pure.

The question that matters for a post is whether Slack may have made it. Slack's own refusal
(`ok: false` with an error, a 4xx, a 429) and a connection that was never made prove nothing was
posted. A timeout, a connection lost after the request went out, or a 5xx prove nothing either
way: such a post is of *unknown outcome*, treated like a crash between Slack's ok and our
commit, and looked up by its metadata before it is ever posted again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

MAX_BACKOFF = 300.0
DEFAULT_RETRY_AFTER = 30.0
# Slack errors that no retry will fix for this channel.
DEAD_CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "restricted_action",
    }
)


class Verdict(Enum):
    RATELIMITED = "ratelimited"  # 429: nothing done; wait Retry-After, for the call's scope
    DEAD_CHANNEL = "dead_channel"  # never going to work in this channel
    REFUSED = "refused"  # Slack (or the network, before sending) proves nothing was done
    UNKNOWN = "unknown"  # may have been done: look it up before doing it again


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed call: which method, what it proves, a short reason for logs and the row."""

    method: str
    verdict: Verdict
    error: str
    retry_after: float = 0.0


class SlackCallFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.method}: {failure.error}")
        self.failure = failure


def classify(method: str, exc: BaseException) -> Failure:
    """Read an exception from a Slack call; never raises."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 0) or 0)
        error = str(response.get("error") or f"http_{status}") if response is not None else "error"
        if status == 429 or error == "ratelimited":
            headers = response.headers if response is not None else {}
            return Failure(method, Verdict.RATELIMITED, "ratelimited", retry_after(headers))
        if error in DEAD_CHANNEL_ERRORS:
            return Failure(method, Verdict.DEAD_CHANNEL, error)
        if status >= 500:
            return Failure(method, Verdict.UNKNOWN, f"http_{status}")
        return Failure(method, Verdict.REFUSED, error)
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        # Never connected: the request cannot have reached Slack.
        return Failure(method, Verdict.REFUSED, f"slack unreachable: {type(exc).__name__}")
    if isinstance(exc, TimeoutError):
        return Failure(method, Verdict.UNKNOWN, "slack timed out")
    return Failure(method, Verdict.UNKNOWN, f"slack unreachable: {type(exc).__name__}")


def retry_after(headers: Any) -> float:
    """Slack's `Retry-After` in seconds (at least 1); 30 s when it is missing or unreadable."""
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        if isinstance(value, list):
            value = value[0]
        return max(1.0, float(value))
    except (TypeError, ValueError, AttributeError):
        return DEFAULT_RETRY_AFTER


def backoff(attempts: int) -> float:
    """Capped exponential backoff with full jitter: 1, 2, 4 ... 300 s."""
    ceiling = min(MAX_BACKOFF, 2.0 ** max(0, attempts))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
