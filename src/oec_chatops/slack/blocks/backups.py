"""Backups in Slack: the latest backups, a backup's living message, the restore snapshot line,
and the reinitialize warning. Pure.

A restore overwrites an environment with a backup, so the approver must see *which* backup:
`restore_snapshot` gives the one line (short id, age, size, full or database only, type) that the
approval card shows. The reinitialize warning is one text so that the command reply, the
approval card and the living message all say the same thing about lost data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from oec_chatops.domain import BackupFacts, EnvRef
from oec_chatops.oec.models import Task
from oec_chatops.oec.ops_models import Backup
from oec_chatops.slack.blocks.deployments import modules_text
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    as_utc,
    code,
    context,
    cut,
    defuse_fences,
    escape,
    header,
    listing,
    mention,
    message,
    plural,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.statuses import UNKNOWN, progress_line

MAX_LISTED_BLOCKS = 45
SHORT_ID = 8
REINIT_WARNING = (
    ":warning: *Reinitializing reinstalls the modules: module data may be reset.* "
    "Records, settings and customisations those modules hold can be lost; take a backup first."
)

BACKUP_EMOJI = {
    "pending": ":hourglass_flowing_sand:",
    "in_progress": ":arrows_counterclockwise:",
    "uploading": ":arrow_up:",
    "completed": ":white_check_mark:",
    "failed": ":x:",
    "cancelled": ":no_entry_sign:",
    "expired": ":wastebasket:",
}


def human_size(size: int | None) -> str:
    """`563 MB`, `1.4 GB` (powers of 1024, as `du -h`); `size unknown` when the API gave none."""
    if size is None or size < 0:
        return "size unknown"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            break
        value /= 1024
    if unit == "B":
        return f"{size} B"
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"


def format_age(moment: datetime | None, now: datetime) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 d ago`: the one unit that matters."""
    if moment is None:
        return "age unknown"
    seconds = max(0.0, (as_utc(now) - as_utc(moment)).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def backup_emoji(status: str) -> str:
    return BACKUP_EMOJI.get(status.strip().lower(), UNKNOWN)


def _status_word(status: str) -> str:
    return status.strip().lower().replace("_", " ") or "unknown"


def short_id(backup_id: str) -> str:
    return backup_id[:SHORT_ID]


def restore_snapshot(backup: Backup, *, now: datetime) -> str:
    """`Backup 1a2b3c4d · 1 d ago · 1.4 GB · full · scheduled`, for the restore approval card."""
    parts = [
        f"Backup {code(short_id(backup.id))}",
        format_age(backup.created_at, now),
        human_size(backup.size_bytes),
        backup.kind,
        escape(backup.backup_type or "type unknown"),
    ]
    if not backup.completed:
        parts.append(f"*{escape(_status_word(backup.status))}*")
    return " · ".join(parts)


def facts_line(facts: BackupFacts, *, now: datetime) -> str:
    """The backup a restore would bring back, for its approval card: id, when taken (and how
    long ago), size, what it holds, type and status, so the approver knows what they allow."""
    taken = (
        f"taken {slack_date(facts.created_at)} ({format_age(facts.created_at, now)})"
        if facts.created_at
        else "time taken unknown"
    )
    contents = {
        "full": "database and filestore",
        "database only": "database only, without filestore",
    }.get(facts.contents, facts.contents)
    return " · ".join(
        (
            f"Backup {code(facts.backup_id)}",
            taken,
            human_size(facts.size_bytes),
            escape(contents),
            escape(facts.backup_type or "type unknown"),
            f"*{escape(_status_word(facts.status))}*",
        )
    )


def _backup_line(backup: Backup, now: datetime) -> str:
    line = (
        f"{backup_emoji(backup.status)} {code(short_id(backup.id))} · "
        f"*{escape(_status_word(backup.status))}* · {human_size(backup.size_bytes)} · "
        f"{escape(backup.backup_type or 'type unknown')}, {backup.kind} · "
        f"{format_age(backup.created_at, now)}"
    )
    if backup.notes:
        line += f"\n>{escape(cut(backup.notes, 200))}"
    return line


def render_backups(
    env: EnvRef,
    backups: Sequence[Backup],
    *,
    now: datetime,
    total: int | None = None,
    actions: bool = True,
    restores: bool = True,
) -> Message:
    """The latest backups of an environment, newest first (whatever order they came in).

    `actions=False` leaves out the `/oec backup` and `/oec restore` hints, for a bot where those
    commands are not wired, and `restores=False` the restore hint, for a host that has no
    restore: a hint must never name a command that answers "unknown" or "not offered".
    """
    if not backups:
        empty: list[Block] = [section(f"No backups of {code(env.label)} yet.")]
        if actions:
            empty.append(context(f"{code(f'/oec backup {env.label}')} takes one."))
        return message(f"No backups of {env.label} yet.", empty)
    ordered = sorted(
        backups,
        key=lambda b: as_utc(b.created_at).timestamp() if b.created_at else float("-inf"),
        reverse=True,
    )
    lines = [_backup_line(b, now) for b in ordered]
    shown = f"latest {len(ordered)}" + (f" of {total}" if total and total > len(ordered) else "")
    blocks: list[Block] = [
        header(f"Backups of {env.label}"),
        *listing(lines, max_blocks=MAX_LISTED_BLOCKS, more="more backups"),
        context(
            shown,
            f"{code(f'/oec restore {env.label} <backup>')} restores one, after approval"
            if actions and restores
            else "",
        ),
    ]
    return message(f"Backups of {env.label}: {plural(len(ordered), 'backup')}", blocks)


def render_backup_progress(
    env: EnvRef,
    backup: Backup,
    *,
    now: datetime,
    task: Task | None = None,
    requested_by: str | None = None,
) -> Message:
    """The living message of one backup: status, progress of its task, size once completed."""
    status = backup.status.strip().lower()
    lines = [f"{backup_emoji(status)} *{escape(_status_word(status).capitalize())}*"]
    if task is not None and not backup.terminal:
        bar = progress_line(task.progress, task.status)
        if bar:
            lines.append(bar)
    fields = []
    if requested_by:
        fields.append(f"*Requested by*\n{mention(requested_by)}")
    fields.append(f"*Contents*\n{backup.kind}")
    if backup.completed:
        fields.append(f"*Size*\n{human_size(backup.size_bytes)}")
    if backup.notes:
        fields.append(f"*Note*\n{escape(cut(backup.notes, 500))}")
    blocks: list[Block] = [
        header(f"Backup {env.label}"),
        section("\n".join(lines), fields=fields),
    ]
    if backup.error_message and status == "failed":
        error = escape(defuse_fences(cut(backup.error_message, 1500)))
        blocks.append(section(f"*Error*\n```{error}```"))
    notes = [f"Backup {code(backup.id)}"]
    if backup.task_id:
        notes.append(f"task {code(backup.task_id)}")
    if backup.created_at:
        notes.append(f"started {slack_date(backup.created_at)}")
    if backup.completed_at:
        notes.append(f"ended {slack_date(backup.completed_at)}")
    blocks.append(context(*notes))
    fallback = f"Backup {env.label}: {_status_word(status)}"
    if backup.completed:
        fallback += f", {human_size(backup.size_bytes)}"
    elif backup.error_message and status == "failed":
        fallback += f": {cut(backup.error_message, 200)}"
    return message(fallback, blocks)


def reinit_warning(modules: Sequence[str]) -> str:
    """The warning every reinitialize request, card and reply carries, naming the modules."""
    return f"{REINIT_WARNING}\nModules: {modules_text(modules)}"
