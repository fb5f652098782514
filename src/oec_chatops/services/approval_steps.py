"""The steps the bot takes on an approval request by itself: execute, expire, resume, give up,
and hold: an approved change that a freeze or someone else's lock forbids at the moment it would
run waits (`waiting`) and runs when that ends, or expires if its time runs out first.

Each step is a move of the pure table (`approval_machine`) applied as one conditional UPDATE,
with its audit row and its card refresh in the same transaction; of concurrent callers only
the one whose UPDATE matched acts on it. Apart from the clicks (`services.approvals`) because
the expiry worker and a restart take these steps too, with no person behind them.

Re-sending the key is the one question the API answers exactly: `GET .../deployments` lists
tasks without their idempotency key or requester, so a task found there cannot be told apart
from someone else's deploy. The key is remembered for 24 hours only (CONTRACT.md §3.2); a
request that may have been sent longer ago than that is not sent again but marked failed with
a note saying so, since a re-send could then run it a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from oec_chatops import approval_machine
from oec_chatops.approval_machine import Event
from oec_chatops.clock import Clock
from oec_chatops.domain import Approval, ApprovalState, EnvRef, Verb
from oec_chatops.errors import CommandError
from oec_chatops.oec.errors import OecContractError, OecError, OecRequestError, OecServerError
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.services.actions import Actions
from oec_chatops.services.audit import audit
from oec_chatops.services.backup_routes import BackupRoutes
from oec_chatops.services.explain import explain
from oec_chatops.services.types import Wake
from oec_chatops.slack import blocks
from oec_chatops.store import Store

log = logging.getLogger("oec_chatops.services.approvals")


def _nothing() -> None:
    """No worker to wake."""


# oec.sh remembers an idempotency key for 24 h (CONTRACT.md §3.2); an hour's margin for clocks.
IDEMPOTENCY_WINDOW = 23 * 3600.0
UNCONFIRMED_NOTE = (
    "the bot stopped while sending it and came back too late to ask oec.sh whether it arrived, "
    "so it was not sent again. Check `/oec status` to see whether it ran."
)


@dataclass(frozen=True, slots=True)
class Hold:
    """Why an approved change may not run yet (a freeze, someone else's lock).

    `text` is mrkdwn the card shows after "waiting for" (built and escaped by
    `slack.blocks.change_control`); `until` is when the freeze ends, None for a lock."""

    text: str
    until: datetime | None
    expired_text: str  # what the card says if the request's expiry comes first


class HoldCheck(Protocol):
    """Change control, asked before an approved change runs (`services.change_control`)."""

    async def hold_for(self, a: Approval, ref: EnvRef) -> Hold | None: ...


class AskAgain(Protocol):
    """When to ask the platform again about an action it did not answer (the expiry worker)."""

    def ask_again_later(self, approval_id: str, *, now: float) -> bool: ...

    def forget(self, approval_id: str) -> None: ...

    def wake(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ApprovalSteps:
    """Moves requests through the table, with their audit rows and card updates."""

    store: Store
    clock: Clock
    actions: Actions
    expiry: AskAgain
    wake_outbox: Wake
    # Freezes and locks: an approved change they forbid waits (None: nothing holds changes).
    gate: HoldCheck | None = None
    # Restores are sent through the host that keeps the backup; None: no host keeps backups.
    backups: BackupRoutes | None = None
    # Wakes the worker that takes the backup before a change (policy `backup_before`).
    wake_backups: Wake = _nothing
    # A multi-workspace install: enters the workspace of the request's channel (its oec.sh
    # key) before the action is sent, or says why it may not be (uninstalled).
    channel_scope: Callable[[str], str | None] | None = None

    def move(self, approval_id: str, event: Event, **fields: Any) -> bool:
        """Apply `event` if the request is still in a state it may leave; True if this call did."""
        return self.store.approvals.transition(
            approval_id,
            from_states=approval_machine.sources(event),
            to=approval_machine.target(event),
            now=self.clock.time(),
            **fields,
        )

    def audit(
        self, *, actor: str, action: str, a: Approval | str, result: str, **detail: object
    ) -> None:
        approval_id = a if isinstance(a, str) else a.approval_id
        audit(
            self.store,
            self.clock,
            actor=actor,
            action=f"approval.{action}",
            target=None if isinstance(a, str) else a.env_label,
            result=result,
            detail={"approval_id": approval_id, **detail},
        )

    def refresh_card(self, a: Approval | str) -> None:
        """Queue the card's update; the outbox renders the request as it then is.

        A request that has just ended (approved and started, failed, rejected, expired) also
        queues one reply in the card's thread that @-mentions its requester, in the same
        transaction as the move: editing the card notifies nobody. The reply's row is keyed by
        the request, and the outbox posts a key once, so a retry or a second refresh does not
        post it twice."""
        approval_id = a if isinstance(a, str) else a.approval_id
        row = self.store.approvals.get(approval_id)
        if row is None:
            return
        self.store.outbox.enqueue(
            kind="approval",
            key=approval_id,
            channel_id=row.channel_id,
            body={},
            now=self.clock.time(),
        )
        if row.state in blocks.NOTIFIED_STATES:
            self.store.outbox.enqueue(
                kind="approval_note",
                key=approval_id,
                channel_id=row.channel_id,
                body={},
                now=self.clock.time(),
            )

    def finish(
        self, a: Approval | str, event: Event, *, actor: str, action: str, result: str, **kw: Any
    ) -> bool:
        """One move with its audit row and card refresh, in one transaction; True if it moved.

        `kw` splits into the UPDATE's fields and the audit row's detail."""
        approval_id = a if isinstance(a, str) else a.approval_id
        names = ("decided_by", "decision_note", "task_id", "held_until")
        fields = {k: kw.pop(k) for k in names if k in kw}
        with self.store.tx():
            done = self.move(approval_id, event, **fields)
            if done:
                self.audit(actor=actor, action=action, a=a, result=result, **kw)
                self.refresh_card(a)
        return done

    async def execute(self, approval_id: str, *, resuming: bool = False) -> None:
        """Send the approved action once. Only the caller that moves approved → executing sends.

        A request that takes a backup first moves approved → backing_up instead and sends
        nothing here: `backup_first.BackupFirst` takes the backup, waits for it, and only then
        moves it to executing and calls this again with `resuming=True`."""
        if not resuming:
            if await self._held(approval_id):
                return
            current = self.store.approvals.get(approval_id)
            first = current is not None and current.backup_first
            event = Event.BACK_UP if first else Event.START
            with self.store.tx():
                won = self.move(approval_id, event)
                if won:
                    result = "backing_up" if first else "started"
                    self.audit(actor="bot", action="execute", a=approval_id, result=result)
                    if first:
                        self.refresh_card(approval_id)
            if won and first:
                self.wake_outbox()
                self.wake_backups()
            if not won or first:
                return
        a = self.store.approvals.get(approval_id)
        if a is None or a.state is not ApprovalState.EXECUTING:
            return
        refusal = self.channel_scope(a.channel_id) if self.channel_scope is not None else None
        if refusal is not None:
            self.finish(
                a,
                Event.FAIL,
                actor="bot",
                action="execute",
                result="refused",
                decision_note=f"Not sent: {refusal}.",
            )
            self.wake_outbox()
            return
        ref = self.ref_of(a)
        try:
            accepted = await self.actions.execute(
                verb=Verb(a.verb),
                ref=ref,
                modules=a.modules,
                requested_by=a.requested_by,
                channel_id=a.channel_id,
                idempotency_key=a.approval_id,
                approval_id=a.approval_id,
                send=self._restore(a) if a.verb == Verb.RESTORE.value else None,
            )
        except CommandError as exc:  # a restore on a host that has none: said, never sent
            self.finish(
                a,
                Event.FAIL,
                actor="bot",
                action="execute",
                result="refused",
                decision_note=str(exc),
            )
            self.wake_outbox()
            return
        except OecError as exc:
            self._failed(a, exc)
            return
        with self.store.tx():
            self.move(approval_id, Event.SUCCEED, task_id=accepted.task_id)
            self.audit(
                actor="bot",
                action="execute",
                a=a,
                result="done",
                task_id=accepted.task_id,
                resumed=resuming,
            )
            self.refresh_card(a)
        self.expiry.forget(approval_id)
        self.wake_outbox()

    def ref_of(self, a: Approval) -> EnvRef:
        """The request's environment as last resolved, else rebuilt from its label."""
        return self.store.environments.get(a.env_id) or EnvRef(
            env_id=a.env_id,
            env_name=a.env_label.rpartition("/")[2],
            project_id="",
            project_name=a.env_label.partition("/")[0],
        )

    async def hold_now(self, a: Approval) -> Hold | None:
        """What forbids this change right now (a freeze, someone else's lock), if anything."""
        return await self.gate.hold_for(a, self.ref_of(a)) if self.gate is not None else None

    async def _held(self, approval_id: str) -> bool:
        """Approved, but a freeze or a lock forbids it now: move it to waiting; True if so.

        Asked at the moment it would run (the deciding click, a restart's resume, a release),
        so a request approved before a freeze began cannot slip into it."""
        a = self.store.approvals.get(approval_id)
        if a is None or a.state is not ApprovalState.APPROVED:
            return False
        hold = await self.hold_now(a)
        if hold is None:
            return False
        self._hold(a, hold)
        self.wake_outbox()
        return True

    def _hold(self, a: Approval, hold: Hold) -> None:
        """approved → waiting, or waiting → waiting with what now holds it, shown on the card."""
        until = hold.until.timestamp() if hold.until else None
        self.finish(
            a,
            Event.HOLD,
            actor="bot",
            action="hold",
            result="waiting",
            decision_note=hold.text,
            held_until=until,
        )

    async def sweep_waiting(self) -> int:
        """Requests waiting on a freeze or lock: run those no longer held, expire those past
        their time (saying why), note a freeze's new end. Returns how many moved on."""
        moved = 0
        for a in self.store.approvals.in_states([ApprovalState.WAITING]):
            hold = await self.hold_now(a)
            if self.clock.time() >= a.expires_at.timestamp():
                why = hold.expired_text if hold is not None else None
                moved += self.finish(
                    a,
                    Event.EXPIRE,
                    actor="bot",
                    action="expire",
                    result="expired_waiting",
                    decision_note=why or a.decision_note,
                )
            elif hold is None:
                if self.finish(a, Event.RELEASE, actor="bot", action="release", result="approved"):
                    moved += 1
                    await self.execute(a.approval_id)
            elif hold.text != a.decision_note:
                self._hold(a, hold)
        self.wake_outbox()
        return moved

    def _restore(self, a: Approval) -> Callable[[], Awaitable[ActionAccepted]]:
        """The restore's call: with the approval id as its key, like every approved action."""

        async def send() -> ActionAccepted:
            if self.backups is None or not a.backup_id:
                raise CommandError("No backup to restore is known for this request.")
            return await self.backups.restore(a.env_id, a.backup_id, key=a.approval_id)

        return send

    def _failed(self, a: Approval, exc: OecError) -> None:
        if unanswered(exc) and self.expiry.ask_again_later(a.approval_id, now=self.clock.time()):
            # No answer is not a no: the action may be running. Keep `executing` and ask
            # again with the same key; the API then returns the task if the first call landed.
            self.audit(
                actor="bot", action="execute", a=a, result="no_answer", error=type(exc).__name__
            )
            log.warning(
                "approval.no_answer",
                extra={"approval_id": a.approval_id, "error": type(exc).__name__},
            )
            return
        note = explain(exc, env_label=a.env_label).message
        if unanswered(exc):
            note += " It may still have run: check `/oec status` before asking again."
        with self.store.tx():
            self.move(a.approval_id, Event.FAIL, decision_note=note)
            self.audit(
                actor="bot", action="execute", a=a, result="failed", error=type(exc).__name__
            )
            self.refresh_card(a)
        self.wake_outbox()

    def expire(self, approval_id: str) -> bool:
        """pending → expired, with its audit row and card update; False if it was not pending."""
        return self.finish(
            approval_id, Event.EXPIRE, actor="bot", action="expire", result="expired"
        )

    def expire_due(self) -> int:
        """Expire every pending request past its time; return how many."""
        now = self.clock.time()
        expired = sum(self.expire(i) for i in self.store.approvals.due_to_expire(now))
        if expired:
            self.wake_outbox()
        return expired

    async def resume(self) -> int:
        """After a restart: finish requests that were approved or executing when the process died.

        Both lists are read before the first await: a click handled meanwhile can move a request
        to executing, and that one is in flight in this process, not interrupted.
        """
        approved = self.store.approvals.in_states([ApprovalState.APPROVED])
        executing = self.store.approvals.in_states([ApprovalState.EXECUTING])
        for a in executing:
            log.info("approval.resuming", extra={"approval_id": a.approval_id})
            # Its action was first sent when it went executing; past the key's lifetime a re-send
            # would be a blind second call, not a question.
            sent_at = self.store.approvals.state_since(a.approval_id) or a.created_at.timestamp()
            if self.clock.time() - sent_at >= IDEMPOTENCY_WINDOW:
                self.finish(
                    a,
                    Event.FAIL,
                    actor="bot",
                    action="execute",
                    result="unconfirmed",
                    decision_note=UNCONFIRMED_NOTE,
                )
                self.wake_outbox()
            else:
                await self.execute(a.approval_id, resuming=True)
        for a in approved:
            await self.execute(a.approval_id)
        return len(approved) + len(executing)


def unanswered(exc: OecError) -> bool:
    """Did the call end without a clear yes or no from oec.sh?

    No answer, a 5xx (a gateway's 504 comes after the platform may have queued the action, and
    the client's last retry may answer 503 after an earlier try got through) or an answer we
    cannot read. A 4xx is a clear no: the action was not queued.
    """
    return isinstance(exc, OecRequestError | OecServerError | OecContractError)
