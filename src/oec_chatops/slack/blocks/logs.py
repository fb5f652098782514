"""Task logs in a code block: the tail is what explains a failure, so the tail is what is kept.

The API keeps the most recent lines when it truncates (CONTRACT.md §5.3) and a log can be
megabytes; a section holds 3000 characters after escaping. So lines are taken from the end,
measured escaped, until the next one would not fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oec_chatops.blockkit_limits import (
    MAX_SECTION_TEXT,
)
from oec_chatops.domain import EnvRef
from oec_chatops.oec.models import TaskLog
from oec_chatops.slack.blocks.kit import (
    ELLIPSIS,
    Message,
    code,
    context,
    defuse_fences,
    escape,
    message,
    plural,
    section,
)

FENCE_OVERHEAD = len("```\n\n```")
MAX_LOG_CHARS = MAX_SECTION_TEXT - FENCE_OVERHEAD
DEFAULT_LOG_CHARS = 2900
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Tail:
    """The end of a log, escaped and ready for a code block."""

    text: str
    shown: int  # lines shown, a line cut from the front included
    total: int  # lines in the log that was given
    partial: bool = False  # the first line shown is only the end of a line

    @property
    def cut(self) -> bool:
        return self.partial or self.shown < self.total


def tail(log: str, max_chars: int = DEFAULT_LOG_CHARS) -> Tail:
    """The last lines of `log` whose escaped text fits in `max_chars` characters.

    When even the last line alone is too long, its end is kept, behind an ellipsis.
    """
    limit = max(1, min(max_chars, MAX_LOG_CHARS))
    lines = _ANSI.sub("", log).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    kept: list[str] = []
    partial = False
    size = 0
    for line in reversed(lines):
        rendered = escape(defuse_fences(line))
        cost = len(rendered) + (1 if kept else 0)
        if size + cost > limit:
            if not kept:
                kept.append(_end_of_line(line, limit))
                partial = True
            break
        kept.append(rendered)
        size += cost
    kept.reverse()
    return Tail("\n".join(kept), shown=len(kept), total=len(lines), partial=partial)


def _end_of_line(line: str, limit: int) -> str:
    """The escaped end of one over-long line, at most `limit` characters with the ellipsis.

    Only the last `limit` raw characters are escaped (each renders to at least one), and the
    cut moves past an entity it would split.
    """
    rendered = escape(defuse_fences(line[-limit:]))
    start = max(0, len(rendered) - (limit - 1))
    amp = rendered.rfind("&", max(0, start - 4), start)
    if amp != -1 and ";" not in rendered[amp:start]:
        start = rendered.index(";", start) + 1
    return ELLIPSIS + rendered[start:]


def code_block(t: Tail) -> str:
    return f"```\n{t.text}\n```"


def truncation_note(t: Tail, *, api_truncated: bool) -> str | None:
    """Say what is missing, so nobody reads a tail as the whole log."""
    if not t.cut and not api_truncated:
        return None
    note = f"truncated: showing last {t.shown} of {plural(t.total, 'line')}"
    if api_truncated:
        note += "; oec.sh kept only the most recent lines"
    return f"_{note}._"


def render_logs(env: EnvRef, log: TaskLog, *, max_chars: int = DEFAULT_LOG_CHARS) -> Message:
    """The end of an environment's latest task log, in a code block."""
    task = f" · task {code(log.task_id)}" if log.task_id else ""
    return tail_message(
        env,
        log.log,
        kind="log",
        suffix=task,
        empty_suffix=" yet",
        api_truncated=log.truncated,
        max_chars=max_chars,
    )


def tail_message(
    env: EnvRef,
    text: str,
    *,
    kind: str,
    suffix: str = "",
    empty_suffix: str = "",
    api_truncated: bool = False,
    max_chars: int = DEFAULT_LOG_CHARS,
) -> Message:
    """The end of a log (`kind`: "log", "Odoo log", ...) in a code block, with what was cut.

    `suffix` follows the environment's name in the note (a task id, a fetch time).
    """
    t = tail(text, max_chars)
    if not t.text:
        return message(
            f"No {kind} lines for {env.label}.",
            [section(f"No {kind} lines for {code(env.label)}{empty_suffix}{suffix}.")],
        )
    title = kind[:1].upper() + kind[1:]
    notes = [f"{title} of {code(env.label)}{suffix}"]
    note = truncation_note(t, api_truncated=api_truncated)
    if note:
        notes.append(note)
    return message(
        f"{title} of {env.label}: last {plural(t.shown, 'line')}",
        [section(code_block(t)), context(*notes)],
    )
