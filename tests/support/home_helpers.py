"""Helpers for the App Home tests: the Home as the fake Slack holds it, waited for.

They read what reached the fake Slack (`views.publish`), never the bot's own objects.
"""

from __future__ import annotations

import asyncio
from typing import Any

from oec_chatops.playground import FakeSlack
from oec_chatops.services.home_refresh import HomeRefresher
from oec_chatops.slack.blocks.home import home_block_id
from tests.support.approval_helpers import flat, request_change
from tests.support.stack import Stack


def home_blocks(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    """The blocks of the Home last published for `user_id` ([] if none)."""
    home = fake.home(user_id)
    return list(home.view.get("blocks") or []) if home is not None else []


def home_text(fake: FakeSlack, user_id: str) -> str:
    return flat(home_blocks(fake, user_id)).lower()


def publishes(fake: FakeSlack, user_id: str) -> int:
    """How many `views.publish` calls for `user_id` Slack accepted."""
    return sum(1 for c in fake.calls("views.publish") if c.ok and c.args.get("user_id") == user_id)


async def wait_home(
    fake: FakeSlack,
    user_id: str,
    *needles: str,
    absent: tuple[str, ...] = (),
    timeout: float = 5.0,
) -> list[dict[str, Any]]:
    """Wait until `user_id`'s Home shows every one of `needles` and none of `absent`."""

    def shows(f: FakeSlack) -> list[dict[str, Any]] | None:
        text = home_text(f, user_id)
        if f.home(user_id) is None or not all(n.lower() in text for n in needles):
            return None
        return None if any(a.lower() in text for a in absent) else home_blocks(f, user_id)

    return await fake.wait_for(shows, timeout=timeout)


def buttons_of(blocks: list[dict[str, Any]], approval_id: str) -> list[str]:
    """The action ids of the buttons the Home shows for one request."""
    for block in blocks:
        if block.get("block_id") == home_block_id(approval_id):
            return [str(e.get("action_id")) for e in block.get("elements") or []]
    return []


def action_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b.get("type") == "actions"]


async def settled(home: HomeRefresher, *, rounds: int = 2, timeout: float = 5.0) -> None:
    """Wake the refresher and wait until it has looked at the store `rounds` more times, so
    whatever it was going to publish by now has been published (short polling)."""
    target = home.rounds + rounds
    async with asyncio.timeout(timeout):
        while home.rounds < target:
            home.wake()
            await asyncio.sleep(0.01)


async def pending_on_home(stack: Stack, user_id: str) -> tuple[str, list[dict[str, Any]]]:
    """DEV asks for a production deploy; `user_id` opens their Home and it shows the request.
    Returns the request's id and the Home's blocks."""
    approval_id, _ = await request_change(stack)
    await stack.agent.open_home(user_id)
    return approval_id, await wait_home(stack.fake, user_id, "fixing invoice totals")
