"""Row types the repositories return: frozen dataclasses, so callers never see sqlite3.Row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: str
    key: str
    channel_id: str
    body: dict[str, Any]
    attempts: int
    created_at: float
    next_attempt_at: float
    inflight_at: float | None
    version: int
    state: str = "pending"
    request_id: str | None = None
    claimed_by: str | None = None  # the replica sending it (PostgreSQL), until `claim_until`
    claim_until: float | None = None

    def claimed_elsewhere(self, owner: str, now: float) -> bool:
        """Is another replica sending this row right now (its claim not yet lapsed)?"""
        return (
            self.claimed_by is not None
            and self.claimed_by != owner
            and (self.claim_until or 0.0) > now
        )


@dataclass(frozen=True, slots=True)
class MessageRef:
    key: str
    channel_id: str
    ts: str
    thread_ts: str | None


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    channel_id: str
    project_id: str
    project_label: str
    env_glob: str
    events: tuple[str, ...]
    created_by: str
    flagged_reason: str | None
    kind: str = "events"  # or "alerts": monitoring alerts only
    only_failures: bool = False
    digest_at: str | None = None  # "HH:MM": a daily digest at that local time; None is live
    digest_tz: str | None = None
    threads: bool = False

    @property
    def target(self) -> str:
        return (
            self.project_label if self.env_glob == "*" else f"{self.project_label}/{self.env_glob}"
        )


@dataclass(frozen=True, slots=True)
class DeploymentRow:
    task_id: str
    env_id: str | None
    env_label: str | None
    project_id: str | None
    verb: str
    status: str
    rank: int
    origin_channel_id: str | None
    requested_by: str | None
    approval_id: str | None
    state: dict[str, Any]
    created_at: float
    updated_at: float
    next_poll_at: float | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: float
    actor: str
    action: str
    target: str | None
    result: str
    detail: dict[str, Any]
    request_id: str | None
