"""Checks shared by the Block Kit tests: every text of a body, and "Slack may post this"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from oec_chatops.slack.blocks import limit_violations


def strings_in(node: Any, pick: Callable[[dict[str, Any]], object]) -> list[str]:
    """Depth first, every string `pick` finds in the objects of a body (a block, a text object,
    an element): the one walk behind every "all the text of" check."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            picked = pick(item)
            if isinstance(picked, str):
                found.append(picked)
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return found


def texts(body: Any) -> str:
    """Every text in a body, one per line, for `in` checks."""
    return "\n".join(strings_in(body, lambda obj: obj.get("text")))


def mrkdwn_texts(body: dict[str, Any]) -> str:
    """The fallback and every mrkdwn text: where Slack reads `<...>` as markup."""
    mrkdwn = strings_in(
        body["blocks"], lambda obj: obj["text"] if obj.get("type") == "mrkdwn" else None
    )
    return "\n".join([body["text"], *mrkdwn])


SLACK_MARKUP = re.compile(
    r"<(@[UW][A-Z0-9]+|https?://[^<>|]+\|[^<>]+|!date\^\d+\^[^<>|]+\|[^<>]+)>"
)


def postable(body: dict[str, Any]) -> dict[str, Any]:
    """Within Slack's limits, and no `<...>` but mentions, links and dates (the rest is escaped)."""
    assert limit_violations(body) == []
    leftover = SLACK_MARKUP.sub("", mrkdwn_texts(body))
    leftover = re.sub(r"(?m)^>", "", leftover)  # block quotes
    assert "<" not in leftover
    assert ">" not in leftover
    return body
