"""One outbox row to Slack: rendered per kind from the newest state, posted at most once.

Deployment and approval rows carry no body: they are rendered when sent, from the database, so
a row that waited (behind its channel, for the update budget, through an outage) goes out with
the newest state, and refreshes of it in the meantime cost nothing. Event rows carry the body
of their one event. Every post carries metadata with its key, and is marked in flight
(committed) before it is sent: a row found in flight has a post of unknown outcome, looked up
in the channel (or its thread) and adopted before anything is posted again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.domain import Deployment
from oec_chatops.errors import ChatopsError
from oec_chatops.services.deployments import from_dict
from oec_chatops.services.outbox.calls import OutboxSlack
from oec_chatops.services.outbox.history import find_posted, metadata_for
from oec_chatops.services.outbox.outcomes import SlackCallFailed
from oec_chatops.slack import blocks
from oec_chatops.store.outbox import LIVING_KINDS
from oec_chatops.store.rows import OutboxRow
from oec_chatops.store.store import Store

log = logging.getLogger(__name__)

LogTail = Callable[[str, str], Awaitable[str]]  # (env_id, task_id) -> last lines of the log


class Sender:
    """Sends one row; raises `SlackCallFailed` (or `ChatopsError`) when it could not."""

    def __init__(
        self, *, store: Store, slack: OutboxSlack, clock: Clock, log_tail: LogTail | None
    ) -> None:
        self.store = store
        self.slack = slack
        self.clock = clock
        self.log_tail = log_tail

    def is_update(self, row: OutboxRow) -> bool:
        """Will this row be a `chat.update` of a message that exists?"""
        prefix = LIVING_KINDS.get(row.kind)
        return prefix is not None and (
            self.store.messages.get(prefix + row.key, row.channel_id) is not None
        )

    async def send(self, row: OutboxRow) -> None:
        if row.kind == "deployment":
            d_row = self.store.deployments.get(row.key)
            if d_row is None:
                self._finish(row)
                return
            deployment = from_dict(d_row.state)
            body = blocks.render_deployment(deployment, self._approval_of(deployment))
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
        elif row.kind == "digest":
            await self._post_once(row, f"dig:{row.key}", row.body)
        elif row.kind == "alert":
            await self._alert(row)
        elif row.kind == "deploy_note":
            parent = self.store.messages.get(f"dep:{row.body['task_id']}", row.channel_id)
            thread_ts = parent.ts if parent else None
            await self._post_once(row, f"note:dep:{row.key}", row.body, thread_ts=thread_ts)
        elif row.kind == "failure_thread":
            await self._failure_thread(row)
        elif row.kind == "approval_note":
            await self._requester_note(row)
        elif row.kind == "ephemeral":
            await self.slack.call(
                "chat.postEphemeral",
                row.channel_id,
                lambda slack: slack.chat_postEphemeral(
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

    def _approval_of(self, d: Deployment) -> blocks.ApprovalNote | None:
        """Who approved the deployment and where the card is, read from the approval row at
        send time (the card may have been posted, and its ts learnt, after the deployment)."""
        if not d.approval_id:
            return None
        a = self.store.approvals.get(d.approval_id)
        if a is None:
            return None
        card = blocks.message_link(a.channel_id, a.message_ts) if a.message_ts else None
        return blocks.ApprovalNote(
            approval_id=a.approval_id, approvers=a.approvers, card_url=card, reason=a.reason
        )

    def _finish(self, row: OutboxRow) -> None:
        self.store.outbox.mark_sent(row, self.clock.time())

    async def _update(self, row: OutboxRow, ts: str, body: dict[str, Any]) -> None:
        await self.slack.call(
            "chat.update",
            row.channel_id,
            lambda slack: slack.chat_update(
                channel=row.channel_id, ts=ts, text=body["text"], blocks=body["blocks"]
            ),
        )

    async def _living_message(self, row: OutboxRow, key: str, body: dict[str, Any]) -> str:
        """Create the message on first use, update it in place afterwards; return its ts."""
        ref = self.store.messages.get(key, row.channel_id)
        if ref is not None:
            try:
                await self._update(row, ref.ts, body)
            except SlackCallFailed as failed:
                if failed.failure.error != "message_not_found":
                    raise
                # Deleted by someone: post it again rather than lose the update.
                ref = None
            else:
                self._finish(row)
                return ref.ts
        return await self._post_once(row, key, body)

    async def _post_once(
        self,
        row: OutboxRow,
        key: str,
        body: dict[str, Any],
        *,
        thread_ts: str | None = None,
    ) -> str:
        known = self.store.messages.get(key, row.channel_id)
        ts = known.ts if known is not None else None
        if ts is None and row.inflight_at is not None:
            ts = await find_posted(self.slack, row, key, thread_ts=thread_ts)
        if ts is not None:
            log.info("outbox.adopted", extra={"row": row.id, "key": key, "channel": row.channel_id})
            if key[:4] in LIVING_PREFIXES:
                await self._update(row, ts, body)
        else:
            self.store.outbox.mark_inflight(row.id, self.clock.time())
            response = await self.slack.call(
                "chat.postMessage",
                row.channel_id,
                lambda slack: slack.chat_postMessage(
                    channel=row.channel_id,
                    text=body.get("text", ""),
                    blocks=body.get("blocks"),
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata_for(key),
                ),
            )
            ts = str(response["ts"])
        with self.store.atomic():
            self.store.messages.put(
                key=key,
                channel_id=row.channel_id,
                ts=ts,
                now=self.clock.time(),
                thread_ts=thread_ts,
            )
            self.store.outbox.mark_sent(row, self.clock.time())
        return ts

    async def _failure_thread(self, row: OutboxRow) -> None:
        """The log tail of a failed deployment, in its message's thread.

        The deployment's post was queued before this row in the same channel, and posts go out
        in order, so the parent is there by now unless it could not be posted at all (then the
        reply goes to the channel rather than nowhere).
        """
        d_row = self.store.deployments.get(row.key)
        if d_row is None:
            self._finish(row)
            return
        parent = self.store.messages.get(f"dep:{row.key}", row.channel_id)
        deployment = from_dict(d_row.state)
        tail = ""
        if self.log_tail is not None and deployment.env_id:
            try:
                tail = await self.log_tail(deployment.env_id, row.key)
            except ChatopsError as exc:
                tail = f"(the deploy log could not be read: {exc})"
        body = blocks.render_failure_thread(deployment, tail)
        await self._post_once(row, f"fail:{row.key}", body, thread_ts=parent.ts if parent else None)

    async def _alert(self, row: OutboxRow) -> None:
        """A firing alert is a message of its own, remembered as its alert's latest firing;
        a resolved one goes in that message's thread (in the channel when none is known)."""
        alert = f"alert:{row.body['alert_key']}"
        firing = self.store.messages.get(alert, row.channel_id)
        if row.body.get("state") == "resolved":
            thread_ts = firing.ts if firing else None
            await self._post_once(row, f"evt:{row.id}", row.body, thread_ts=thread_ts)
            return
        ts = await self._post_once(row, f"evt:{row.id}", row.body)
        self.store.messages.put(key=alert, channel_id=row.channel_id, ts=ts, now=self.clock.time())

    async def _requester_note(self, row: OutboxRow) -> None:
        """The requester's @-mention in the card's thread when their request has ended.

        Rendered from the request as it is now; posted once under its own key (`note:`), looked
        up in the thread before any second try. The card was queued before this row in the same
        channel, so its ts is known unless the card could not be posted at all."""
        approval = self.store.approvals.get(row.key)
        if approval is None:
            self._finish(row)
            return
        card = self.store.messages.get(f"apr:{row.key}", row.channel_id)
        body = blocks.render_approval_note(approval)
        await self._post_once(row, f"note:{row.key}", body, thread_ts=card.ts if card else None)


LIVING_PREFIXES = frozenset(LIVING_KINDS.values())
