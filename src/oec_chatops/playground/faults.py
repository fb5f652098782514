"""Named failure scenarios for the fake Slack: rate limits, refusals, outages, slow answers.

A rule matches a method (and optionally one channel) and is used up after `times` matching
calls; `times=None` keeps it until the scenarios are cleared. Rules are checked in the order
they were added, after an outage and before the method runs, as Slack's edge would.

A *late* rule shapes the answer instead: `hang` holds the request and never acts on it (the
client times out), `answer_late` acts at once and answers after a delay, `fail_after_applying`
acts and answers 500. The last two are the ambiguous failures a client cannot tell from a
refusal: the message exists although the call failed. A *budget* is Slack's own rate limit,
enforced per method, per channel or per workspace, on the fake's clock: over it, a call gets
429 with the `Retry-After` that would have let it through.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

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


@dataclass(frozen=True, slots=True)
class Late:
    """How a matching call is answered: after `seconds`, having acted on it or not."""

    seconds: float
    applies: bool
    status: int = 200  # 500: acted on, but answered as a server error


@dataclass(slots=True)
class _LateRule:
    method: str
    channel: str | None
    remaining: int | None
    late: Late


@dataclass(slots=True)
class _Budget:
    """Slack's limit for one method: `per_minute` calls, `burst` at once, per channel or not."""

    per_minute: float
    burst: int
    per_channel: bool
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # scope: tokens, at

    def spend(self, scope: str, now: float) -> float:
        """Take a call's token; 0 when there was one, else the `Retry-After`: the seconds until
        the budget is whole again (as Slack's window resets), not just until one call fits."""
        rate = self.per_minute / 60.0
        tokens, at = self.buckets.get(scope, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - at) * rate)
        if tokens >= 1.0:
            self.buckets[scope] = (tokens - 1.0, now)
            return 0.0
        self.buckets[scope] = (tokens, now)
        return (self.burst - tokens) / rate


DOWN = Fault(status=503, error="service_unavailable")


class Faults:
    """The scenarios in force. Time comes from the injected clock, so an outage can end in a test."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._rules: list[_Rule] = []
        self._late: list[_LateRule] = []
        self._budgets: dict[str, _Budget] = {}
        self.limited = 0  # calls answered 429 by a budget
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

    def late(
        self, method: str, late: Late, *, times: int | None = 1, channel: str | None = None
    ) -> None:
        if late.seconds < 0 or (times is not None and times < 1):
            raise ValueError("seconds must be >= 0 and times >= 1 (or None)")
        self._late.append(_LateRule(method, channel, times, late))

    def take_late(self, method: str, channels: Collection[str]) -> Late | None:
        """The late rule for this call, if any, using up one of its `times`."""
        rule = _use(self._late, method, channels)
        return rule.late if rule is not None else None

    def budget(self, method: str, *, per_minute: float, burst: int, per_channel: bool) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self._budgets[method] = _Budget(per_minute, burst, per_channel)

    def over_budget(self, method: str, channel_id: str | None) -> Fault | None:
        """A 429 when this call is over its method's budget (the call then costs nothing)."""
        budget = self._budgets.get(method)
        if budget is None:
            return None
        scope = (channel_id or "") if budget.per_channel else ""
        wait = budget.spend(scope, self._clock.monotonic())
        if wait <= 0:
            return None
        self.limited += 1
        return Fault(status=429, error="ratelimited", retry_after=max(1, math.ceil(wait)))

    def clear(self) -> None:
        self._rules.clear()
        self._late.clear()
        self._budgets.clear()
        self._down_until = None

    def take(self, method: str, channels: Collection[str]) -> Fault | None:
        """The rule-made fault for this call, if any, using up one of its rule's `times`.

        `channels` holds every name the call's channel goes by (the argument as sent and the
        id it resolves to), so a rule may name a channel either way. An outage is not a rule:
        the caller checks `is_down` first, before even looking at the token.
        """
        rule = _use(self._rules, method, channels)
        return rule.fault if rule is not None else None

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
        rules += [
            {
                "method": r.method,
                "channel": r.channel,
                "remaining": r.remaining,
                "late": str(r.late),
            }
            for r in self._late
        ]
        rules += [
            {
                "method": m,
                "per_minute": b.per_minute,
                "burst": b.burst,
                "per_channel": b.per_channel,
            }
            for m, b in self._budgets.items()
        ]
        if self.is_down:
            rules.insert(0, {"method": "*", "status": 503, "error": "service_unavailable"})
        return rules


class _Matching(Protocol):
    method: str
    channel: str | None
    remaining: int | None


R = TypeVar("R", bound=_Matching)


def _use(rules: list[R], method: str, channels: Collection[str]) -> R | None:
    """The first rule for this call (its method, and its channel when it names one), with one
    of its `times` used up; a rule used up leaves the list."""
    for rule in rules:
        if rule.method != method or (rule.channel is not None and rule.channel not in channels):
            continue
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining == 0:
                rules.remove(rule)
        return rule
    return None
