"""The fake Slack on its own, for the tests of the stand-in itself: one token, one seeded
workspace, and the button card most of them post.

The whole-product tests use `tests.support.stack` instead; these build only the fake, so a
test of `chat.update` or of a response_url does not start a simulator and a bot it never uses.
"""

from __future__ import annotations

from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.playground import FakeSlack, seed_demo_workspace

TOKEN = "xoxb-test-fake-slack"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def demo_fake(clock: Clock | None = None) -> FakeSlack:
    """The demo workspace (channels, users, user groups) behind `TOKEN`, on `clock`."""
    return seed_demo_workspace(FakeSlack(bot_token=TOKEN, clock=clock))


async def call(fake: FakeSlack, method: str, **args: Any) -> dict[str, Any]:
    """A Web API method called in-process with `TOKEN`: the body Slack would answer."""
    answer = await fake.call(method, args, token=TOKEN)
    return answer.body


def button_card(
    value: str, *, block_id: str = "vote", action_id: str = "approve", style: str | None = None
) -> list[dict[str, Any]]:
    """An actions block with one "Approve" button carrying `value`, as an approval card has."""
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": "Approve"},
        "value": value,
    }
    if style:
        button["style"] = style
    return [{"type": "actions", "block_id": block_id, "elements": [button]}]
