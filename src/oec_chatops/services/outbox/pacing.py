"""Slack's budgets, kept ahead of time: token buckets on the injectable clock.

Slack publishes two limits that a burst of deployments runs into (docs.slack.dev, "Rate
limits"): `chat.postMessage` allows about one message a second per channel (short bursts
tolerated), and `chat.update` is a Tier 3 method, 50+ calls a minute per workspace. Waiting for
the 429 and its `Retry-After` works, but costs a round trip and leaves the order of retries to
chance; pacing each channel's posts and the workspace's updates below those limits makes 429s
rare. A 429 still wins: it empties the bucket and holds the whole scope for `Retry-After`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Slack counts calls as they arrive, after the network's jitter: paced at exactly the limit, one
# late call and the next early one make a 429. The outbox spends nine tenths of each limit.
HEADROOM = 0.9


@dataclass(frozen=True, slots=True)
class SlackBudgets:
    """How fast the outbox spends Slack's limits. `None` for a rate: no pacing (a stand-in
    that enforces no limit, or a test that needs hundreds of posts in one channel at once)."""

    posts_per_second: float | None = 1.0  # chat.postMessage, per channel
    post_burst: int = 3
    updates_per_minute: float | None = 50.0  # chat.update, per workspace (Tier 3)
    update_burst: int = 5

    def post_rate(self) -> float | None:
        """Posts a second per channel the outbox allows itself."""
        return self.posts_per_second * HEADROOM if self.posts_per_second else None

    def update_rate(self) -> float | None:
        """Updates a second per workspace the outbox allows itself."""
        return self.updates_per_minute / 60.0 * HEADROOM if self.updates_per_minute else None


class TokenBucket:
    """`burst` tokens, refilled at `rate` a second. `reserve` takes one now, possibly on
    credit, and says how long to wait before using it: callers queue in the order they asked."""

    def __init__(self, rate: float | None, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._at = now

    def _refill(self, now: float) -> None:
        if self.rate is not None and now > self._at:
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = max(self._at, now)

    def reserve(self, now: float) -> float:
        """Take a token; seconds until it may be spent (0 when one was there)."""
        if self.rate is None:
            return 0.0
        self._refill(now)
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def refund(self, now: float) -> None:
        """Give back a reserved token that found nothing to send."""
        if self.rate is not None:
            self._refill(now)
            self._tokens = min(float(self.burst), self._tokens + 1.0)

    def in_flight(self, seconds: float) -> None:
        """A call took `seconds` to answer. Slack counted it when it got there, about halfway:
        that half earns no tokens, else a slow answer and a quick next call arrive at Slack's
        end closer together than the pace."""
        if self.rate is not None:
            self._tokens -= max(0.0, seconds) / 2 * self.rate

    def empty(self, now: float) -> None:
        """Slack said 429: start again from nothing (no burst right after a Retry-After)."""
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)


class Hold:
    """Until when a scope (one channel, or the workspace's updates) must not call Slack."""

    def __init__(self) -> None:
        self.until = 0.0

    def hold(self, until: float) -> None:
        self.until = max(self.until, until)

    def left(self, now: float) -> float:
        return max(0.0, self.until - now)
