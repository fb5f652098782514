"""Block Kit primitives that cannot produce a message Slack would refuse.

Slack answers `invalid_blocks` (or silently cuts text) when a limit is passed, and that would
lose a deploy notification, so every limit lives here, every builder cuts to it, and
`message()` is the last guard before a body leaves the renderers. `limit_violations()` (in
`checks`, re-exported here) checks a finished body; tests run it on everything they render.

Limits: https://api.slack.com/reference/block-kit/blocks and
https://api.slack.com/methods/chat.postMessage#truncating
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from oec_chatops.blockkit_limits import (
    MAX_ACTION_ID,
    MAX_ACTIONS_ELEMENTS,
    MAX_BLOCK_ID,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_CONTEXT_ELEMENTS,
    MAX_CONTEXT_TEXT,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
)
from oec_chatops.slack.blocks.checks import Block as Block
from oec_chatops.slack.blocks.checks import Message as Message
from oec_chatops.slack.blocks.checks import View as View
from oec_chatops.slack.blocks.checks import limit_violations as limit_violations
from oec_chatops.slack.blocks.checks import view_violations as view_violations

# The fallback `text` is what a phone notification shows; Slack cuts long ones anyway.
MAX_FALLBACK_TEXT = 3000


_USER_ID = re.compile(r"[UWB][A-Z0-9]{2,30}")
_DANGLING = re.compile(r"(&[A-Za-z#0-9]*|<[^>]*)$")
ELLIPSIS = "…"


# Text ---------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as markup (`&`, `<`, `>`).

    Anything a user or oec.sh wrote goes through here, so a reason such as `<!channel>` is
    shown, not executed.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` characters, ending in `…` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def cut_start(text: str, limit: int) -> str:
    """`text` shortened from the front, for logs where the end matters."""
    if len(text) <= limit:
        return text
    return ELLIPSIS + text[len(text) - max(0, limit - 1) :]


def fit_mrkdwn(text: str, limit: int) -> str:
    """Cut mrkdwn without leaving half an entity, half a `<link>` or an open code fence."""
    if len(text) <= limit:
        return text
    body = _DANGLING.sub("", text[: max(0, limit - 1)])
    if body.count("```") % 2:
        closing = "\n```"
        body = _DANGLING.sub("", text[: max(0, limit - 1 - len(closing))])
        if body.count("```") % 2:
            return body + ELLIPSIS + closing
    return body + ELLIPSIS


def code(text: str) -> str:
    """Inline code for a name (`shop/staging`), escaped; a backtick inside cannot end it."""
    return "`" + escape(text.replace("`", "ˋ")) + "`" if text else "` `"


def defuse_fences(text: str) -> str:
    """Keep ``` inside a log from closing the code block around it."""
    return text.replace("```", "`\u200b`\u200b`")


def mention(user_id: str) -> str:
    """`<@U123>` for a Slack user id; anything else is shown as escaped text."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)


def link(url: str, label: str | None = None) -> str:
    """A mrkdwn link for http(s) URLs; other strings are shown as escaped text."""
    shown = escape(label if label is not None else url)
    if not url.startswith(("https://", "http://")):
        return shown
    target = escape(url).replace("|", "%7C")
    return f"<{target}|{shown.replace('|', '¦')}>"


def as_utc(moment: datetime) -> datetime:
    """Times from the API are UTC; a naive one is taken to be UTC too."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def plain_time(moment: datetime) -> str:
    """`2026-01-01 00:30 UTC`: for fallback text, where date tokens are not rendered."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def slack_date(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A Slack date token, shown in each reader's own time zone, with a UTC fallback."""
    unix = int(as_utc(moment).timestamp())
    return f"<!date^{unix}^{fmt}|{plain_time(moment)}>"


def format_duration(seconds: float) -> str:
    """`45s`, `5m 0s`, `1h 2m`, `2d 3h`: short enough for a field."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


# Blocks -------------------------------------------------------------------------------------


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": fit_mrkdwn(text, limit)}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def section(
    text: str | None = None,
    *,
    fields: Sequence[str] = (),
    accessory: dict[str, Any] | None = None,
    block_id: str | None = None,
) -> Block:
    """A section: mrkdwn text (≤ 3000) and/or up to 10 mrkdwn fields (≤ 2000 each)."""
    block: Block = {"type": "section"}
    if text is not None:
        block["text"] = mrkdwn(text or " ")
    if fields:
        block["fields"] = [mrkdwn(f or " ", MAX_FIELD_TEXT) for f in fields[:MAX_FIELDS]]
    if text is None and not fields:
        block["text"] = mrkdwn(" ")
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id[:MAX_BLOCK_ID]
    return block


def context(*texts: str) -> Block:
    """A context line; past ten elements the rest are joined into the tenth."""
    items = [t for t in texts if t]
    if len(items) > MAX_CONTEXT_ELEMENTS:
        items = [*items[: MAX_CONTEXT_ELEMENTS - 1], " · ".join(items[MAX_CONTEXT_ELEMENTS - 1 :])]
    return {"type": "context", "elements": [mrkdwn(t, MAX_CONTEXT_TEXT) for t in items or [" "]]}


def divider() -> Block:
    return {"type": "divider"}


def confirm_dialog(*, title: str, text: str, confirm: str, deny: str) -> dict[str, Any]:
    return {
        "title": plain(title, MAX_CONFIRM_TITLE),
        "text": mrkdwn(text, MAX_CONFIRM_TEXT),
        "confirm": plain(confirm, MAX_CONFIRM_BUTTON),
        "deny": plain(deny, MAX_CONFIRM_BUTTON),
    }


def button(
    text: str,
    *,
    action_id: str,
    value: str,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button. A value is data the click hands back, so an over-long one is an error, not cut."""
    if len(value) > MAX_BUTTON_VALUE or len(action_id) > MAX_ACTION_ID:
        raise ValueError(f"button {action_id[:40]!r}: value or action_id too long for Slack")
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:MAX_ACTIONS_ELEMENTS])}
    if block_id is not None:
        block["block_id"] = block_id[:MAX_BLOCK_ID]
    return block


def chunk_lines(lines: Sequence[str], limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Pack lines into as few texts of at most `limit` characters as possible."""
    return [text for text, _ in pack_lines(lines, limit)]


def pack_lines(lines: Sequence[str], limit: int = MAX_SECTION_TEXT) -> list[tuple[str, int]]:
    """`chunk_lines`, with the number of input lines each text holds (for "N more" notes)."""
    packed: list[tuple[str, int]] = []
    current, count = "", 0
    for line in lines:
        line = fit_mrkdwn(line, limit)
        if count and len(current) + 1 + len(line) > limit:
            packed.append((current, count))
            current, count = line, 1
        else:
            current, count = (f"{current}\n{line}" if count else line), count + 1
    if count:
        packed.append((current, count))
    return packed


def listing(
    lines: Sequence[str],
    *,
    max_blocks: int,
    more: str = "more",
) -> list[Block]:
    """Sections holding as many lines as fit in `max_blocks` blocks, then an "and N more" note.

    `more` names what was left out ("more projects"); the note takes the last block.
    """
    packed = pack_lines(lines, MAX_SECTION_TEXT)
    if len(packed) <= max_blocks:
        return [section(text) for text, _ in packed]
    kept = packed[: max(0, max_blocks - 1)]
    shown = sum(count for _, count in kept)
    return [
        *(section(text) for text, _ in kept),
        context(f"_…and {len(lines) - shown} {more} not shown._"),
    ]


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A finished body: `text` for notifications, `blocks` for the message itself.

    `text` is plain text and is escaped here: Slack reads it as mrkdwn too, and fallbacks echo
    what users and oec.sh wrote, which must not become a `<!channel>` ping.

    Renderers keep under the block limit with their own "and N more" notes; this cut is the
    backstop that keeps a body postable whatever a renderer did.
    """
    kept = list(blocks)
    if len(kept) > MAX_BLOCKS:
        dropped = len(kept) - (MAX_BLOCKS - 1)
        kept = [*kept[: MAX_BLOCKS - 1], context(f"_{plural(dropped, 'more block')} not shown._")]
    fallback = fit_mrkdwn(escape(text.strip()), MAX_FALLBACK_TEXT) or " "
    return {"text": fallback, "blocks": kept}
