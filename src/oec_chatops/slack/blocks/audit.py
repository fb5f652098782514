"""`/oec audit`: one page of the audit trail, newest first, one line per row. Pure.

A page is at most `AUDIT_PAGE` rows, which always fit a message (each line is cut to
`MAX_LINE` characters, so the page packs into far fewer than 50 sections); the footer says
which page of how many and the command for the next, so older rows are one command away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from oec_chatops.blockkit_limits import MAX_BLOCKS
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    code,
    context,
    cut,
    escape,
    fit_mrkdwn,
    header,
    listing,
    mention,
    message,
    plural,
    section,
    slack_date,
)

AUDIT_PAGE = 50
MAX_LINE = 400
_DETAIL_KEYS = ("approval_id", "task_id", "why", "error", "channel_id", "events", "votes")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit table, as the renderer needs it."""

    at: float
    actor: str
    action: str
    target: str | None
    result: str
    detail: Mapping[str, object]


def render_audit(
    entries: Sequence[AuditEntry],
    *,
    total: int,
    page: int,
    since: str | None,
    env_label: str | None,
) -> Message:
    """One page of rows (newest first), what was asked for, and how to see the next page."""
    scope = _scope(since, env_label)
    if not entries:
        none = (
            f"No audit rows{scope}."
            if page == 1
            else f"No page {page}: {plural(total, 'row')}{scope}."
        )
        return message(none, [section(escape(none))])
    pages = max(1, -(-total // AUDIT_PAGE))
    lines = [_line(e) for e in entries]
    blocks: list[Block] = [
        header(f"Audit trail{scope}"),
        *listing(lines, max_blocks=MAX_BLOCKS - 3, more="more rows"),
    ]
    footer = [f"Page {page} of {pages}", f"{plural(total, 'row')}{escape(scope)}", "newest first"]
    if page < pages:
        footer.append(f"older: {code(_next(since, env_label, page + 1))}")
    blocks.append(context(*footer))
    return message(f"Audit trail{scope}: {plural(total, 'row')}, page {page} of {pages}", blocks)


def _scope(since: str | None, env_label: str | None) -> str:
    parts = []
    if env_label:
        parts.append(f" of {env_label}")
    if since:
        parts.append(f" for the last {since}")
    return "".join(parts)


def _next(since: str | None, env_label: str | None, page: int) -> str:
    words = ["/oec audit"]
    if env_label:
        words.append(env_label)
    if since:
        words.append(f"--since {since}")
    words.append(f"--page {page}")
    return " ".join(words)


def _line(e: AuditEntry) -> str:
    """`<date> · @actor · approval.vote · shop/production · approved · approval_id=…`."""
    when = slack_date(datetime.fromtimestamp(e.at, UTC), "{date_short} {time_secs}")
    who = "bot" if e.actor == "bot" else mention(e.actor)
    parts = [when, who, f"*{escape(e.action)}*"]
    if e.target:
        parts.append(code(e.target))
    parts.append(escape(e.result))
    extra = [f"{k}={e.detail[k]}" for k in _DETAIL_KEYS if e.detail.get(k) not in (None, "", [])]
    if extra:
        parts.append(escape(cut(", ".join(extra), 200)))
    return fit_mrkdwn(" · ".join(parts), MAX_LINE)
