"""Approval requests for protected environments: request → votes → execute exactly once.

The request is a state machine in SQLite (pending → approved → executing → done | failed;
pending → rejected | expired | cancelled), moved only by conditional UPDATEs. Of any number of
concurrent Approve clicks, exactly one moves pending → approved (the one that reaches the
quorum), and only the caller that moves approved → executing calls the API, with the approval
id as idempotency key. After a restart, `resume` finishes what was approved or executing by
re-sending that same key: the API answers with the task the first call created if it got
there, and runs it once if it never did.

Re-sending the key is the one question the API answers exactly: `GET .../deployments` lists
tasks without their idempotency key or requester, so a task found there cannot be told apart
from someone else's deploy. The key is remembered for 24 hours only (CONTRACT.md §3.2); a
request that may have been sent longer ago than that is not sent again but marked failed with
a note saying so, since a re-send could then run it a second time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oec_chatops import policy
from oec_chatops.context import request_id_var
from oec_chatops.domain import Approval, ApprovalState, EnvRef, Role, Verb
from oec_chatops.oec.errors import OecContractError, OecError, OecRequestError, OecServerError
from oec_chatops.services.explain import explain
from oec_chatops.slack import blocks, grammar

if TYPE_CHECKING:
    from oec_chatops.container import Container
    from oec_chatops.services.commands import Invocation, Reply

log = logging.getLogger(__name__)

APPROVE = "approve"
REJECT = "reject"
CANCEL = "cancel"
NOT_THIS_CARD = (
    "This button is not on this request's approval card, so it cannot decide it; "
    "nothing changed. Use the buttons on the card itself."
)
# oec.sh remembers an idempotency key for 24 h (CONTRACT.md §3.2); an hour's margin for clocks.
IDEMPOTENCY_WINDOW = 23 * 3600.0
UNCONFIRMED_NOTE = (
    "the bot stopped while sending it and came back too late to ask oec.sh whether it arrived, "
    "so it was not sent again. Check `/oec status` to see whether it ran."
)


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    """What a click did; `notice` is the ephemeral sentence for the clicker when it did nothing."""

    changed: bool
    notice: str | None = None
    executed: bool = False


def _audit(
    c: Container, *, actor: str, action: str, a: Approval | str, result: str, **detail: object
) -> None:
    approval_id = a if isinstance(a, str) else a.approval_id
    target = None if isinstance(a, str) else a.env_label
    c.store.audit.record(
        at=c.clock.time(),
        actor=actor,
        action=f"approval.{action}",
        target=target,
        result=result,
        detail={"approval_id": approval_id, **detail},
        request_id=request_id_var.get(),
    )


def _refresh_card(c: Container, a: Approval | str) -> None:
    approval_id = a if isinstance(a, str) else a.approval_id
    row = c.store.approvals.get(approval_id)
    if row is None:
        return
    c.store.outbox.enqueue(
        kind="approval", key=approval_id, channel_id=row.channel_id, body={}, now=c.clock.time()
    )


async def request(
    c: Container,
    inv: Invocation,
    cmd: grammar.Command,
    ref: EnvRef,
    reply: Reply,
    *,
    approval_id: str | None = None,
) -> Approval:
    """Store a request and queue its card; nothing is sent to oec.sh yet.

    `approval_id` derived from the command makes a command run again after a restart find
    the request it made the first time instead of making a second one."""
    rules = policy.approval_rules(c.policy)
    now = c.clock.now()
    existing = c.store.approvals.get(approval_id) if approval_id else None
    if existing is not None:
        await reply(_requested_notice(existing))
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
    )
    with c.store.tx():
        c.store.approvals.create(a, self_approval=rules.self_approval, now=c.clock.time())
        _audit(
            c,
            actor=inv.user_id,
            action="requested",
            a=a,
            result="pending",
            verb=a.verb,
            reason=a.reason,
        )
        _refresh_card(c, a)
    log.info(
        "approval.requested", extra={"approval_id": a.approval_id, "env": ref.label, "verb": a.verb}
    )
    c.outbox.wake()
    c.expiry.wake()
    await reply(_requested_notice(a))
    return a


def _requested_notice(a: Approval) -> dict[str, Any]:
    return blocks.render_notice(
        f"`{a.env_label}` is protected: your {a.verb} waits for "
        f"{'an approval' if a.required == 1 else f'{a.required} approvals'} in this channel."
    )


async def click(
    c: Container,
    *,
    approval_id: str,
    user_id: str,
    action: str,
    channel_id: str,
    message_ts: str | None,
    note: str | None = None,
) -> ClickOutcome:
    """Apply one button press, made in `channel_id` on message `message_ts` (for the reason
    modal: the ones its Reject click came from). Refusals change nothing and say why."""
    a = c.store.approvals.get(approval_id)
    if a is None:
        _audit(c, actor=user_id, action=action, a=approval_id, result="unknown_request")
        return ClickOutcome(False, "This approval request does not exist (any more).")
    if not a.shown_on(channel_id, message_ts):
        _audit(
            c,
            actor=user_id,
            action=action,
            a=a,
            result="refused_wrong_card",
            channel_id=channel_id,
            message_ts=message_ts,
        )
        return ClickOutcome(False, NOT_THIS_CARD)
    if a.state is ApprovalState.PENDING and c.clock.time() >= a.expires_at.timestamp():
        # Past its time but not yet swept by the worker: expire it now rather than let a late
        # click through.
        if _expire(c, a.approval_id, c.clock.time()):
            c.outbox.wake()
        a = c.store.approvals.get(approval_id) or a
    if a.state is not ApprovalState.PENDING:
        _audit(c, actor=user_id, action=action, a=a, result=f"refused_{a.state.value}")
        return ClickOutcome(False, f"This request is already {a.state.value}; nothing changed.")
    groups = await c.directory.groups_of(user_id)
    now = c.clock.time()

    if action == CANCEL:
        is_admin = policy.role_of(c.policy, user_id, groups) is Role.ADMIN
        if user_id != a.requested_by and not is_admin:
            _audit(c, actor=user_id, action=action, a=a, result="refused_not_requester")
            return ClickOutcome(False, "Only the requester (or an admin) can cancel this request.")
        with c.store.tx():
            done = c.store.approvals.transition(
                a.approval_id,
                from_states=[ApprovalState.PENDING],
                to=ApprovalState.CANCELLED,
                now=now,
                decided_by=user_id,
            )
            _audit(c, actor=user_id, action=action, a=a, result="cancelled" if done else "too_late")
            if done:
                _refresh_card(c, a)
        c.outbox.wake()
        return ClickOutcome(
            done, None if done else "This request was decided meanwhile; nothing changed."
        )

    if action == REJECT:
        if not policy.can_approve(c.policy, user_id, groups):
            _audit(c, actor=user_id, action=action, a=a, result="refused_not_approver")
            return ClickOutcome(
                False, "Only approvers and admins can reject. The requester can cancel instead."
            )
        with c.store.tx():
            done = c.store.approvals.transition(
                a.approval_id,
                from_states=[ApprovalState.PENDING],
                to=ApprovalState.REJECTED,
                now=now,
                decided_by=user_id,
                decision_note=note,
            )
            _audit(
                c,
                actor=user_id,
                action=action,
                a=a,
                result="rejected" if done else "too_late",
                note=note,
            )
            if done:
                _refresh_card(c, a)
        c.outbox.wake()
        return ClickOutcome(
            done, None if done else "This request was decided meanwhile; nothing changed."
        )

    if action != APPROVE:
        return ClickOutcome(False, "Unknown button.")
    refusal = policy.approval_refusal(c.policy, user_id, groups, requested_by=a.requested_by)
    if (
        refusal is None
        and user_id == a.requested_by
        and not c.store.approvals.self_approval_allowed(a.approval_id)
    ):
        refusal = "You cannot approve your own request; another approver has to."
    if refusal is not None:
        _audit(c, actor=user_id, action=action, a=a, result="refused", why=refusal)
        return ClickOutcome(False, refusal)
    with c.store.tx():
        current = c.store.approvals.get(a.approval_id)
        if current is None or current.state is not ApprovalState.PENDING:
            state = current.state.value if current is not None else "gone"
            _audit(c, actor=user_id, action="vote", a=a, result=f"refused_{state}")
            return ClickOutcome(False, "This request was decided meanwhile; nothing changed.")
        if not c.store.approvals.add_vote(a.approval_id, user_id, now):
            _audit(c, actor=user_id, action="vote", a=a, result="refused_duplicate")
            return ClickOutcome(False, "You already approved this request.")
        votes = c.store.approvals.vote_count(a.approval_id)
        reached = votes >= a.required and c.store.approvals.transition(
            a.approval_id,
            from_states=[ApprovalState.PENDING],
            to=ApprovalState.APPROVED,
            now=now,
            decided_by=user_id,
        )
        _audit(
            c,
            actor=user_id,
            action="vote",
            a=a,
            result="approved" if reached else "counted",
            votes=votes,
        )
        _refresh_card(c, a)
    c.outbox.wake()
    if reached:
        await execute(c, a.approval_id)
    return ClickOutcome(True, executed=reached)


async def execute(c: Container, approval_id: str, *, resuming: bool = False) -> None:
    """Send the approved action once. Only the caller that moves approved → executing sends."""
    from oec_chatops.services import actions  # actions imports this module too

    now = c.clock.time()
    if not resuming:
        with c.store.tx():
            won = c.store.approvals.transition(
                approval_id,
                from_states=[ApprovalState.APPROVED],
                to=ApprovalState.EXECUTING,
                now=now,
            )
            if won:
                _audit(c, actor="bot", action="execute", a=approval_id, result="started")
        if not won:
            return
    a = c.store.approvals.get(approval_id)
    if a is None or a.state is not ApprovalState.EXECUTING:
        return
    ref = c.store.environments.get(a.env_id) or EnvRef(
        env_id=a.env_id,
        env_name=a.env_label.rpartition("/")[2],
        project_id="",
        project_name=a.env_label.partition("/")[0],
    )
    try:
        accepted = await actions.execute(
            c,
            verb=Verb(a.verb),
            ref=ref,
            modules=a.modules,
            requested_by=a.requested_by,
            channel_id=a.channel_id,
            idempotency_key=a.approval_id,
            approval_id=a.approval_id,
        )
    except OecError as exc:
        if _unanswered(exc) and c.expiry.ask_again_later(approval_id, now=c.clock.time()):
            # No answer is not a no: the action may be running. Keep `executing` and ask
            # again with the same key; the API then returns the task if the first call landed.
            _audit(
                c, actor="bot", action="execute", a=a, result="no_answer", error=type(exc).__name__
            )
            log.warning(
                "approval.no_answer",
                extra={"approval_id": approval_id, "error": type(exc).__name__},
            )
            return
        note = explain(exc, env_label=a.env_label).message
        if _unanswered(exc):
            note += " It may still have run: check `/oec status` before asking again."
        with c.store.tx():
            c.store.approvals.transition(
                approval_id,
                from_states=[ApprovalState.EXECUTING],
                to=ApprovalState.FAILED,
                now=c.clock.time(),
                decision_note=note,
            )
            _audit(c, actor="bot", action="execute", a=a, result="failed", error=type(exc).__name__)
            _refresh_card(c, a)
        c.outbox.wake()
        return
    with c.store.tx():
        c.store.approvals.transition(
            approval_id,
            from_states=[ApprovalState.EXECUTING],
            to=ApprovalState.DONE,
            now=c.clock.time(),
            task_id=accepted.task_id,
        )
        _audit(
            c,
            actor="bot",
            action="execute",
            a=a,
            result="done",
            task_id=accepted.task_id,
            resumed=resuming,
        )
        _refresh_card(c, a)
    c.expiry.forget(approval_id)
    c.outbox.wake()


def _unanswered(exc: OecError) -> bool:
    """Did the call end without a clear yes or no from oec.sh?

    No answer, a 5xx (a gateway's 504 comes after the platform may have queued the action, and
    the client's last retry may answer 503 after an earlier try got through) or an answer we
    cannot read. A 4xx is a clear no: the action was not queued.
    """
    return isinstance(exc, OecRequestError | OecServerError | OecContractError)


def _expire(c: Container, approval_id: str, now: float) -> bool:
    """pending → expired, with its audit row and card update; False if it was not pending."""
    with c.store.tx():
        done = c.store.approvals.transition(
            approval_id, from_states=[ApprovalState.PENDING], to=ApprovalState.EXPIRED, now=now
        )
        if done:
            _audit(c, actor="bot", action="expire", a=approval_id, result="expired")
            _refresh_card(c, approval_id)
    return done


def expire_due(c: Container) -> int:
    """Expire every pending request past its time; return how many."""
    now = c.clock.time()
    expired = sum(_expire(c, i, now) for i in c.store.approvals.due_to_expire(now))
    if expired:
        c.outbox.wake()
    return expired


async def resume(c: Container) -> int:
    """After a restart: finish requests that were approved or executing when the process died.

    Both lists are read before the first await: a click handled meanwhile can move a request
    to executing, and that one is in flight in this process, not interrupted.
    """
    approved = c.store.approvals.in_states([ApprovalState.APPROVED])
    executing = c.store.approvals.in_states([ApprovalState.EXECUTING])
    for a in executing:
        log.info("approval.resuming", extra={"approval_id": a.approval_id})
        # Its action was first sent when it went executing; past the key's lifetime a re-send
        # would be a blind second call, not a question.
        sent_at = c.store.approvals.state_since(a.approval_id) or a.created_at.timestamp()
        if c.clock.time() - sent_at >= IDEMPOTENCY_WINDOW:
            _give_up(c, a)
        else:
            await execute(c, a.approval_id, resuming=True)
    for a in approved:
        await execute(c, a.approval_id)
    return len(approved) + len(executing)


def _give_up(c: Container, a: Approval) -> None:
    with c.store.tx():
        if c.store.approvals.transition(
            a.approval_id,
            from_states=[ApprovalState.EXECUTING],
            to=ApprovalState.FAILED,
            now=c.clock.time(),
            decision_note=UNCONFIRMED_NOTE,
        ):
            _audit(c, actor="bot", action="execute", a=a, result="unconfirmed")
            _refresh_card(c, a)
    c.outbox.wake()
