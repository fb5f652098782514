"""Checks shared by the Block Kit tests: every text of a body, and "Slack may post this"."""

from __future__ import annotations

import re
from typing import Any

from oec_chatops.slack.blocks import limit_violations


def texts(body: Any) -> str:
    """Every text in a body, one per line, for `in` checks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return "\n".join(found)


def mrkdwn_texts(body: dict[str, Any]) -> str:
    """The fallback and every mrkdwn text: where Slack reads `<...>` as markup."""
    found = [body["text"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body["blocks"])
    return "\n".join(found)


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
