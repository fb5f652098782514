"""How a state looks in Slack: one emoji per environment and task status, checks, progress.

Block Kit has no colours outside legacy attachments, so the coloured circles are the colour.
Statuses the API may add later are shown raw with a question mark (CONTRACT.md §5.3, §8 #17).
"""

from __future__ import annotations

from oec_chatops.domain import Progress
from oec_chatops.oec.models import TASK_SUCCESS, is_terminal, normalize_task_status
from oec_chatops.slack.blocks.kit import escape

UNKNOWN = ":grey_question:"

ENV_EMOJI: dict[str, str] = {
    "running": ":large_green_circle:",
    "error": ":red_circle:",
    "failed": ":red_circle:",
    "stopped": ":white_circle:",
    "deploying": ":large_yellow_circle:",
    "pending": ":large_yellow_circle:",
    "cloning": ":large_yellow_circle:",
    "paused": ":pause_button:",
    "destroying": ":large_orange_circle:",
    "deleted": ":black_circle:",
}

TASK_EMOJI: dict[str, str] = {
    "pending": ":hourglass_flowing_sand:",
    "queued": ":hourglass_flowing_sand:",
    "running": ":arrows_counterclockwise:",
    "building": ":arrows_counterclockwise:",
    "deploying": ":arrows_counterclockwise:",
    "completed": ":white_check_mark:",
    "failed": ":x:",
    "cancelled": ":no_entry_sign:",
    "rolled_back": ":leftwards_arrow_with_hook:",
    "destroyed": ":wastebasket:",
}

BAR_WIDTH = 10
BAR_FULL = "▓"
BAR_EMPTY = "░"


def env_emoji(status: str | None) -> str:
    return ENV_EMOJI.get((status or "").strip().lower(), UNKNOWN)


def task_emoji(status: str) -> str:
    return TASK_EMOJI.get(normalize_task_status(status), UNKNOWN)


def task_word(status: str) -> str:
    """`Completed`, `Rolled back`: a task status as a word for a sentence."""
    return normalize_task_status(status).replace("_", " ").capitalize() or "Unknown"


def check(value: bool | None) -> str:
    """✅ yes, ❌ no, ❔ the API did not say."""
    if value is None:
        return "❔"
    return "✅" if value else "❌"


def progress_percent(progress: Progress, status: str) -> float | None:
    """The percentage to draw: the task's own, else steps done of total, 100 once completed."""
    if normalize_task_status(status) in TASK_SUCCESS:
        return 100.0
    if progress.percent is not None:
        return max(0.0, min(100.0, progress.percent))
    done, total = progress.steps_completed, progress.total_steps
    if done is not None and total:
        return max(0.0, min(100.0, 100.0 * done / total))
    return None


def progress_bar(percent: float, width: int = BAR_WIDTH) -> str:
    """`▓▓▓▓░░░░░░ 40%`. Cells round down, so the bar is full only at 100%."""
    pct = max(0.0, min(100.0, percent))
    full = int(pct * width // 100)
    return f"{BAR_FULL * full}{BAR_EMPTY * (width - full)} {int(pct)}%"


def progress_line(progress: Progress, status: str) -> str | None:
    """`▓▓▓▓░░░░░░ 40% · build · step 2/5`, or None when there is nothing to draw."""
    percent = progress_percent(progress, status)
    parts: list[str] = []
    if percent is not None:
        parts.append(progress_bar(percent))
    if progress.current_step and not is_terminal(status):
        parts.append(escape(progress.current_step))
    if progress.steps_completed is not None and progress.total_steps:
        parts.append(f"step {progress.steps_completed}/{progress.total_steps}")
    return " · ".join(parts) or None
