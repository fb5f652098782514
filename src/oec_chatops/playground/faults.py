"""Named failure scenarios for the fake Slack: rate limits, refusals, outages.

A rule matches a method (and optionally one channel) and is used up after `times` matching
calls; `times=None` keeps it until the scenarios are cleared. Rules are checked in the order
they were added, after an outage and before the method runs, as Slack's edge would.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from oec_chatops.clock import Clock


@dataclass(frozen=True, slots=True)
class Fault:
    """What to answer instead of running the method."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass(slots=True)
class _Rule:
    method: str
    channel: str | None
    remaining: int | None
    fault: Fault


DOWN = Fault(status=503, error="service_unavailable")


class Faults:
    """The scenarios in force. Time comes from the injected clock, so an outage can end in a test."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._rules: list[_Rule] = []
        self._down_until: float | None = None

    def rate_limit(
        self, method: str, *, retry_after: int, times: int = 1, channel: str | None = None
    ) -> None:
        if retry_after < 0 or times < 1:
            raise ValueError("retry_after must be >= 0 and times >= 1")
        fault = Fault(status=429, error="ratelimited", retry_after=retry_after)
        self._rules.append(_Rule(method, channel, times, fault))

    def fail(
        self,
        method: str,
        *,
        error: str,
        times: int | None = None,
        channel: str | None = None,
        status: int = 200,
    ) -> None:
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for every call")
        self._rules.append(_Rule(method, channel, times, Fault(status=status, error=error)))

    def down(self, seconds_or_bool: float | bool) -> None:
        """`True`: down until `down(False)`; a number: down for that many seconds from now."""
        if seconds_or_bool is True:
            self._down_until = float("inf")
        elif seconds_or_bool is False:
            self._down_until = None
        else:
            self._down_until = self._clock.monotonic() + float(seconds_or_bool)

    @property
    def is_down(self) -> bool:
        return self._down_until is not None and self._clock.monotonic() < self._down_until

    def clear(self) -> None:
        self._rules.clear()
        self._down_until = None

    def take(self, method: str, channels: Collection[str]) -> Fault | None:
        """The rule-made fault for this call, if any, using up one of its rule's `times`.

        `channels` holds every name the call's channel goes by (the argument as sent and the
        id it resolves to), so a rule may name a channel either way. An outage is not a rule:
        the caller checks `is_down` first, before even looking at the token.
        """
        for rule in self._rules:
            if rule.method != method:
                continue
            if rule.channel is not None and rule.channel not in channels:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
            return rule.fault
        return None

    def describe(self) -> list[dict[str, object]]:
        """The rules in force, for the admin routes."""
        rules: list[dict[str, object]] = [
            {
                "method": r.method,
                "channel": r.channel,
                "remaining": r.remaining,
                "status": r.fault.status,
                "error": r.fault.error,
                "retry_after": r.fault.retry_after,
            }
            for r in self._rules
        ]
        if self.is_down:
            rules.insert(0, {"method": "*", "status": 503, "error": "service_unavailable"})
        return rules
