"""Daily digests: events kept per channel and day instead of posted, and one message per day.

Collecting runs inside the webhook's (or the tracker's) transaction, so an event kept for a
digest is as durable as one queued for Slack. Posting is `DigestWorker`'s: when a day falls
due (or at the next start, if the bot was down then) it claims the day with a conditional
update and, in the same transaction, queues the digest's message in the outbox (rate limits,
outages and "posted at most once" are the outbox's) and drops the day's items. Several
processes on one database claim each day once: the update's row count says who won.

A day with no events posts nothing: a digest row exists only once an event was kept.
`/oec subscriptions` shows when the next digest is due and how many events it holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.digest_time import DEFAULT_AT, DEFAULT_TZ, digest_day
from oec_chatops.domain import Deployment
from oec_chatops.services.audit import audit
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.services.types import Wake
from oec_chatops.slack import blocks
from oec_chatops.store.digests import DigestRow
from oec_chatops.store.rows import Subscription
from oec_chatops.store.store import Repos, Store

log = logging.getLogger(__name__)

MAX_IDLE = 30.0  # seconds between two looks when nothing is due sooner


def collect(
    repos: Repos, sub: Subscription, *, item_key: str, item: dict[str, Any], now: float
) -> None:
    """Keep one event for `sub`'s channel digest (the channel's schedule, else 09:00 UTC)."""
    at, tz = sub.digest_at or DEFAULT_AT, sub.digest_tz or DEFAULT_TZ
    repos.digests.collect(
        channel_id=sub.channel_id,
        item_key=item_key,
        day=digest_day(now, at, tz),
        at=at,
        tz=tz,
        when=now,
        body=item,
    )


def event_item(
    *,
    event: str,
    label: str,
    failed: bool,
    summary: str,
    now: float,
    url: str | None = None,
    error: str | None = None,
    duration: float | None = None,
) -> dict[str, Any]:
    """What the digest needs of one event, snapshotted when it arrived."""
    return {
        "event": event,
        "label": label,
        "failed": failed,
        "summary": summary,
        "at": now,
        "url": url,
        "error": error,
        "duration": duration,
    }


def deployment_item(d: Deployment, *, event: str, now: float) -> dict[str, Any]:
    status = event.removeprefix("deploy.")
    return event_item(
        event=event,
        label=d.env_label,
        failed=event == "deploy.failed",
        summary=f"{d.verb.capitalize()} of {d.env_label} {status}",
        now=now,
        url=d.url,
        error=d.error_message,
        duration=d.duration_seconds,
    )


@dataclass(kw_only=True, eq=False)
class DigestWorker(WorkerLoop):
    """Queues each channel's digest once its day is due; `wake()` after moving a test clock."""

    name = "digests"

    store: Store
    clock: Clock
    wake_outbox: Wake

    def __post_init__(self) -> None:
        super().__init__()

    async def round(self) -> bool:
        now = self.clock.time()
        queued = sum(self._queue(row, now) for row in self.store.digests.due(now))
        if queued:
            self.wake_outbox()
        return False

    def idle_wait(self) -> float:
        at = self.store.digests.next_due_at()
        if at is None:
            return MAX_IDLE
        return max(0.01, min(MAX_IDLE, at - self.clock.time()))

    def _queue(self, row: DigestRow, now: float) -> bool:
        """Claim the day and queue its message, in one transaction; False when another
        process claimed it first (or the day held nothing)."""
        with self.store.tx():
            if not self.store.digests.claim(row, now):
                return False
            items = self.store.digests.items(row.channel_id, row.day)
            if items:
                body = blocks.render_digest(
                    day=row.day,
                    tz=row.tz,
                    window_start=row.window_start,
                    due_at=row.due_at,
                    items=items,
                    posted_at=now,
                )
                self.store.outbox.enqueue(
                    kind="digest", key=row.day, channel_id=row.channel_id, body=body, now=now
                )
            self.store.digests.drop_items(row.channel_id, row.day)
            audit(
                self.store,
                self.clock,
                actor="bot",
                action="digest.queued",
                target=row.channel_id,
                result="ok" if items else "empty",
                detail={"day": row.day, "items": len(items), "late_seconds": now - row.due_at},
            )
        log.info(
            "digest.queued", extra={"channel": row.channel_id, "day": row.day, "items": len(items)}
        )
        return bool(items)
