"""The client's own count of calls that reach an environment's server. Pure (time is passed in).

Runtime logs and both metrics routes go through to the customer's server, and oec.sh allows at
most 6 of them a minute per environment (429 `target_rate_limit`, CONTRACT.md §9.2). That limit
is separate from the key's read budget, so a request sure to be refused would spend a read for
nothing, and a person would wait for an answer that only says "later". Counting locally over a
sliding minute answers "try again in N s" at once; a 429 from oec.sh (another bot, another
replica) blocks the environment until its `retry_after`. A slot is taken before sending and kept
whatever happens: when in doubt, the call reached the server.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

TARGET_LIMIT = 6
TARGET_WINDOW = 60.0


@dataclass(slots=True)
class _Env:
    sent: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class TargetBudget:
    """At most `limit` calls per environment in any `window` seconds."""

    def __init__(self, limit: int = TARGET_LIMIT, window: float = TARGET_WINDOW) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("TargetBudget needs a limit of at least 1 and a positive window.")
        self.limit = limit
        self.window = window
        self._envs: dict[str, _Env] = {}

    def reserve(self, env_id: str, *, now: float) -> float:
        """Take a slot and return 0.0, or take nothing and return the seconds to wait."""
        env = self._envs.setdefault(env_id, _Env())
        while env.sent and env.sent[0] <= now - self.window:
            env.sent.popleft()
        if now < env.blocked_until:
            return env.blocked_until - now
        if len(env.sent) >= self.limit:
            return env.sent[0] + self.window - now
        env.sent.append(now)
        return 0.0

    def block(self, env_id: str, *, until: float) -> None:
        """oec.sh refused this environment until `until` (clock time)."""
        env = self._envs.setdefault(env_id, _Env())
        env.blocked_until = max(env.blocked_until, until)

    def left(self, env_id: str, *, now: float) -> int:
        """Calls the environment may still make in the current window (0 while blocked);
        takes nothing. `/oec status` asks before it spends one on its health line."""
        env = self._envs.get(env_id)
        if env is None:
            return self.limit
        if now < env.blocked_until:
            return 0
        recent = sum(1 for sent in env.sent if sent > now - self.window)
        return max(0, self.limit - recent)
