"""The approval card and the list of open requests.

The card is one message updated in place as votes arrive. Its buttons carry the approval id as
their value and nothing else: the click is a signed `block_actions` request, and the approval
service reloads the request from the store by that id before deciding anything, so a stale card
can never act on stale data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from oec_chatops.blockkit_limits import (
    MAX_BLOCKS,
    MAX_CALLBACK_ID,
    MAX_INPUT_LABEL,
    MAX_PLACEHOLDER,
    MAX_PRIVATE_METADATA,
    MAX_VIEW_TITLE,
)
from oec_chatops.domain import Approval, ApprovalState
from oec_chatops.slack.blocks.backups import facts_line
from oec_chatops.slack.blocks.deployments import modules_text, short_id
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    View,
    actions,
    as_utc,
    button,
    code,
    confirm_dialog,
    context,
    cut,
    escape,
    format_duration,
    header,
    link,
    listing,
    mention,
    message,
    plain,
    plural,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.module_updates import change_warning

ACTION_APPROVE = "approval.approve"
ACTION_REJECT = "approval.reject"
ACTION_CANCEL = "approval.cancel"
ACTIONS_BLOCK_ID = "approval.actions"
REJECT_REASON_BLOCK = "approval.reject_reason"
REJECT_REASON_ACTION = "reason"
MAX_REASON_SHOWN = 1000
MAX_REJECT_REASON = 500

_STATE_EMOJI = {
    ApprovalState.PENDING: ":lock:",
    ApprovalState.APPROVED: ":arrows_counterclockwise:",
    ApprovalState.BACKING_UP: ":floppy_disk:",
    ApprovalState.EXECUTING: ":arrows_counterclockwise:",
    ApprovalState.DONE: ":white_check_mark:",
    ApprovalState.FAILED: ":x:",
    ApprovalState.REJECTED: ":no_entry:",
    ApprovalState.EXPIRED: ":hourglass:",
    ApprovalState.CANCELLED: ":heavy_multiplication_x:",
    ApprovalState.WAITING: ":double_vertical_bar:",
}


def is_open(a: Approval, now: datetime) -> bool:
    """Pending and not past its expiry: the only time the card shows buttons."""
    return a.state is ApprovalState.PENDING and as_utc(now) < as_utc(a.expires_at)


def votes(a: Approval) -> str:
    """`1/2`, followed by who voted."""
    text = f"{len(a.approvers)}/{a.required}"
    if a.approvers:
        text += ": " + ", ".join(mention(u) for u in a.approvers)
    return text


def render_approval(a: Approval, *, now: datetime) -> Message:
    """The card: who asks, what, where, why; votes; expiry; buttons while it is open."""
    ask = f"{mention(a.requested_by)} asks to *{escape(a.verb)}* {code(a.env_label)}."
    if a.modules:
        ask += f"\n*Modules:* {modules_text(a.modules)}"
    if a.reason:
        ask += f"\n*Why:* {escape(cut(a.reason, MAX_REASON_SHOWN))}"
    if a.override:
        ask += "\n:rotating_light: *Freeze override*: approving runs it even during a freeze."
    if a.backup_facts is not None:
        ask += (
            f"\n*Restores:* {facts_line(a.backup_facts, now=now)}\n"
            f":warning: Everything {code(a.env_label)} holds now is replaced by this backup."
        )
    open_ = is_open(a, now)
    fields = [f"*Approvals*\n{votes(a)}"]
    if open_:
        left = format_duration((as_utc(a.expires_at) - as_utc(now)).total_seconds())
        fields.append(f"*Expires*\n{slack_date(a.expires_at)} (in {left})")
    else:
        fields.append(f"*Requested*\n{slack_date(a.created_at)}")
    blocks: list[Block] = [
        header(f"Approval: {a.verb} {a.env_label}"),
        section(ask, fields=fields),
    ]
    warning = change_warning(a.verb)
    if warning:  # its own block: a long module list above cannot cut it off
        blocks.append(section(warning))
    if open_:
        blocks.append(_buttons(a))
    else:
        blocks.append(section(outcome(a, now)))
    notes = [f"Approval {code(a.approval_id)}", f"needs {plural(a.required, 'approver')}"]
    if a.backup_first:
        notes.append(f"a backup is taken first, then the {escape(a.verb)} runs")
    if a.task_id:
        notes.append(f"task {code(a.task_id)}")
    blocks.append(context(*notes))
    return message(_fallback(a, now), blocks)


def _buttons(a: Approval) -> Block:
    buttons = approval_buttons(a, block_id=ACTIONS_BLOCK_ID)
    assert buttons is not None  # all three asked for
    return buttons


def approval_buttons(
    a: Approval, *, block_id: str, approve: bool = True, reject: bool = True, cancel: bool = True
) -> Block | None:
    """The card's buttons (or some of them), in a block named `block_id`; None for none.

    The same action ids and value wherever they are shown (the card, a Home tab), so one
    listener decides the click; the service checks who may press which."""
    warning = change_warning(a.verb)
    confirm = confirm_dialog(
        title=f"Approve this {a.verb}?",
        text=(
            f"*{escape(a.verb)}* {code(a.env_label)} runs as soon as "
            f"{plural(a.required, 'approver')} agreed." + (f"\n{warning}" if warning else "")
        ),
        confirm="Approve",
        deny="Back",
    )
    elements: list[dict[str, Any]] = []
    if approve:
        elements.append(
            button(
                "Approve",
                action_id=ACTION_APPROVE,
                value=a.approval_id,
                style="primary",
                confirm=confirm,
            )
        )
    if reject:
        elements.append(
            button("Reject", action_id=ACTION_REJECT, value=a.approval_id, style="danger")
        )
    if cancel:
        elements.append(button("Cancel", action_id=ACTION_CANCEL, value=a.approval_id))
    return actions(*elements, block_id=block_id) if elements else None


def outcome(a: Approval, now: datetime) -> str:
    """The final (or running) state of a request that no longer takes votes, and who decided."""
    state = a.state
    if state is ApprovalState.PENDING:  # past its expiry, not yet swept by the service
        state = ApprovalState.EXPIRED
    emoji = _STATE_EMOJI[state]
    by = f" by {mention(a.decided_by)}" if a.decided_by else ""
    approved_by = ", ".join(mention(u) for u in a.approvers) or "nobody"
    note = f": {escape(cut(a.decision_note, 500))}" if a.decision_note else ""
    if state is ApprovalState.WAITING:
        # `decision_note` here is the bot's own mrkdwn (slack.blocks.change_control, escaped
        # there), with the date token and mentions a plain note could not carry.
        return (
            f"{emoji} *Approved* by {approved_by} — waiting for {a.decision_note or 'a hold'}. "
            f"It runs then if that is before {slack_date(a.expires_at)}; otherwise it expires."
        )
    if state in (ApprovalState.APPROVED, ApprovalState.EXECUTING):
        return f"{emoji} *Approved* by {approved_by}; running the {escape(a.verb)} now."
    if state is ApprovalState.BACKING_UP:
        which = f" (backup {code(a.pre_backup_id)})" if a.pre_backup_id else ""
        return (
            f"{emoji} *Approved* by {approved_by}; taking a backup first…{which} "
            f"The {escape(a.verb)} is sent once the backup completed, and not at all if it fails."
        )
    if state is ApprovalState.FAILED and a.backup_first and a.task_id is None:
        return f"{emoji} *Approved* by {approved_by}, but stopped{note}"
    if state is ApprovalState.DONE:
        # Accepted by the platform is not finished: the deploy may be at 70 %. Its living
        # message, posted after this card, tells how it goes.
        return (
            f"{emoji} *Approved* by {approved_by}; the {escape(a.verb)} has started. "
            "Its progress is in the deployment message below."
        )
    if state is ApprovalState.FAILED:
        return f"{emoji} *Approved* by {approved_by}, but the {escape(a.verb)} failed{note}"
    if state is ApprovalState.REJECTED:
        return f"{emoji} *Rejected*{by}{note}"
    if state is ApprovalState.CANCELLED:
        return f"{emoji} *Cancelled*{by}{note}"
    expired = (
        f"{emoji} *Expired* {slack_date(a.expires_at)} with "
        f"{len(a.approvers)}/{a.required} approvals; nothing was run."
    )
    if a.approvers and a.decision_note and len(a.approvers) >= a.required:
        # Approved, then held by a freeze or lock past its expiry: the bot's own note says why.
        expired += f" {a.decision_note}"
    return expired


def _fallback(a: Approval, now: datetime) -> str:
    what = f"{a.verb} {a.env_label}"
    if is_open(a, now):
        return f"Approval needed: {what} ({len(a.approvers)}/{a.required})"
    state = ApprovalState.EXPIRED if a.state is ApprovalState.PENDING else a.state
    return f"Approval {state.value}: {what}"


def render_approvals_list(approvals: Sequence[Approval], now: datetime) -> Message:
    """Approval requests, one line each with votes and expiry; the caller picks which."""
    if not approvals:
        return message(
            "No approval requests are waiting.", [section("No approval requests are waiting.")]
        )
    lines = [approval_line(a, now) for a in approvals]
    return message(
        f"{plural(len(approvals), 'approval request')}",
        [
            header(f"Approval requests ({len(approvals)})"),
            *listing(lines, max_blocks=MAX_BLOCKS - 1, more="more requests"),
        ],
    )


def approval_line(a: Approval, now: datetime, *, card_url: str | None = None) -> str:
    """One request in a list: who asks what where, votes, expiry or state, a link to the card
    (`card_url`, where the list is not in the card's channel), the reason."""
    # The short id: the listing is read by people, and no command takes an approval id (the
    # card's buttons carry the full one, and the card's context line shows it).
    line = (
        f"{_STATE_EMOJI[a.state]} {code(short_id(a.approval_id))} *{escape(a.verb)}* "
        f"{code(a.env_label)} by {mention(a.requested_by)} · {len(a.approvers)}/{a.required}"
    )
    if is_open(a, now):
        line += f" · expires {slack_date(a.expires_at)}"
    elif a.state is ApprovalState.PENDING:
        line += f" · expired {slack_date(a.expires_at)}"
    else:
        line += f" · {a.state.value}"
    if card_url:
        line += f" · {link(card_url, 'card')}"
    if a.reason:
        line += f"\n>{escape(cut(a.reason, 150))}"
    return line


def render_reject_modal(a: Approval, *, callback_id: str, private_metadata: str) -> View:
    """The modal a Reject click opens, asking for an optional reason.

    The reason arrives in `view.state.values[REJECT_REASON_BLOCK][REJECT_REASON_ACTION]`;
    `private_metadata` (at most 3000 characters) carries what the submit handler needs back.
    """
    if len(private_metadata) > MAX_PRIVATE_METADATA or len(callback_id) > MAX_CALLBACK_ID:
        raise ValueError("reject modal: private_metadata or callback_id too long for Slack")
    summary = f"{mention(a.requested_by)} asked to *{escape(a.verb)}* {code(a.env_label)}."
    if a.reason:
        summary += f"\n*Why:* {escape(cut(a.reason, MAX_REASON_SHOWN))}"
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": plain("Reject request", MAX_VIEW_TITLE),
        "submit": plain("Reject", MAX_VIEW_TITLE),
        "close": plain("Back", MAX_VIEW_TITLE),
        "blocks": [
            section(summary),
            {
                "type": "input",
                "block_id": REJECT_REASON_BLOCK,
                "optional": True,
                "label": plain("Reason (shown on the card)", MAX_INPUT_LABEL),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REJECT_REASON_ACTION,
                    "multiline": True,
                    "max_length": MAX_REJECT_REASON,
                    "placeholder": plain("Why not now?", MAX_PLACEHOLDER),
                },
            },
        ],
    }
