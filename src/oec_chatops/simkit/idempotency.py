"""Answers remembered under an idempotency key for 24 hours (CONTRACT.md §3.2, §9.4).

A key is scoped to the API key that sent it and to the method and path it was sent with. Only
2xx answers are remembered: a 409 or a 5xx left nothing done, so retrying with the same key
must try again rather than replay the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIFETIME_SECONDS = 24 * 3600

Scope = tuple[str, str, str, str]  # key fingerprint, idempotency key, method, path


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    status: int
    content: bytes = field(repr=False)  # a created webhook's answer carries its secret
    expires_at: float = 0.0


class IdempotencyCache:
    def __init__(self) -> None:
        self._answers: dict[Scope, CachedAnswer] = {}

    def get(self, scope: Scope, *, now: float) -> CachedAnswer | None:
        answer = self._answers.get(scope)
        if answer is not None and answer.expires_at <= now:
            del self._answers[scope]
            return None
        return answer

    def put(self, scope: Scope, *, status: int, content: bytes, now: float) -> None:
        self._purge(now)
        self._answers[scope] = CachedAnswer(status, content, now + LIFETIME_SECONDS)

    def clear(self) -> None:
        self._answers.clear()

    def _purge(self, now: float) -> None:
        for scope in [s for s, a in self._answers.items() if a.expires_at <= now]:
            del self._answers[scope]
