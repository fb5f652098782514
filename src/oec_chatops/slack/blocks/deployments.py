"""The one living message per deployment, its failure thread, and the "accepted" reply.

`render_deployment` draws whatever state it is given; keeping a finished deployment from
being redrawn as running is the tracker's job, which is why this function has no memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oec_chatops.domain import Deployment, EnvRef
from oec_chatops.oec.models import is_terminal, normalize_task_status
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    code,
    context,
    cut,
    defuse_fences,
    escape,
    format_duration,
    header,
    link,
    mention,
    message,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.logs import DEFAULT_LOG_CHARS, code_block, tail, truncation_note
from oec_chatops.slack.blocks.statuses import progress_line, task_emoji, task_word

MAX_ERROR_CHARS = 1500
MAX_REASON_CHARS = 500
SHORT_ID = 8


def short_id(full_id: str) -> str:
    """The first 8 characters of an id: enough to tell tasks apart in a channel, short enough
    not to drown the message. The full id stays in the context line and the log command."""
    return full_id[:SHORT_ID]


def message_link(channel_id: str, ts: str) -> str:
    """A link to one Slack message, built without an API call: Slack resolves
    `https://slack.com/archives/<channel>/p<ts without the dot>` to the message in the reader's
    workspace, and it needs no scope (`chat.getPermalink` would cost a call per redraw)."""
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


@dataclass(frozen=True, slots=True)
class ApprovalNote:
    """What the deployment message says about the approval that let it run: who approved, a
    link to the card (None until the card's ts is known), and the requester's reason."""

    approval_id: str
    approvers: tuple[str, ...] = ()
    card_url: str | None = None
    reason: str | None = None


def render_deployment(d: Deployment, approval: ApprovalNote | None = None) -> Message:
    """Header with verb and environment, status, progress bar, why, who asked and approved,
    and what changed (branch, commit, modules); for a failure, the step that failed."""
    status = normalize_task_status(d.status)
    ended = is_terminal(status)
    duration = _duration(d) if ended else None
    state = f"{task_emoji(status)} *{task_word(status)}*"
    if duration is not None:
        state += f" in {format_duration(duration)}"
    if status == "failed" and d.failed_step:
        state += f" at step {code(d.failed_step)}"
    lines = [state]
    if not ended:
        bar = progress_line(d.progress, status)
        if bar:
            lines.append(bar)
    reason = d.reason or (approval.reason if approval else None)
    if reason:
        lines.append(f">{escape(cut(reason, MAX_REASON_CHARS))}")
    blocks: list[Block] = [
        header(f"{_verb(d.verb)} {d.env_label}"),
        section("\n".join(lines), fields=_fields(d, approval)),
    ]
    if d.error_message and status != "completed":
        error = escape(defuse_fences(cut(d.error_message, MAX_ERROR_CHARS)))
        blocks.append(section(f"*Error*\n```{error}```"))
    blocks.append(context(*_notes(d)))
    return message(_fallback(d, status, duration), blocks)


def _verb(verb: str) -> str:
    return verb.replace("_", " ").strip().capitalize() or "Task"


def _duration(d: Deployment) -> float | None:
    if d.duration_seconds is not None:
        return d.duration_seconds
    if d.started_at and d.completed_at:
        return (d.completed_at - d.started_at).total_seconds()
    return None


def _fields(d: Deployment, approval: ApprovalNote | None) -> list[str]:
    fields: list[str] = []
    if d.requested_by:
        fields.append(f"*Requested by*\n{mention(d.requested_by)}")
    elif d.triggered_by:
        fields.append(f"*Triggered by*\n{escape(d.triggered_by)}")
    if approval is not None and approval.approvers:
        who = ", ".join(mention(u) for u in approval.approvers)
        card = f" · {link(approval.card_url, 'the request')}" if approval.card_url else ""
        fields.append(f"*Approved by*\n{who}{card}")
    elif d.approval_id:
        fields.append(f"*Approval*\n{code(short_id(d.approval_id))}")
    if d.branch:
        fields.append(f"*Branch*\n{code(d.branch)}")
    if d.commit:
        fields.append(f"*Commit*\n{code(d.commit[:12])}")
    if d.modules:
        fields.append(f"*Modules*\n{modules_text(d.modules)}")
    if d.url:
        fields.append(f"*URL*\n{link(d.url)}")
    return fields


def modules_text(modules: Sequence[str]) -> str:
    """`all modules`, or the names in code."""
    if tuple(modules) == ("all",):
        return "all modules"
    return ", ".join(code(m) for m in modules)


def _notes(d: Deployment) -> list[str]:
    notes = [f"Task {code(d.key)}"]
    if d.started_at:
        notes.append(f"started {slack_date(d.started_at)}")
    if d.completed_at:
        notes.append(f"ended {slack_date(d.completed_at)}")
    return notes


def _fallback(d: Deployment, status: str, duration: float | None) -> str:
    text = f"{_verb(d.verb)} {d.env_label}: {task_word(status).lower()}"
    if duration is not None:
        text += f" in {format_duration(duration)}"
    percent = d.progress.percent
    if not is_terminal(status) and percent is not None:
        text += f" ({percent:.0f}%)"
    if d.error_message and status != "completed":
        text += f": {cut(d.error_message, 200)}"
    return text


def render_failure_thread(
    d: Deployment, log_tail: str, *, max_chars: int = DEFAULT_LOG_CHARS
) -> Message:
    """The thread reply under a failed deployment: the end of its log, where the cause is."""
    t = tail(log_tail, max_chars)
    headline = f"{task_emoji(d.status)} *{_verb(d.verb)} of {code(d.env_label)} failed*"
    if d.error_message:
        headline += f": {escape(cut(d.error_message, 500))}"
    blocks: list[Block] = [section(headline)]
    notes = [f"Task {code(d.key)}"]
    if t.text:
        blocks.append(section(code_block(t)))
        note = truncation_note(t, api_truncated=False)
        if note:
            notes.append(note)
    else:
        notes.append("the task left no log lines")
    notes.append(f"{code(f'/oec logs {d.env_label} --lines 500')} shows more")
    blocks.append(context(*notes))
    return message(f"{_verb(d.verb)} {d.env_label} failed: last log lines", blocks)


def render_action_accepted(
    env: EnvRef,
    verb: str,
    task_id: str,
    *,
    requested_by: str | None = None,
    reason: str | None = None,
    modules: Sequence[str] = (),
) -> Message:
    """The immediate answer to an action: oec.sh queued it; progress follows in the channel."""
    who = f"{mention(requested_by)} started" if requested_by else "Started"
    text = f":rocket: {who} *{escape(verb)}* on {code(env.label)}."
    if modules:
        text += f"\nModules: {modules_text(modules)}"
    if reason:
        text += f"\n>{escape(cut(reason, 500))}"
    return message(
        f"{_verb(verb)} {env.label} queued",
        [section(text), context(f"Task {code(task_id)} · progress follows in this channel")],
    )


def render_deployment_note(d: Deployment) -> Message:
    """One thread reply under the living message when the deployment's status changes
    (`threads on`): the change, and for an ending how long it took or why it failed."""
    status = normalize_task_status(d.status)
    line = f"{task_emoji(status)} *{escape(task_word(status))}*"
    duration = _duration(d) if is_terminal(status) else None
    if duration is not None:
        line += f" after {format_duration(duration)}"
    if d.error_message:
        line += f": {escape(cut(d.error_message.splitlines()[0], MAX_ERROR_CHARS))}"
    return message(f"{d.env_label}: {task_word(status).lower()}", [section(line)])
