"""Modals and trigger_ids, and the user agent's rules about who can click what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oec_chatops.clock import ManualClock
from oec_chatops.playground import FakeSlack, SlackUserAgent
from tests.support.fake_slack import call

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "reason",
    "title": {"type": "plain_text", "text": "Why?"},
    "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "Tell us"}}],
}
CARD = [
    {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "ok", "text": {"type": "plain_text", "text": "OK"}}
        ],
    }
]


async def test_views_open_needs_a_fresh_unused_trigger(fake: FakeSlack, clock: ManualClock) -> None:
    trigger = fake.issue_trigger(user_id="U0LEAD1")

    opened = await call(fake, "views.open", trigger_id=trigger, view=MODAL)
    again = await call(fake, "views.open", trigger_id=trigger, view=MODAL)
    late_trigger = fake.issue_trigger(user_id="U0LEAD1")
    clock.advance(3.5)
    late = await call(fake, "views.open", trigger_id=late_trigger, view=MODAL)
    unknown = await call(fake, "views.open", trigger_id="1.2.3", view=MODAL)

    assert opened["ok"] is True
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["callback_id"] == "reason"
    assert fake.views("U0LEAD1")[0].view_id == opened["view"]["id"]
    assert again["error"] == "exchanged_trigger_id"
    assert late["error"] == "expired_trigger_id"
    assert unknown["error"] == "invalid_trigger_id"


async def test_views_update_checks_the_hash(fake: FakeSlack) -> None:
    trigger = fake.issue_trigger(user_id="U0LEAD1")
    opened = (await call(fake, "views.open", trigger_id=trigger, view=MODAL))["view"]
    changed = MODAL | {"title": {"type": "plain_text", "text": "Really?"}}

    updated = await call(
        fake, "views.update", view_id=opened["id"], hash=opened["hash"], view=changed
    )
    stale = await call(
        fake, "views.update", view_id=opened["id"], hash=opened["hash"], view=changed
    )
    missing = await call(fake, "views.update", view_id="V0NOPE", view=changed)

    assert updated["view"]["title"]["text"] == "Really?"
    assert stale["error"] == "hash_conflict"
    assert missing["error"] == "not_found"


async def test_a_modal_with_a_too_long_title_is_refused(fake: FakeSlack) -> None:
    trigger = fake.issue_trigger(user_id="U0LEAD1")
    bad = MODAL | {"title": {"type": "plain_text", "text": "x" * 25}}

    answer = await call(fake, "views.open", trigger_id=trigger, view=bad)

    assert answer["error"] == "invalid_arguments"


@pytest.fixture
def received() -> list[bytes]:
    return []


@pytest.fixture
async def agent(fake: FakeSlack, received: list[bytes]) -> AsyncIterator[SlackUserAgent]:
    async def events(request: Request) -> Response:
        received.append(await request.body())
        if b"view_submission" in received[-1]:
            return JSONResponse({"response_action": "errors", "errors": {"r": "required"}})
        return Response(status_code=200)

    bot = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    async with SlackUserAgent(
        bot_url="http://bot.test",
        signing_secret="s3cret",
        fake=fake,
        fake_url="http://fake.test",
        transport=httpx.ASGITransport(app=bot),
    ) as user_agent:
        yield user_agent


async def test_only_the_owner_can_click_an_ephemeral_message(
    fake: FakeSlack, agent: SlackUserAgent, received: list[bytes]
) -> None:
    ts = (
        await call(
            fake, "chat.postEphemeral", channel="C0DEPLOYS", user="U0DEV1", text="x", blocks=CARD
        )
    )["message_ts"]

    with pytest.raises(LookupError, match="U0DEV1"):
        await agent.click(fake.ephemeral(ts), "ok", user_id="U0DEV2")
    await agent.click(fake.ephemeral(ts), "ok", user_id="U0DEV1")

    [body] = received
    assert b"%22is_ephemeral%22%3Atrue" in body
    assert fake.responses() == []


async def test_a_command_in_a_direct_message(
    fake: FakeSlack, agent: SlackUserAgent, received: list[bytes]
) -> None:
    await agent.command("help", user_id="U0DEV1", channel_id="U0DEV1")

    assert b"channel_name=directmessage" in received[0]
    assert b"channel_id=D0DEV1" in received[0]


async def test_an_unknown_user_cannot_act(agent: SlackUserAgent) -> None:
    with pytest.raises(LookupError, match="U0GHOST"):
        await agent.command("help", user_id="U0GHOST", channel_id="C0DEPLOYS")


async def test_a_submission_answered_with_errors_keeps_the_modal_open(
    fake: FakeSlack, agent: SlackUserAgent
) -> None:
    trigger = fake.issue_trigger(user_id="U0LEAD1")
    view_id = (await call(fake, "views.open", trigger_id=trigger, view=MODAL))["view"]["id"]

    answer = await agent.submit_view(view_id, values={})

    assert answer.json()["response_action"] == "errors"
    assert not fake.view(view_id).closed
