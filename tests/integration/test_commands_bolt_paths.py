"""The two ways a `/oec` command reaches the queue: the bot's short path (`ChatopsApp`) and a
plain Bolt listener, for an app without one. Both ack empty at once and answer the same way."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oec_chatops.playground import SlackSigner
from oec_chatops.slack.app import ChatopsApp, build_bolt_app
from oec_chatops.slack.command_listener import register_commands
from tests.support.commands_helpers import command_body, posts_for
from tests.support.stack import DEV, SIGNING_SECRET, Stack

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def plain_bolt(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The command listener on a plain AsyncApp, served in-process, sharing the stack's bot."""
    app = AsyncApp(
        client=stack.c.slack,
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
        logger=logging.getLogger("tests.plain_bolt"),
    )
    register_commands(app, stack.c.desk)
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield client


async def test_the_bot_app_takes_oec_on_its_short_path(stack: Stack) -> None:
    assert isinstance(
        build_bolt_app(
            settings=stack.c.settings,
            slack=stack.c.slack,
            commands=stack.c.desk,
            clicks=stack.c.clicks,
        ),
        ChatopsApp,
    )
    r = await stack.agent.command("whoami", user_id=DEV, channel_id="C0DEPLOYS")

    assert r.status_code == 200
    assert r.content == b""
    (post,) = await stack.fake.wait_for(lambda f: posts_for(f, DEV))
    assert "deployer" in post.body["text"]
    assert stack.fake.calls("auth.test") == []  # Bolt's authorization middleware was not run


async def test_other_commands_still_go_through_bolt(stack: Stack) -> None:
    body = command_body(stack, "whoami").replace(b"%2Foec", b"%2Fother")

    r = await stack.agent.post_signed(body)

    assert r.status_code == 404  # no listener for it: Bolt's own answer
    assert posts_for(stack.fake, DEV) == []


async def test_a_plain_bolt_app_gets_the_command_as_a_listener(
    stack: Stack, plain_bolt: httpx.AsyncClient
) -> None:
    body = command_body(stack, "whoami")
    signed = SlackSigner(SIGNING_SECRET).headers(body)

    r = await plain_bolt.post("/slack/events", content=body, headers={**FORM, **signed})

    assert r.status_code == 200
    assert r.content == b""
    (post,) = await stack.fake.wait_for(lambda f: posts_for(f, DEV))
    assert "deployer" in post.body["text"]


async def test_a_plain_bolt_app_refuses_a_bad_signature(
    stack: Stack, plain_bolt: httpx.AsyncClient
) -> None:
    body = command_body(stack, "whoami")
    signed = SlackSigner("another-secret-entirely").headers(body)

    r = await plain_bolt.post("/slack/events", content=body, headers={**FORM, **signed})

    assert r.status_code == 401
    good = command_body(stack, "projects")
    headers = {**FORM, **SlackSigner(SIGNING_SECRET).headers(good)}
    assert (
        await plain_bolt.post("/slack/events", content=good, headers=headers)
    ).status_code == 200
    (post,) = await stack.fake.wait_for(lambda f: posts_for(f, DEV))
    assert "Acme Shop" in post.body["text"]  # the answer to the good one, and only that
