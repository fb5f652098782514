"""Requests that Slack did not sign (or signed too long ago) get 401 and reach nothing.

Each bad request carries a live `response_url`, so if the bot ran the command anyway its answer
would show at the fake Slack. After the bad ones, a good command goes through: it is then the
only thing that reached the fake Slack and the simulator.
"""

from __future__ import annotations

import time

import pytest

from oec_chatops.playground import SlackSigner
from tests.support.commands_helpers import ask, command_body, posts_for
from tests.support.stack import DEV, SIGNING_SECRET, Stack

FORM = "application/x-www-form-urlencoded"
SIGNER = SlackSigner(SIGNING_SECRET)


async def assert_nothing_was_reached_then_a_good_command_works(stack: Stack) -> None:
    answer = await ask(stack, "whoami", user_id=DEV)
    assert "deployer" in answer.text
    assert len(posts_for(stack.fake, DEV)) == 1
    # Only the good command's own calls: its user's groups, then its answer.
    assert [c.method for c in stack.fake.calls()] == ["usergroups.list", "response_url"]
    assert await stack.sim_requests() == []


async def test_a_tampered_body_gets_401(stack: Stack) -> None:
    signed = command_body(stack, "status acme-shop/staging")
    sent = signed.replace(b"status", b"deploy")
    headers = {"Content-Type": FORM, **SIGNER.headers(signed)}

    r = await stack.http.post(f"{stack.bot_url}/slack/events", content=sent, headers=headers)

    assert r.status_code == 401
    await assert_nothing_was_reached_then_a_good_command_works(stack)


async def test_a_signature_made_with_another_secret_gets_401(stack: Stack) -> None:
    body = command_body(stack, "deploy acme-shop/staging")

    r = await stack.agent.post_signed(body, headers={"X-Slack-Signature": "v0=" + "ab" * 32})

    assert r.status_code == 401
    await assert_nothing_was_reached_then_a_good_command_works(stack)


@pytest.mark.parametrize("age", [301, 3600])
async def test_a_correct_signature_older_than_five_minutes_gets_401(stack: Stack, age: int) -> None:
    body = command_body(stack, "deploy acme-shop/staging")

    r = await stack.agent.post_signed(body, timestamp=int(time.time()) - age)

    assert r.status_code == 401
    await assert_nothing_was_reached_then_a_good_command_works(stack)


async def test_a_correct_signature_from_the_future_gets_401(stack: Stack) -> None:
    body = command_body(stack, "deploy acme-shop/staging")

    r = await stack.agent.post_signed(body, timestamp=int(time.time()) + 600)

    assert r.status_code == 401
    await assert_nothing_was_reached_then_a_good_command_works(stack)


@pytest.mark.parametrize(
    "drop", ["X-Slack-Signature", "X-Slack-Request-Timestamp", "both"], ids=str.lower
)
async def test_a_missing_signature_header_gets_401(stack: Stack, drop: str) -> None:
    body = command_body(stack, "deploy acme-shop/staging")
    headers = {"Content-Type": FORM, **SIGNER.headers(body)}
    for name in ("X-Slack-Signature", "X-Slack-Request-Timestamp"):
        if drop in (name, "both"):
            del headers[name]

    r = await stack.http.post(f"{stack.bot_url}/slack/events", content=body, headers=headers)

    assert r.status_code == 401
    await assert_nothing_was_reached_then_a_good_command_works(stack)


async def test_the_same_body_signed_now_is_accepted(stack: Stack) -> None:
    """The control: what the tests above send is a real command once it is signed properly."""
    body = command_body(stack, "whoami")

    r = await stack.agent.post_signed(body)

    assert r.status_code == 200
    (post,) = await stack.fake.wait_for(lambda f: posts_for(f, DEV))
    assert "deployer" in post.body["text"]


async def test_rejections_are_counted_for_operators(stack: Stack) -> None:
    body = command_body(stack, "whoami")
    await stack.agent.post_signed(body, headers={"X-Slack-Signature": "v0=" + "00" * 32})

    metrics = (await stack.http.get(f"{stack.bot_url}/metrics")).text

    line = 'oec_chatops_signature_failures_total{reason="bad_signature",source="slack"} 1.0'
    assert line in metrics.splitlines()
