"""Approval requests for protected environments: request → votes → execute exactly once.

The request is a state machine in SQLite (pending → approved → executing → done | failed,
through backing_up when policy `backup_before` takes a backup first (`backup_first`);
pending → rejected | expired | cancelled), its moves a pure table (`approval_machine`),
applied here only by conditional UPDATEs. Of any number of
concurrent Approve clicks, exactly one moves pending → approved (the one that reaches the
quorum), and only the caller that moves approved → executing calls the API, with the approval
id as idempotency key. After a restart, `resume` finishes what was approved or executing by
re-sending that same key: the API answers with the task the first call created if it got
there, and runs it once if it never did.

The clicks and the request live here; the steps the bot takes alone (execute, expire,
resume) in `services.approval_steps`, the loop that schedules them in `approval_expiry`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from oec_chatops import policy
from oec_chatops.approval_machine import Event
from oec_chatops.domain import (
    ALWAYS_GATED_VERBS,
    Approval,
    ApprovalState,
    BackupFacts,
    EnvRef,
    Role,
)
from oec_chatops.policy import Policy
from oec_chatops.services.approval_steps import ApprovalSteps
from oec_chatops.services.directory import Directory
from oec_chatops.services.types import ClickOutcome, Invocation, Reply
from oec_chatops.slack import blocks, grammar
from oec_chatops.slack.blocks.module_updates import always_gated_notice

log = logging.getLogger(__name__)

APPROVE = "approve"
REJECT = "reject"
CANCEL = "cancel"
NOT_THIS_CARD = (
    "This button is not on this request's approval card, so it cannot decide it; "
    "nothing changed. Use the buttons on the card itself."
)
DECIDED_MEANWHILE = "This request was decided meanwhile; nothing changed."


@dataclass(frozen=True, slots=True)
class Approvals:
    """Requests and clicks: who may decide, and the one vote that reaches the quorum."""

    steps: ApprovalSteps
    policy: Policy
    directory: Directory

    def get(self, approval_id: str) -> Approval | None:
        return self.steps.store.approvals.get(approval_id)

    def is_open(self, a: Approval) -> bool:
        """Can a click still decide it (pending, and not past its time)?"""
        return (
            a.state is ApprovalState.PENDING and self.steps.clock.time() < a.expires_at.timestamp()
        )

    async def may_reject(self, user_id: str) -> bool:
        """Is this person an approver (or an admin), the ones who may reject?"""
        groups = await self.directory.groups_of(user_id)
        return policy.can_approve(self.policy, user_id, groups)

    async def request(
        self,
        inv: Invocation,
        cmd: grammar.Command,
        ref: EnvRef,
        reply: Reply,
        *,
        approval_id: str | None = None,
        override: bool = False,
        backup: BackupFacts | None = None,
    ) -> Approval:
        """Store a request and queue its card; nothing is sent to the platform yet.

        `approval_id` derived from the command makes a command run again after a restart find
        the request it made the first time instead of making a second one. `backup` is the
        backup a restore brings back, shown on the card. Whether a backup is taken before the
        change (policy `backup_before`) is decided now and kept with the request, so the card
        says it from the start and a policy edit meanwhile cannot change what was approved."""
        s = self.steps
        rules = policy.approval_rules(self.policy)
        now = s.clock.now()
        existing = s.store.approvals.get(approval_id) if approval_id else None
        if existing is not None:
            await reply(
                _requested_notice(existing, protected=policy.is_protected(self.policy, ref))
            )
            return existing
        a = Approval(
            approval_id=approval_id or str(uuid.uuid4()),
            verb=cmd.verb.value,
            env_label=ref.label,
            env_id=ref.env_id,
            requested_by=inv.user_id,
            channel_id=inv.channel_id,
            state=ApprovalState.PENDING,
            required=rules.required,
            created_at=now,
            expires_at=now + rules.expires,
            reason=cmd.reason,
            modules=cmd.modules,
            override=override,
            backup_id=backup.backup_id if backup else None,
            backup_facts=backup,
            backup_first=policy.backup_first(self.policy, ref),
        )
        with s.store.tx():
            s.store.approvals.create(a, self_approval=rules.self_approval, now=s.clock.time())
            s.audit(
                actor=inv.user_id,
                action="requested",
                a=a,
                result="pending",
                verb=a.verb,
                reason=a.reason,
                override=a.override,
            )
            s.refresh_card(a)
        log.info(
            "approval.requested",
            extra={"approval_id": a.approval_id, "env": ref.label, "verb": a.verb},
        )
        s.wake_outbox()
        s.expiry.wake()
        await reply(_requested_notice(a, protected=policy.is_protected(self.policy, ref)))
        return a

    async def click(
        self,
        *,
        approval_id: str,
        user_id: str,
        action: str,
        channel_id: str,
        message_ts: str | None,
        note: str | None = None,
        home: bool = False,
    ) -> ClickOutcome:
        """Apply one button press, made in `channel_id` on message `message_ts` (for the reason
        modal: the ones its Reject click came from), or with `home` in the clicker's own App
        Home. Refusals change nothing and say why.

        A Home click needs no card: Slack shows each user only their own Home tab, signs the
        click, and says it came from a view of type `home` with our callback id
        (`slack.approval_listeners.read_click`), so it cannot be a copied button; who may
        decide is checked below exactly as for a click on the card."""
        s = self.steps
        a = s.store.approvals.get(approval_id)
        if a is None:
            s.audit(actor=user_id, action=action, a=approval_id, result="unknown_request")
            return ClickOutcome(False, "This approval request does not exist (any more).")
        if not (home or a.shown_on(channel_id, message_ts)):
            s.audit(
                actor=user_id,
                action=action,
                a=a,
                result="refused_wrong_card",
                channel_id=channel_id,
                message_ts=message_ts,
            )
            return ClickOutcome(False, NOT_THIS_CARD)
        if a.state is ApprovalState.PENDING and s.clock.time() >= a.expires_at.timestamp():
            # Past its time but not yet swept by the worker: expire it now rather than let a
            # late click through.
            if s.expire(a.approval_id):
                s.wake_outbox()
            a = s.store.approvals.get(approval_id) or a
        if a.state is not ApprovalState.PENDING:
            s.audit(actor=user_id, action=action, a=a, result=f"refused_{a.state.value}")
            return ClickOutcome(False, f"This request is already {a.state.value}; nothing changed.")
        groups = await self.directory.groups_of(user_id)
        if action == CANCEL:
            return self._cancel(a, user_id, groups)
        if action == REJECT:
            return self._reject(a, user_id, groups, note)
        if action != APPROVE:
            return ClickOutcome(False, "Unknown button.")
        return await self._approve(a, user_id, groups)

    def _cancel(self, a: Approval, user_id: str, groups: frozenset[str]) -> ClickOutcome:
        is_admin = policy.role_of(self.policy, user_id, groups) is Role.ADMIN
        if user_id != a.requested_by and not is_admin:
            self.steps.audit(actor=user_id, action=CANCEL, a=a, result="refused_not_requester")
            return ClickOutcome(False, "Only the requester (or an admin) can cancel this request.")
        return self._decide(a, Event.CANCEL, user_id, "cancelled")

    def _reject(
        self, a: Approval, user_id: str, groups: frozenset[str], note: str | None
    ) -> ClickOutcome:
        if not policy.can_approve(self.policy, user_id, groups):
            self.steps.audit(actor=user_id, action=REJECT, a=a, result="refused_not_approver")
            return ClickOutcome(
                False, "Only approvers and admins can reject. The requester can cancel instead."
            )
        return self._decide(a, Event.REJECT, user_id, "rejected", note=note)

    def _decide(
        self, a: Approval, event: Event, user_id: str, result: str, **note: str | None
    ) -> ClickOutcome:
        """A cancel or a reject: one move, audited either way (`too_late` when beaten to it)."""
        s = self.steps
        fields = {"decision_note": note["note"]} if note else {}
        with s.store.tx():
            done = s.move(a.approval_id, event, decided_by=user_id, **fields)
            s.audit(
                actor=user_id,
                action=event.value,
                a=a,
                result=result if done else "too_late",
                **note,
            )
            if done:
                s.refresh_card(a)
        s.wake_outbox()
        return ClickOutcome(done, None if done else DECIDED_MEANWHILE)

    async def _approve(self, a: Approval, user_id: str, groups: frozenset[str]) -> ClickOutcome:
        s = self.steps
        refusal = policy.approval_refusal(self.policy, user_id, groups, requested_by=a.requested_by)
        if (
            refusal is None
            and user_id == a.requested_by
            and not s.store.approvals.self_approval_allowed(a.approval_id)
        ):
            refusal = "You cannot approve your own request; another approver has to."
        if refusal is not None:
            s.audit(actor=user_id, action=APPROVE, a=a, result="refused", why=refusal)
            return ClickOutcome(False, refusal)
        now = s.clock.time()
        with s.store.tx():
            current = s.store.approvals.get(a.approval_id)
            if current is None or current.state is not ApprovalState.PENDING:
                state = current.state.value if current is not None else "gone"
                s.audit(actor=user_id, action="vote", a=a, result=f"refused_{state}")
                return ClickOutcome(False, DECIDED_MEANWHILE)
            if not s.store.approvals.add_vote(a.approval_id, user_id, now):
                s.audit(actor=user_id, action="vote", a=a, result="refused_duplicate")
                return ClickOutcome(False, "You already approved this request.")
            votes = s.store.approvals.vote_count(a.approval_id)
            reached = votes >= a.required and s.move(
                a.approval_id, Event.QUORUM, decided_by=user_id
            )
            s.audit(
                actor=user_id,
                action="vote",
                a=a,
                result="approved" if reached else "counted",
                votes=votes,
            )
            s.refresh_card(a)
        s.wake_outbox()
        if reached:
            await s.execute(a.approval_id)
        return ClickOutcome(True, executed=reached)


def _requested_notice(a: Approval, *, protected: bool) -> dict[str, Any]:
    if a.override:
        return blocks.render_notice(
            f"Freeze override: your {a.verb} of `{a.env_label}` waits for "
            f"{'an approval' if a.required == 1 else f'{a.required} approvals'} in this channel."
        )
    if a.verb in ALWAYS_GATED_VERBS and not protected:
        return blocks.render_notice(always_gated_notice(a))
    why = f"`{a.env_label}` is protected"
    return blocks.render_notice(
        f"{why}: your {a.verb} waits for "
        f"{'an approval' if a.required == 1 else f'{a.required} approvals'} in this channel."
    )
