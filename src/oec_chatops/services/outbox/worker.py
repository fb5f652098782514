"""`OutboxWorker`: schedules the outbox's rows onto Slack (see the package docstring).

A dispatcher round starts what may run now and returns at once; the work runs in tasks of its
own, so a Slack call that hangs holds only its own channel (or one of the update slots), never
the dispatcher or the other channels:

- one *lane* per channel with a post due: it sends that channel's posts oldest first, one at
  a time, each after a token of the channel's post bucket; the first that fails ends the lane
  and holds the channel (its row's `next_attempt_at`, a 429's `Retry-After`);
- one *update lane* for the workspace: after each token of the update bucket it picks the most
  urgent due update (final states first) and sends it in one of a few update slots.

Several replicas on one PostgreSQL database share the outbox: a row is claimed (`Outbox.claim`,
`FOR UPDATE SKIP LOCKED`) before it is sent, the claims are renewed while this worker lives, and
a channel whose head another replica holds is left to that replica, so each row goes out once
and a channel's posts keep their order. A replica killed mid-send leaves its claims to lapse
(`claim_seconds`); the next sender finds the post's in-flight mark and looks it up before
posting anything again. On SQLite every claim succeeds (one process owns the database).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var, team_id_var
from oec_chatops.errors import ChatopsError
from oec_chatops.metrics import Metrics
from oec_chatops.services.deployments import TERMINAL_RANK
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.services.outbox.calls import OutboxSlack
from oec_chatops.services.outbox.claims import Claims
from oec_chatops.services.outbox.outcomes import (
    Failure,
    SlackCallFailed,
    Verdict,
    backoff,
)
from oec_chatops.services.outbox.pacing import Hold, SlackBudgets, TokenBucket
from oec_chatops.services.outbox.sending import LogTail, Sender
from oec_chatops.store.rows import OutboxRow
from oec_chatops.store.store import Store

log = logging.getLogger(__name__)

POST_METHOD = "chat.postMessage"
MAX_IDLE = 0.25  # seconds between two looks at the outbox when nothing wakes the worker
UPDATE_METHOD = "chat.update"


@dataclass(kw_only=True, eq=False)
class OutboxWorker(WorkerLoop):
    """Sends outbox rows to Slack; `wake()` after queueing rows, `drain()` on shutdown."""

    name = "outbox"

    store: Store
    slack: AsyncWebClient
    clock: Clock
    metrics: Metrics
    log_tail: LogTail | None = None
    budgets: SlackBudgets = field(default_factory=SlackBudgets)
    concurrency: int = 8  # channels sent to at once
    update_slots: int = 4  # chat.update calls in flight at once
    # A multi-workspace install: enters the row's channel's workspace for its send (its token),
    # or says why nothing may be sent there (uninstalled): the row then fails at once.
    channel_scope: Callable[[str], str | None] | None = None
    claim_seconds: float = 30.0  # see claims.py (PostgreSQL only)

    def __post_init__(self) -> None:
        super().__init__()
        outbox_slack = OutboxSlack(
            self.slack, self.metrics, clock=self.clock, on_answer=self._answered
        )
        self.sender = Sender(
            store=self.store, slack=outbox_slack, clock=self.clock, log_tail=self.log_tail
        )
        self.finished = 0  # rows sent or dead since start: drain() reports its share
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._channel_holds: defaultdict[str, Hold] = defaultdict(Hold)
        self._post_buckets: dict[str, TokenBucket] = {}
        self._update_bucket = TokenBucket(
            self.budgets.update_rate(), self.budgets.update_burst, self.clock.monotonic()
        )
        self._update_hold = Hold()
        self._update_lane: asyncio.Task[None] | None = None
        self._update_sends: dict[int, asyncio.Task[None]] = {}
        self._update_slot_sem = asyncio.Semaphore(self.update_slots)
        self.claims = Claims(store=self.store, clock=self.clock, seconds=self.claim_seconds)

    # -- the loop ------------------------------------------------------------------------------

    async def round(self) -> bool:
        self.claims.renew()
        self._dispatch()
        return False

    def idle_wait(self) -> float:
        """Until the next channel or update falls due; running lanes wake the loop themselves.
        At most `MAX_IDLE`: a hold or backoff ends within that of its time, on any clock."""
        now, mono = self.clock.time(), self.clock.monotonic()
        waits = [MAX_IDLE]
        if len(self._lanes) < self.concurrency:
            for head in self.store.outbox.heads():
                if head.channel_id not in self._lanes and not self.claims.held_elsewhere(head, now):
                    hold = self._channel_holds[head.channel_id].left(mono)
                    waits.append(max(head.next_attempt_at - now, hold))
        if self._update_lane is None:
            at = self.store.outbox.next_update_at(
                skip=tuple(self._update_sends), owner=self.claims.owner, now=now
            )
            if at is not None:
                waits.append(max(at - now, self._update_hold.left(mono)))
        return max(0.01, min(waits))

    async def drain(self, timeout: float) -> int:
        """Send what can be sent within `timeout` seconds (graceful shutdown); return how many
        rows were finished meanwhile. Whatever is still running then is cancelled: a post cut
        short stays marked in flight and is looked up after the restart."""
        before = self.finished
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self._dispatch()
                    running = self._running()
                    if not running:
                        break
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            pass
        finally:
            running = self._running()
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            self.claims.release()  # the other replicas need not wait for the claims to lapse
        return self.finished - before

    def _running(self) -> list[asyncio.Task[None]]:
        tasks = [*self._lanes.values(), *self._update_sends.values()]
        if self._update_lane is not None:
            tasks.append(self._update_lane)
        return tasks

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(work, name=name)

    def _dispatch(self) -> None:
        """Start a lane for each channel whose head post is due, and the update lane."""
        now, mono = self.clock.time(), self.clock.monotonic()
        for head in self.store.outbox.heads():
            channel = head.channel_id
            if channel in self._lanes or head.next_attempt_at > now:
                continue
            if self.claims.held_elsewhere(head, now):
                continue
            if self._channel_holds[channel].left(mono) > 0:
                continue
            if len(self._lanes) >= self.concurrency:
                break
            self._lanes[channel] = self._spawn(self._lane(channel), f"outbox:{channel}")
        if (
            self._update_lane is None
            and self._update_hold.left(mono) == 0
            and self._next_update(now) is not None
        ):
            self._update_lane = self._spawn(self._updates(), "outbox:updates")

    # -- posts: one lane per channel, in order -------------------------------------------------

    def _post_bucket(self, channel: str) -> TokenBucket:
        bucket = self._post_buckets.get(channel)
        if bucket is None:
            b = self.budgets
            bucket = TokenBucket(b.post_rate(), b.post_burst, self.clock.monotonic())
            self._post_buckets[channel] = bucket
        return bucket

    def _due_head(self, channel: str) -> OutboxRow | None:
        heads = self.store.outbox.heads(channel)
        now = self.clock.time()
        if not heads or heads[0].next_attempt_at > now or self.claims.held_elsewhere(heads[0], now):
            return None
        if self._channel_holds[channel].left(self.clock.monotonic()) > 0:
            return None
        return heads[0]

    async def _lane(self, channel: str) -> None:
        """Post `channel`'s rows oldest first until none is due or one fails (head-of-line)."""
        try:
            while (head := self._due_head(channel)) is not None:
                if head.kind != "ephemeral":  # postEphemeral is not chat.postMessage's budget
                    wait = self._post_bucket(channel).reserve(self.clock.monotonic())
                    if wait > 0:
                        await self.clock.sleep(wait)
                fresh = self.store.outbox.get(head.id)  # refreshed (newer state) meanwhile?
                if fresh is None or fresh.state != "pending":
                    continue
                fresh = self.claims.take(fresh)
                if fresh is None:  # another replica took the channel's head: its lane now,
                    # left to it a while rather than raced for at each of its posts
                    hold = self.clock.monotonic() + self.claims.yield_seconds
                    self._channel_holds[channel].hold(hold)
                    return
                if not await self._process(fresh):
                    return
        finally:
            self._lanes.pop(channel, None)
            self.wake()

    # -- updates: one lane for the workspace, final states first -------------------------------

    def _next_update(self, now: float) -> OutboxRow | None:
        rows = self.store.outbox.updates_due(
            now, final_rank=TERMINAL_RANK, skip=tuple(self._update_sends), owner=self.claims.owner
        )
        return rows[0] if rows else None

    async def _updates(self) -> None:
        """Spend the workspace's update budget on the most urgent due update, one at a time."""
        try:
            while self._update_hold.left(self.clock.monotonic()) == 0:
                if self._next_update(self.clock.time()) is None:
                    return
                wait = self._update_bucket.reserve(self.clock.monotonic())
                if wait > 0:
                    await self.clock.sleep(wait)
                await self._update_slot_sem.acquire()
                # Chosen after the wait: what became final meanwhile goes first.
                row = self._next_update(self.clock.time())
                if row is None or self._update_hold.left(self.clock.monotonic()) > 0:
                    self._update_slot_sem.release()
                    self._update_bucket.refund(self.clock.monotonic())
                    return
                self._update_sends[row.id] = self._spawn(
                    self._send_update(row.id), f"outbox:update:{row.id}"
                )
        finally:
            self._update_lane = None
            self.wake()

    async def _send_update(self, row_id: int) -> None:
        try:
            fresh = self.store.outbox.get(row_id)
            if fresh is not None and fresh.state == "pending":
                fresh = self.claims.take(fresh)
            if fresh is not None and fresh.state == "pending":
                await self._process(fresh)
        finally:
            self._update_slot_sem.release()
            self._update_sends.pop(row_id, None)
            self.wake()

    def _answered(self, method: str, channel: str, seconds: float) -> None:
        """Slack may count a call as late as its answer: its time in flight earns no tokens."""
        if method == POST_METHOD:
            self._post_bucket(channel).in_flight(seconds)
        elif method == UPDATE_METHOD:
            self._update_bucket.in_flight(seconds)

    # -- one row -------------------------------------------------------------------------------

    async def _process(self, row: OutboxRow) -> bool:
        """Send one row; True when it is done with (sent or dead), False when it waits."""
        if self.channel_scope is None:
            return await self._send_row(row)
        team = team_id_var.set("")
        try:
            refusal = self.channel_scope(row.channel_id)
            if refusal is not None:
                self._dead(row, refusal)
                return True
            return await self._send_row(row)
        finally:
            team_id_var.reset(team)

    async def _send_row(self, row: OutboxRow) -> bool:
        # The request that queued the row (a slash command, a webhook delivery) names this send
        # in the logs, so one id follows a command from Slack to oec.sh and back to Slack.
        token = request_id_var.set(row.request_id or "")
        try:
            await self.sender.send(row)
        except SlackCallFailed as failed:
            return self._failed(row, failed.failure)
        except ChatopsError as exc:
            self._retry(row, str(exc), clear_inflight=False)
            return False
        except Exception:
            # A bug, not Slack: logged with its trace, and the row backs off instead of
            # spinning its channel's lane.
            log.exception("outbox.failed", extra={"row": row.id, "kind": row.kind})
            self._retry(row, "internal error", clear_inflight=False)
            return False
        else:
            self.finished += 1
            log.info(
                "outbox.sent",
                extra={"row": row.id, "kind": row.kind, "key": row.key, "channel": row.channel_id},
            )
            return True
        finally:
            request_id_var.reset(token)

    def _retry(self, row: OutboxRow, error: str, *, clear_inflight: bool) -> None:
        at = self.clock.time() + backoff(row.attempts)
        self.store.outbox.retry_later(row.id, at=at, error=error, clear_inflight=clear_inflight)
        log.warning(
            "outbox.retry",
            extra={"row": row.id, "kind": row.kind, "error": error, "attempt": row.attempts + 1},
        )

    def _failed(self, row: OutboxRow, failure: Failure) -> bool:
        # Only a refused post proves nothing was posted; any other failure leaves the in-flight
        # mark as it was (set before a post whose outcome is unknown, so it is looked up first).
        refused_post = failure.method == POST_METHOD and failure.verdict in (
            Verdict.REFUSED,
            Verdict.RATELIMITED,
        )
        if failure.verdict is Verdict.RATELIMITED:
            self._rate_limited(row, failure, clear_inflight=refused_post)
            return False
        if failure.verdict is Verdict.DEAD_CHANNEL:
            self._dead(row, failure.error)
            return True
        self._retry(row, failure.error, clear_inflight=refused_post)
        return False

    def _rate_limited(self, row: OutboxRow, failure: Failure, *, clear_inflight: bool) -> None:
        """A 429 holds the limit's whole scope: the workspace for `chat.update` (Tier 3 is per
        workspace), the channel for anything else (`chat.postMessage` is per channel)."""
        now, mono = self.clock.time(), self.clock.monotonic()
        until = mono + failure.retry_after
        if failure.method == UPDATE_METHOD:
            self._update_hold.hold(until)
            self._update_bucket.empty(mono)
            scope = "workspace"
        else:
            self._channel_holds[row.channel_id].hold(until)
            self._post_bucket(row.channel_id).empty(mono)
            scope = row.channel_id
        self.store.outbox.retry_later(
            row.id,
            at=now + failure.retry_after,
            error="ratelimited",
            count_attempt=False,
            clear_inflight=clear_inflight,
        )
        log.warning(
            "outbox.rate_limited",
            extra={
                "method": failure.method,
                "scope": scope,
                "channel": row.channel_id,
                "retry_after": failure.retry_after,
                "row": row.id,
            },
        )

    def _dead(self, row: OutboxRow, error: str) -> None:
        """A channel the bot cannot post in: the row is dropped with an audit line and the
        channel's subscriptions flagged, never retried in a loop."""
        now = self.clock.time()
        with self.store.tx():
            self.store.outbox.mark_dead(row.id, reason=error, now=now)
            flagged = self.store.subscriptions.flag_channel(row.channel_id, error)
            self.store.audit.record(
                at=now,
                actor="bot",
                action="outbox.dead",
                target=row.channel_id,
                result=error,
                detail={
                    "row": row.id,
                    "kind": row.kind,
                    "key": row.key,
                    "subscriptions_flagged": flagged,
                },
            )
        self.finished += 1
        log.warning(
            "outbox.dead", extra={"row": row.id, "channel": row.channel_id, "reason": error}
        )
