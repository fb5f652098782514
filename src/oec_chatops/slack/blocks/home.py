"""The App Home tab: one view per user, rendered from a `HomeSnapshot`. Pure.

The Home is a list of sections (`SECTIONS`), each a function of the snapshot that keeps to
its own block budget and says "and N more" for what it leaves out, so the view keeps to
Slack's 100 blocks whatever the size of the organisation: the budgets below add up to well
under 100, and `fit_blocks` is the backstop. A new kind of thing to show (freezes, locks) is
one more field on the snapshot and one more function in `SECTIONS`.

Pending approvals carry the very buttons of the channel card (same action ids, same approval
id as value), in a block of their own (`home_block_id`: block ids must be unique in a view),
so one listener decides a click wherever it was made (`slack.approval_listeners`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson

from oec_chatops.blockkit_limits import MAX_MODAL_BLOCKS
from oec_chatops.domain import ActiveFreeze, Approval, Deployment, EnvLock, Role
from oec_chatops.slack.blocks.approvals import approval_buttons, approval_line
from oec_chatops.slack.blocks.change_control import freeze_line, lock_line
from oec_chatops.slack.blocks.deployments import message_link
from oec_chatops.slack.blocks.kit import (
    Block,
    View,
    code,
    context,
    divider,
    escape,
    header,
    listing,
    mention,
    plural,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.statuses import env_emoji, progress_line, task_emoji

HOME_CALLBACK = "oec.home"
HOME_BLOCK_PREFIX = "home.approval."
APPROVALS_SHOWN = 15  # two blocks each (the request, its buttons)
DEPLOYMENT_BLOCKS = 8
ENVIRONMENT_BLOCKS = 20
CHANGE_CONTROL_BLOCKS = 6


@dataclass(frozen=True, slots=True)
class EnvLine:
    """One environment as the platform listed it."""

    label: str
    status: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class HomeApproval:
    """A pending request and what this user may do about it from their Home."""

    approval: Approval
    may_decide: bool  # Approve and Reject: an approver (not on their own request)
    may_cancel: bool  # Cancel: the requester


@dataclass(frozen=True, slots=True)
class HomeSnapshot:
    """Everything one user's Home shows, read at one moment.

    `environments_note` says why the environment list is missing or partial (a host down, no
    answer within the time budget): said, so that an empty list is never read as "none".
    `notice` is the answer to this user's last click from the Home, shown at the top.
    """

    user_id: str
    role: Role
    can_approve: bool
    now: datetime
    environments: tuple[EnvLine, ...] = ()
    environments_note: str | None = None
    deployments: tuple[Deployment, ...] = ()
    approvals: tuple[HomeApproval, ...] = ()
    freezes: tuple[ActiveFreeze, ...] = ()
    locks: tuple[EnvLock, ...] = ()
    notice: str | None = None


HomeSection = Callable[[HomeSnapshot], list[Block]]


def home_block_id(approval_id: str) -> str:
    return HOME_BLOCK_PREFIX + approval_id


def approvals_section(s: HomeSnapshot) -> list[Block]:
    """Requests this user can decide or cancel, with the card's buttons; at most
    `APPROVALS_SHOWN` of them (oldest first: they expire first)."""
    title = header("Approvals waiting for you")
    if not s.approvals:
        none = "No approval request waits for you."
        if not s.can_approve:
            none += " You are not an approver, so requests by others are not shown here."
        return [title, section(none)]
    blocks: list[Block] = [title]
    for item in s.approvals[:APPROVALS_SHOWN]:
        a = item.approval
        card = message_link(a.channel_id, a.message_ts) if a.message_ts else None
        blocks.append(section(approval_line(a, s.now, card_url=card)))
        buttons = approval_buttons(
            item.approval,
            block_id=home_block_id(item.approval.approval_id),
            approve=item.may_decide,
            reject=item.may_decide,
            cancel=item.may_cancel,
        )
        if buttons is not None:
            blocks.append(buttons)
    hidden = len(s.approvals) - APPROVALS_SHOWN
    if hidden > 0:
        blocks.append(
            context(
                f"_…and {plural(hidden, 'more request')} not shown; decide the ones above "
                "first, or use the cards in their channels (`/oec approvals` there)._"
            )
        )
    return blocks


def deployments_section(s: HomeSnapshot) -> list[Block]:
    """Deployments still running, with their progress bars."""
    title = header("Running deployments")
    if not s.deployments:
        return [title, section("Nothing is running.")]
    lines = [_deployment_line(d) for d in s.deployments]
    return [title, *listing(lines, max_blocks=DEPLOYMENT_BLOCKS, more="more deployments")]


def _deployment_line(d: Deployment) -> str:
    parts = [f"{task_emoji(d.status)} *{escape(d.verb)}* {code(d.env_label)}"]
    bar = progress_line(d.progress, d.status)
    parts.append(bar or escape(d.status))
    if d.requested_by:
        parts.append(f"by {mention(d.requested_by)}")
    return " · ".join(parts)


def environments_section(s: HomeSnapshot) -> list[Block]:
    """Every environment with its status, and a line saying what could not be listed."""
    title = header(f"Environments ({len(s.environments)})" if s.environments else "Environments")
    note = [context(f":warning: {escape(s.environments_note)}")] if s.environments_note else []
    if not s.environments:
        empty = [] if note else [section("No environments.")]
        return [title, *empty, *note]
    lines = [f"{env_emoji(e.status)} {code(e.label)} {escape(e.status)}" for e in s.environments]
    return [
        title,
        *listing(lines, max_blocks=ENVIRONMENT_BLOCKS, more="more environments"),
        *note,
    ]


def change_control_section(s: HomeSnapshot) -> list[Block]:
    """Freezes in force and environment locks: what would refuse a change right now. Shown
    only when there is one, so a quiet day costs the Home nothing."""
    lines = [freeze_line(f) for f in s.freezes] + [lock_line(lock) for lock in s.locks]
    if not lines:
        return []
    title = header("Freezes and locks")
    return [title, *listing(lines, max_blocks=CHANGE_CONTROL_BLOCKS, more="more freezes or locks")]


SECTIONS: tuple[HomeSection, ...] = (
    approvals_section,
    change_control_section,
    deployments_section,
    environments_section,
)
"""The Home's sections, top to bottom. Budgets: approvals 2 + 2×15 + 1, freezes and locks
1 + 6, deployments 1 + 8, environments 1 + 20 + 1, plus the top (3) and a divider per section:
80 of Slack's 100."""


def render_home(s: HomeSnapshot, sections: Sequence[HomeSection] = SECTIONS) -> View:
    """The view for `views.publish`: who you are, then each section, within Slack's limits."""
    can = "can approve protected changes" if s.can_approve else "cannot approve"
    blocks: list[Block] = [
        header("oec-chatops"),
        context(
            f"You are {mention(s.user_id)}: *{s.role.value}*, {can}",
            f"Updated {slack_date(s.now, '{date_short_pretty} {time_secs}')}",
        ),
    ]
    if s.notice:
        blocks.append(section(f":information_source: {escape(s.notice)}"))
    for render in sections:
        part = render(s)
        if part:
            blocks += [divider(), *part]
    return {
        "type": "home",
        "callback_id": HOME_CALLBACK,
        "private_metadata": orjson.dumps({"user": s.user_id}).decode(),
        "blocks": fit_blocks(blocks),
    }


def fit_blocks(blocks: Sequence[Block], limit: int = MAX_MODAL_BLOCKS) -> list[Block]:
    """The backstop: at most `limit` blocks, the last one saying how many were cut."""
    kept = list(blocks)
    if len(kept) <= limit:
        return kept
    dropped = len(kept) - (limit - 1)
    return [*kept[: limit - 1], context(f"_{plural(dropped, 'more block')} not shown._")]
