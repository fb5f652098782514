"""Requests built and signed by the playground are accepted by slack_sdk and by a real Bolt app.

Bolt parses the bodies with its own code, so a handler that gets the fields it expects proves
the payloads are shaped like Slack's; a tampered or stale request is refused with 401.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oec_chatops.clock import ManualClock
from oec_chatops.playground import (
    FakeSlack,
    SlackSigner,
    SlackUserAgent,
    block_actions_body,
    slash_command_body,
)
from tests.support.fake_slack import TOKEN, button_card

SECRET = "signing-secret-for-tests"
CARD = button_card("apr_42", style="primary")
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "reject_reason",
    "private_metadata": "apr_42",
    "title": {"type": "plain_text", "text": "Reject"},
    "submit": {"type": "plain_text", "text": "Reject"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Why?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


class SdkClock:
    """slack_sdk's clock protocol (`now() -> float`) over the project's ManualClock."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.time()


def test_signature_is_accepted_by_slack_sdks_verifier() -> None:
    clock = ManualClock()
    body = b"token=x&team_id=T1&text=deploy+shop%2Fstaging"
    headers = SlackSigner(SECRET, clock=clock).headers(body)

    assert headers["X-Slack-Request-Timestamp"] == str(int(clock.time()))
    assert SignatureVerifier(SECRET, clock=SdkClock(clock)).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret", clock=SdkClock(clock)).is_valid_request(
        body, headers
    )
    assert not SignatureVerifier(SECRET, clock=SdkClock(clock)).is_valid_request(
        body + b"x", headers
    )


def test_signer_never_shows_its_secret() -> None:
    assert SECRET not in repr(SlackSigner(SECRET))


def test_slash_command_body_has_slacks_fields_in_slacks_order() -> None:
    body = slash_command_body(
        text="deploy shop/prod",
        user_id="U1",
        user_name="ada",
        channel_id="C1",
        channel_name="deploys",
        team_id="T1",
        response_url="http://fake/response/abc",
        trigger_id="1.2.3",
    )

    fields = parse_qs(body.decode(), keep_blank_values=True)
    assert list(fields) == [
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    ]
    assert fields["command"] == ["/oec"]
    assert fields["text"] == ["deploy shop/prod"]
    assert b"text=deploy+shop%2Fprod" in body  # form encoding as Slack sends it


def test_block_actions_body_is_a_payload_form_field() -> None:
    body = block_actions_body(
        user_id="U1",
        user_name="lea",
        team_id="T1",
        channel_id="C1",
        channel_name="deploys",
        message_ts="1767225600.000100",
        action_id="approve",
        block_id="vote",
        value="apr_1",
        response_url="http://fake/response/abc",
        trigger_id="1.2.3",
        is_ephemeral=True,
    )

    [raw] = parse_qs(body.decode())["payload"]
    payload = json.loads(raw)
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1767225600.000100",
        "channel_id": "C1",
        "is_ephemeral": True,
    }
    assert "message" not in payload  # Slack leaves the message out for an ephemeral one
    assert payload["actions"][0]["type"] == "button"


@pytest.fixture
def seen() -> dict[str, Any]:
    return {}


@pytest.fixture
def bot(fake_url: str, seen: dict[str, Any]) -> Starlette:
    """A minimal Bolt app, as the bot builds its own: real verification, client on the fake."""
    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=fake_url + "/api/"),
        request_verification_enabled=True,
    )

    @app.command("/oec")
    async def on_oec(ack: Any, command: dict[str, str], respond: Any, client: Any) -> None:
        if command["text"] == "help":
            await ack("Usage: /oec deploy <project>/<env>")
            return
        if command["text"] == "announce":
            await ack(text="Heads up", blocks=CARD, response_type="in_channel")
            return
        await ack()
        seen["command"] = command
        if command["text"] == "reject":
            await client.views_open(trigger_id=command["trigger_id"], view=MODAL)
            return
        await respond(text="Approve?", blocks=CARD, response_type="in_channel")

    @app.action("approve")
    async def on_approve(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        seen["action_body"] = body
        await respond(
            text=f"Approved by <@{body['user']['id']}> ({action['value']})", replace_original=True
        )

    @app.view("reject_reason")
    async def on_reject(ack: Any, view: dict[str, Any], body: dict[str, Any], client: Any) -> None:
        await ack()
        reason = view["state"]["values"]["reason"]["text"]["value"]
        await client.chat_postMessage(
            channel="C0DEPLOYS", text=f"{view['private_metadata']} rejected: {reason}"
        )

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


@pytest.fixture
async def agent(bot: Starlette, fake: FakeSlack, fake_url: str) -> AsyncIterator[SlackUserAgent]:
    async with SlackUserAgent(
        bot_url="http://bot.test",
        signing_secret=SECRET,
        fake=fake,
        fake_url=fake_url,
        transport=httpx.ASGITransport(app=bot),
    ) as user_agent:
        yield user_agent


async def test_bolt_handles_a_slash_command_and_a_click(
    fake: FakeSlack, agent: SlackUserAgent, seen: dict[str, Any]
) -> None:
    acked = await agent.command("deploy shop/prod", user_id="U0DEV1", channel_id="C0DEPLOYS")

    assert acked.status_code == 200
    card = await fake.wait_for(lambda f: next(iter(f.messages("C0DEPLOYS")), None))
    assert seen["command"]["user_name"] == "dev"
    assert seen["command"]["channel_name"] == "deploys"
    assert seen["command"]["text"] == "deploy shop/prod"

    clicked = await agent.click(card, "approve", user_id="U0LEAD1")

    assert clicked.status_code == 200
    approved = await fake.wait_for(
        lambda f: f.message("C0DEPLOYS", card.ts) if f.message("C0DEPLOYS", card.ts).edits else None
    )
    assert approved.text == "Approved by <@U0LEAD1> (apr_42)"
    body = seen["action_body"]
    assert body["container"]["message_ts"] == card.ts
    assert body["message"]["blocks"][0]["block_id"] == "vote"
    assert body["channel"] == {"id": "C0DEPLOYS", "name": "deploys"}
    assert [c.method for c in fake.calls() if c.method == "auth.test"] == ["auth.test"]


async def test_bolt_opens_a_modal_and_handles_its_submission(
    fake: FakeSlack, agent: SlackUserAgent
) -> None:
    await agent.command("reject", user_id="U0LEAD1", channel_id="C0DEPLOYS")
    view = await fake.wait_for(lambda f: next(iter(f.views("U0LEAD1")), None))
    assert view.callback_id == "reject_reason"

    answer = await agent.submit_view(
        view, values={"reason": {"text": {"type": "plain_text_input", "value": "freeze week"}}}
    )

    assert answer.status_code == 200
    posted = await fake.wait_for(lambda f: next(iter(f.messages("C0DEPLOYS")), None))
    assert posted.text == "apr_42 rejected: freeze week"
    assert fake.view(view.view_id).closed


async def test_a_click_on_a_missing_button_says_what_is_there(
    fake: FakeSlack, agent: SlackUserAgent
) -> None:
    await agent.command("deploy", user_id="U0DEV1", channel_id="C0DEPLOYS")
    card = await fake.wait_for(lambda f: next(iter(f.messages("C0DEPLOYS")), None))

    with pytest.raises(LookupError, match="approve"):
        await agent.click(card, "reject", user_id="U0LEAD1")


async def test_bolt_refuses_a_tampered_request(
    fake: FakeSlack, agent: SlackUserAgent, seen: dict[str, Any]
) -> None:
    body = slash_command_body(
        text="deploy shop/prod",
        user_id="U0DEV1",
        user_name="dev",
        channel_id="C0DEPLOYS",
        channel_name="deploys",
        team_id=fake.identity.team_id,
        response_url="http://127.0.0.1:9/response/x",
        trigger_id="1.2.3",
    )
    headers = SlackSigner(SECRET).headers(body)

    tampered = await agent.post_signed(body.replace(b"U0DEV1", b"U0ADMIN"), headers=headers)

    assert tampered.status_code == 401
    assert "command" not in seen


async def test_bolt_refuses_a_stale_request(agent: SlackUserAgent, seen: dict[str, Any]) -> None:
    body = b"command=%2Foec&text=help"
    stale = await agent.post_signed(body, timestamp=1_000_000_000)

    assert stale.status_code == 401
    assert "command" not in seen


async def test_bolt_refuses_a_request_signed_with_another_secret(
    bot: Starlette, fake: FakeSlack, fake_url: str, seen: dict[str, Any]
) -> None:
    async with SlackUserAgent(
        bot_url="http://bot.test",
        signing_secret="not-the-apps-secret",
        fake=fake,
        fake_url=fake_url,
        transport=httpx.ASGITransport(app=bot),
    ) as impostor:
        answer = await impostor.command("deploy", user_id="U0DEV1", channel_id="C0DEPLOYS")

    assert answer.status_code == 401
    assert "command" not in seen


async def test_a_plain_text_ack_is_shown_to_the_user_only(
    fake: FakeSlack, agent: SlackUserAgent
) -> None:
    answer = await agent.command("help", user_id="U0DEV1", channel_id="C0DEPLOYS")

    assert answer.text == "Usage: /oec deploy <project>/<env>"
    [shown] = fake.ephemerals("U0DEV1")
    assert shown.text == "Usage: /oec deploy <project>/<env>"
    assert fake.messages("C0DEPLOYS") == []
    [post] = fake.responses()
    assert (post.via, post.outcome) == ("ack", "posted_ephemeral")


async def test_a_json_ack_in_channel_is_a_channel_message(
    fake: FakeSlack, agent: SlackUserAgent
) -> None:
    await agent.command("announce", user_id="U0DEV1", channel_id="C0DEPLOYS")

    [message] = fake.messages("C0DEPLOYS")
    assert message.text == "Heads up"
    assert message.blocks[0]["block_id"] == "vote"
    assert fake.ephemerals() == []
