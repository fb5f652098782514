"""The daily digest: one message for a channel's day of events, instead of one per event.

Counts per environment (deployments by outcome, their usual and longest duration, other
events), then every failure on its own line with its error and link, so a quiet channel still
shows what needs attention. Items are the snapshots `services.digests` kept when each event
arrived; everything here is pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from oec_chatops.blockkit_limits import MAX_BLOCKS
from oec_chatops.slack.blocks.event_names import friendly_event
from oec_chatops.slack.blocks.kit import (
    Message,
    code,
    context,
    cut,
    escape,
    format_duration,
    header,
    link,
    listing,
    message,
    plural,
    section,
)

Item = dict[str, Any]
"""{event, label, failed, status, duration, error, url, at, summary} (services.digests)."""

_OUTCOMES = ("deploy.completed", "deploy.failed", "deploy.cancelled")
_MAX_ERROR = 200
LATE_AFTER = 15 * 60  # a digest posted this much after its time says so


def _local(ts: float, tz: str, fmt: str) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime(fmt)


def _env_line(label: str, items: Sequence[Item]) -> str:
    events = Counter(i["event"] for i in items)
    parts: list[str] = []
    ended = [i for i in items if i["event"] in _OUTCOMES]
    started = events["deploy.started"]
    if ended or started:
        outcomes = ", ".join(
            f"{events[e]} {e.removeprefix('deploy.')}" for e in _OUTCOMES if events[e]
        )
        count = max(len(ended), started)
        text = plural(count, "deployment") + (f" ({outcomes})" if outcomes else "")
        durations = [float(i["duration"]) for i in ended if i.get("duration") is not None]
        if durations:
            text += (
                f", typically {format_duration(sorted(durations)[len(durations) // 2])}"
                f", longest {format_duration(max(durations))}"
            )
        parts.append(text)
    others = Counter(
        i["event"] for i in items if not i["event"].startswith("deploy.")
    ).most_common()
    parts.extend(f"{n} × {friendly_event(e)}" for e, n in others)
    url = next((i["url"] for i in reversed(items) if i.get("url")), None)
    where = link(url, label) if url else code(label)
    return f"*{where}*: " + "; ".join(parts)


def _failure_line(item: Item, tz: str) -> str:
    at = _local(float(item["at"]), tz, "%H:%M")
    line = f":x: {at} {escape(item['summary'])}"
    if item.get("error"):
        line += f": _{escape(cut(str(item['error']).splitlines()[0], _MAX_ERROR))}_"
    if item.get("url"):
        line += f" · {link(item['url'])}"
    return line


def render_digest(
    *,
    day: str,
    tz: str,
    window_start: float,
    due_at: float,
    items: Sequence[Item],
    posted_at: float,
) -> Message:
    """One day's digest for a channel; says when it was posted late (the bot was down)."""
    label = datetime.fromisoformat(day).strftime("%a %d %b %Y")
    span = (
        f"From {_local(window_start, tz, '%a %d %b %H:%M')} to "
        f"{_local(due_at, tz, '%a %d %b %H:%M')} ({tz})"
    )
    failures = [i for i in items if i.get("failed")]
    by_env: defaultdict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_env[str(item["label"])].append(item)
    notes = [span, plural(len(items), "event"), plural(len(failures), "failure")]
    blocks = [header(f"Daily digest · {label}"), context(" · ".join(notes))]
    if posted_at - due_at > LATE_AFTER:
        blocks.append(
            context(
                f":hourglass: Posted late: it was due {_local(due_at, tz, '%a %d %b %H:%M')}, "
                "when I was not running. Nothing collected was lost."
            )
        )
    room = MAX_BLOCKS - len(blocks) - 2
    env_lines = [_env_line(env, env_items) for env, env_items in sorted(by_env.items())]
    blocks.extend(listing(env_lines, max_blocks=max(1, room // 2), more="more environments"))
    if failures:
        lines = [_failure_line(i, tz) for i in failures]
        blocks.append(section(f"*{plural(len(failures), 'failure')}*"))
        blocks.extend(
            listing(lines, max_blocks=max(1, MAX_BLOCKS - len(blocks)), more="more failures")
        )
    fallback = f"Daily digest for {label}: {plural(len(items), 'event')}, " + plural(
        len(failures), "failure"
    )
    return message(fallback, blocks)
