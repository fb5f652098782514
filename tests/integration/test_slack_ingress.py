"""`POST /slack/events` refuses what it cannot verify or read, before Bolt parses anything.

A table of bodies Slack would never send, each posted three ways (unsigned, signed with another
secret, signed with the bot's own): without a valid signature the answer is 401 whatever the
bytes are; with one, a body that cannot be read is a 400. Never a 5xx, never an ERROR log line,
and nothing reaches the fake Slack or the simulator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from oec_chatops.playground import SlackSigner
from tests.support.commands_helpers import ask, command_body
from tests.support.stack import DEV, LEAD1, SIGNING_SECRET, Stack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_SLACK_BODY = 1024 * 1024  # the limit the README states


def payload(data: Any) -> bytes:
    """An interaction as Slack posts it: the JSON in a form's `payload` field."""
    return urlencode({"payload": json.dumps(data)}).encode()


CLICKER = {"id": LEAD1, "username": "lea", "team_id": "T0OECPLAY"}
REJECT_VIEW = {"id": "V0X", "callback_id": "approval.reject_reason", "private_metadata": "{}"}

BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "not_utf8": (b"payload=%7B%7D&x=\xff\xfe\xfd", FORM),
    "payload_open_brace": (b"payload={", FORM),
    "payload_list": (b"payload=[1,2]", FORM),
    "json_list": (b"[1,2]", JSON),
    "json_broken": (b'{"type": "block_actions", ', JSON),
    "json_without_type": (b'{"token": "x"}', JSON),
    "garbage": (b"\x00garbage&&==;;%%", FORM),
    "empty": (b"", FORM),
    "deep_nesting": (payload([]).replace(b"%5B%5D", b"%5B" * 50_000 + b"%5D" * 50_000), FORM),
    "view_submission_without_view_type": (
        payload({"type": "view_submission", "user": CLICKER, "view": REJECT_VIEW}),
        FORM,
    ),
    "view_submission_with_state_as_list": (
        payload(
            {
                "type": "view_submission",
                "user": CLICKER,
                "view": REJECT_VIEW | {"type": "modal", "state": {"values": [1]}},
            }
        ),
        FORM,
    ),
    "block_actions_without_actions": (payload({"type": "block_actions", "user": CLICKER}), FORM),
    "block_actions_with_actions_as_text": (
        payload({"type": "block_actions", "user": CLICKER, "actions": "approval.approve"}),
        FORM,
    ),
    "block_actions_with_user_as_number": (
        payload(
            {"type": "block_actions", "user": 5, "actions": [{"action_id": "approval.approve"}]}
        ),
        FORM,
    ),
    "attachment_action_without_actions": (
        payload(
            {"type": "interactive_message", "callback_id": "approval.approve", "user": CLICKER}
        ),
        FORM,
    ),
    "event_without_event": (b'{"type": "event_callback", "event": "x"}', JSON),
}

OTHER_SIGNER = SlackSigner("not-the-bots-signing-secret")


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record, uvicorn's own included (it does not propagate to the root logger)."""
    caplog.set_level(logging.INFO)
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        uvicorn_error.removeHandler(caplog.handler)


def assert_no_error_logged(caplog: pytest.LogCaptureFixture) -> None:
    loud = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert loud == []


async def post(stack: Stack, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    r = await stack.http.post(
        f"{stack.bot_url}/slack/events",
        content=body,
        headers={"Content-Type": content_type, **headers},
    )
    return r.status_code


@pytest.mark.parametrize("name", list(BAD_BODIES))
async def test_a_bad_body_is_401_unless_signed_and_then_400(
    stack: Stack, errors: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = BAD_BODIES[name]

    unsigned = await post(stack, body, content_type, {})
    wrongly_signed = await post(stack, body, content_type, OTHER_SIGNER.headers(body))
    signed = await post(stack, body, content_type, SlackSigner(SIGNING_SECRET).headers(body))

    assert (unsigned, wrongly_signed, signed) == (401, 401, 400)
    assert_no_error_logged(errors)
    refusals = [r for r in errors.records if r.getMessage() == "slack.rejected"]
    assert [r.levelno for r in refusals] == [logging.WARNING] * 3
    assert stack.fake.calls() == []
    assert await stack.sim_requests() == []


async def test_a_body_over_the_limit_is_413_before_it_is_read(
    stack: Stack, errors: pytest.LogCaptureFixture
) -> None:
    big = b"payload=" + b"x" * MAX_SLACK_BODY
    declared = await post(stack, big, FORM, SlackSigner(SIGNING_SECRET).headers(big))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_SLACK_BODY // 65536 + 2):
            yield b"x" * 65536

    r = await stack.http.post(
        f"{stack.bot_url}/slack/events", content=chunks(), headers={"Content-Type": FORM}
    )

    assert (declared, r.status_code) == (413, 413)
    assert_no_error_logged(errors)
    assert stack.fake.calls() == []


async def test_a_command_that_mentions_payload_is_still_a_command(stack: Stack) -> None:
    """Bolt reads a form containing the word "payload" as an interaction and finds none; the
    door hands Bolt the form Slack signed, so the command is answered like any other."""
    answer = await ask(stack, "status payload-api/staging", user_id=DEV)

    assert "payload-api" in answer.text


async def test_a_signed_command_still_gets_its_answer(stack: Stack) -> None:
    """The control: the door lets a well-formed, signed request through to Bolt."""
    body = command_body(stack, "whoami")

    assert await post(stack, body, FORM, SlackSigner(SIGNING_SECRET).headers(body)) == 200
    await stack.fake.wait_for(lambda f: f.responses())
