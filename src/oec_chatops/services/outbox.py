"""The outbox worker: durable outgoing Slack work, sent until Slack says ok.

Rows are processed in id order per channel, channels side by side. A row is marked sent only
after Slack answered ok. Slack's 429 holds back that channel for its `Retry-After`; a channel
the bot is not in (or an archived one) makes the row dead with the reason, an audit line, and
the channel's subscriptions flagged, never a crash loop; anything else (Slack down, 5xx) is
retried with capped, jittered backoff.

`chat.postMessage` has no idempotency key, so a crash between Slack's ok and our commit would
post twice. Before posting, the row is marked in flight (committed), and the message carries
metadata with its key; a row found in flight after a restart is first looked up in the
channel's recent history and adopted if it is there. With `chat.update` for every later change,
each deployment is one message, across `kill -9`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var
from oec_chatops.errors import ChatopsError
from oec_chatops.metrics import Metrics
from oec_chatops.services.deployments import from_dict
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.slack import blocks
from oec_chatops.store.rows import OutboxRow
from oec_chatops.store.store import Store

log = logging.getLogger(__name__)

METADATA_EVENT = "oec_chatops"
MAX_BACKOFF = 300.0
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
# After a crash, how far back a channel is searched for a post the bot may have made.
HISTORY_PAGE = 200
HISTORY_PAGES = 5
# A thread reply waits this long for its parent message before it is posted without one.
PARENT_WAIT = 120.0

LogTail = Callable[[str, str], Awaitable[str]]  # (env_id, task_id) -> last lines of the log


def backoff(attempts: int) -> float:
    """Capped exponential backoff with full jitter: 1, 2, 4 ... 300 s."""
    ceiling = min(MAX_BACKOFF, 2.0 ** max(0, attempts))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


class OutboxWorker(WorkerLoop):
    """Sends outbox rows to Slack; `wake()` after queueing rows, `drain()` on shutdown."""

    name = "outbox"

    def __init__(
        self,
        *,
        store: Store,
        slack: AsyncWebClient,
        clock: Clock,
        metrics: Metrics,
        log_tail: LogTail | None = None,
        concurrency: int = 8,
    ) -> None:
        self.store = store
        self.slack = slack
        self.clock = clock
        self.metrics = metrics
        self.log_tail = log_tail
        super().__init__()
        self._blocked_until: dict[str, float] = {}
        self._concurrency = asyncio.Semaphore(concurrency)

    async def round(self) -> bool:
        """Send what is due; go again at once while rows keep finishing."""
        return await self.run_once() > 0

    def idle_wait(self) -> float:
        due = self.store.outbox.next_due_at()
        if due is None:
            return 1.0
        return min(1.0, max(0.01, due - self.clock.time()))

    async def run_once(self) -> int:
        """Process every row due now; return how many were finished (sent or dead)."""
        now = self.clock.time()
        rows = [
            r
            for r in self.store.outbox.due(now, limit=200)
            if self._blocked_until.get(r.channel_id, 0.0) <= now
        ]
        if not rows:
            return 0
        by_channel: dict[str, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel_id].append(row)
        results = await asyncio.gather(*(self._channel(rs) for rs in by_channel.values()))
        return sum(results)

    async def drain(self, timeout: float) -> int:
        """Send what can be sent within `timeout` seconds (graceful shutdown)."""
        done = 0
        try:
            async with asyncio.timeout(timeout):
                while True:
                    n = await self.run_once()
                    done += n
                    if n == 0:
                        break
        except TimeoutError:
            pass
        return done

    async def _channel(self, rows: list[OutboxRow]) -> int:
        finished = 0
        async with self._concurrency:
            for row in rows:
                if self._blocked_until.get(row.channel_id, 0.0) > self.clock.time():
                    break
                # Re-read: the row may have been refreshed (newer body) or finished meanwhile.
                fresh = self.store.outbox.get(row.id)
                if fresh is None or fresh.state != "pending":
                    continue
                if await self._process(fresh):
                    finished += 1
        return finished

    async def _process(self, row: OutboxRow) -> bool:
        # The request that queued the row (a slash command, a webhook delivery) names this send
        # in the logs, so one id follows a command from Slack to oec.sh and back to Slack.
        token = request_id_var.set(row.request_id or "")
        try:
            return await self._process_row(row)
        finally:
            request_id_var.reset(token)

    async def _process_row(self, row: OutboxRow) -> bool:
        try:
            await self._send(row)
        except SlackApiError as exc:
            return self._slack_error(row, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._retry(row, f"slack unreachable: {type(exc).__name__}")
            self.metrics.slack_calls.labels("any", "unreachable").inc()
            return False
        except ChatopsError as exc:
            self._retry(row, str(exc))
            return False
        log.info(
            "outbox.sent",
            extra={"row": row.id, "kind": row.kind, "key": row.key, "channel": row.channel_id},
        )
        return True

    # -- sending ------------------------------------------------------------------------------

    async def _send(self, row: OutboxRow) -> None:
        if row.kind == "deployment":
            d_row = self.store.deployments.get(row.key)
            if d_row is None:
                self._finish(row)
                return
            body = blocks.render_deployment(from_dict(d_row.state))
            await self._living_message(row, f"dep:{row.key}", body)
        elif row.kind == "approval":
            approval = self.store.approvals.get(row.key)
            if approval is None:
                self._finish(row)
                return
            body = blocks.render_approval(approval, now=self.clock.now())
            ts = await self._living_message(row, f"apr:{row.key}", body)
            if approval.message_ts != ts:
                self.store.approvals.set_message_ts(row.key, ts)
        elif row.kind == "event":
            await self._post_once(row, f"evt:{row.id}", row.body)
        elif row.kind == "failure_thread":
            await self._failure_thread(row)
        elif row.kind == "ephemeral":
            await self._call(
                "chat.postEphemeral",
                self.slack.chat_postEphemeral(
                    channel=row.channel_id,
                    user=row.body["user"],
                    text=row.body.get("text", ""),
                    blocks=row.body.get("blocks"),
                ),
            )
            self._finish(row)
        else:
            self.store.outbox.mark_dead(
                row.id, reason=f"unknown kind {row.kind}", now=self.clock.time()
            )

    async def _call(self, method: str, call: Awaitable[Any]) -> Any:
        try:
            response = await call
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "error"
            self.metrics.slack_calls.labels(method, str(error)).inc()
            raise
        self.metrics.slack_calls.labels(method, "ok").inc()
        return response

    async def _living_message(self, row: OutboxRow, key: str, body: dict[str, Any]) -> str:
        """Create the message on first use, update it in place afterwards; return its ts."""
        ref = self.store.messages.get(key, row.channel_id)
        if ref is not None:
            try:
                await self._call(
                    "chat.update",
                    self.slack.chat_update(
                        channel=row.channel_id, ts=ref.ts, text=body["text"], blocks=body["blocks"]
                    ),
                )
            except SlackApiError as exc:
                if exc.response.get("error") != "message_not_found":
                    raise
                # Deleted by someone: post it again rather than lose the update.
                ref = None
            else:
                self._finish(row)
                return ref.ts
        ts = await self._post_once(row, key, body, finish=False)
        with self.store.tx():
            self.store.messages.put(
                key=key, channel_id=row.channel_id, ts=ts, now=self.clock.time()
            )
            self.store.outbox.mark_sent(row, self.clock.time())
        return ts

    async def _post_once(
        self,
        row: OutboxRow,
        key: str,
        body: dict[str, Any],
        *,
        thread_ts: str | None = None,
        finish: bool = True,
    ) -> str:
        ts = (
            await self._find_posted(row, key, thread_ts=thread_ts)
            if row.inflight_at is not None
            else None
        )
        if ts is not None:
            log.info("outbox.adopted", extra={"row": row.id, "key": key, "channel": row.channel_id})
            if not key.startswith(("evt:", "fail:")):
                await self._call(
                    "chat.update",
                    self.slack.chat_update(
                        channel=row.channel_id, ts=ts, text=body["text"], blocks=body["blocks"]
                    ),
                )
        else:
            self.store.outbox.mark_inflight(row.id, self.clock.time())
            response = await self._call(
                "chat.postMessage",
                self.slack.chat_postMessage(
                    channel=row.channel_id,
                    text=body.get("text", ""),
                    blocks=body.get("blocks"),
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
                ),
            )
            ts = str(response["ts"])
        if finish:
            with self.store.tx():
                self.store.messages.put(
                    key=key,
                    channel_id=row.channel_id,
                    ts=ts,
                    now=self.clock.time(),
                    thread_ts=thread_ts,
                )
                self.store.outbox.mark_sent(row, self.clock.time())
        return ts

    async def _find_posted(
        self, row: OutboxRow, key: str, *, thread_ts: str | None = None
    ) -> str | None:
        """Look for a message we may have posted before a crash, by its metadata key.

        A thread reply never shows in `conversations.history`, so a reply is looked for in its
        thread (`conversations.replies`). A top-level post is looked for from shortly before
        the row went in flight, page after page: a busy channel may have moved on since.
        """
        known = self.store.messages.get(key, row.channel_id)
        if known is not None:
            return known.ts
        since = min(row.created_at, row.inflight_at or row.created_at) - 60
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            if thread_ts is not None:
                call = self.slack.conversations_replies(
                    channel=row.channel_id,
                    ts=thread_ts,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                    include_all_metadata=True,
                )
                response = await self._call("conversations.replies", call)
            else:
                call = self.slack.conversations_history(
                    channel=row.channel_id,
                    limit=HISTORY_PAGE,
                    oldest=str(max(0.0, since)),
                    cursor=cursor,
                    include_all_metadata=True,
                )
                response = await self._call("conversations.history", call)
            for message in response.get("messages", []) or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None

    async def _failure_thread(self, row: OutboxRow) -> None:
        parent = self.store.messages.get(f"dep:{row.key}", row.channel_id)
        d_row = self.store.deployments.get(row.key)
        if d_row is None:
            self._finish(row)
            return
        if parent is None and self.clock.time() - row.created_at < PARENT_WAIT:
            # The deployment message is queued before this row; give it time to land first.
            self.store.outbox.retry_later(
                row.id, at=self.clock.time() + 0.5, error="waiting for parent", count_attempt=False
            )
            return
        deployment = from_dict(d_row.state)
        tail = ""
        if self.log_tail is not None and deployment.env_id:
            try:
                tail = await self.log_tail(deployment.env_id, row.key)
            except ChatopsError as exc:
                tail = f"(the deploy log could not be read: {exc})"
        body = blocks.render_failure_thread(deployment, tail)
        await self._post_once(row, f"fail:{row.key}", body, thread_ts=parent.ts if parent else None)

    # -- outcomes -----------------------------------------------------------------------------

    def _finish(self, row: OutboxRow) -> None:
        self.store.outbox.mark_sent(row, self.clock.time())

    def _retry(self, row: OutboxRow, error: str) -> None:
        at = self.clock.time() + backoff(row.attempts)
        self.store.outbox.retry_later(row.id, at=at, error=error)
        log.warning(
            "outbox.retry",
            extra={"row": row.id, "kind": row.kind, "error": error, "attempt": row.attempts + 1},
        )

    def _slack_error(self, row: OutboxRow, exc: SlackApiError) -> bool:
        response = exc.response
        status = getattr(response, "status_code", 0)
        error = str(response.get("error") or f"http_{status}") if response is not None else "error"
        now = self.clock.time()
        if status == 429 or error == "ratelimited":
            retry_after = _retry_after(response.headers if response is not None else {})
            self._blocked_until[row.channel_id] = now + retry_after
            self.store.outbox.retry_later(
                row.id, at=now + retry_after, error="ratelimited", count_attempt=False
            )
            log.warning(
                "outbox.rate_limited",
                extra={"channel": row.channel_id, "retry_after": retry_after, "row": row.id},
            )
            return False
        if error in DEAD_CHANNEL_ERRORS:
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
            log.warning(
                "outbox.dead", extra={"row": row.id, "channel": row.channel_id, "reason": error}
            )
            return True
        self._retry(row, error)
        return False


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        if isinstance(value, list):
            value = value[0]
        return max(1.0, float(value))
    except (TypeError, ValueError, AttributeError):
        return 30.0
