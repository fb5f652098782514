"""The values the command, action and approval services pass to each other and to Slack.

Below all three services, so that none of them imports another just for a type: the slash
command as Slack sent it, the callback that answers it, and what a button press did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Reply = Callable[[dict[str, Any]], Awaitable[None]]
"""Answers the person who typed the command (ephemeral, through the response_url)."""

Wake = Callable[[], None]
"""Tells a background worker (outbox, tracker, expiry) that work may be waiting."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """One slash command as Slack sent it."""

    user_id: str
    channel_id: str
    text: str
    trigger_id: str = ""
    user_name: str = ""


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    """What a click did; `notice` is the ephemeral sentence for the clicker when it did nothing."""

    changed: bool
    notice: str | None = None
    executed: bool = False
