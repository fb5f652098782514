"""Socket Mode: with SLACK_APP_TOKEN set the bot opens a WebSocket to Slack instead of needing a
public URL for it, and the webhook receiver still serves HTTP.

There is no Slack here, so the other end is `SocketModeStandIn`: a real WebSocket server on
127.0.0.1 that answers `apps.connections.open`, says `hello`, carries envelopes and acks as
Slack's Socket Mode does, and passes every other Web API call to the fake Slack.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from oec_chatops.domain import ApprovalState
from oec_chatops.playground import FakeSlack, block_actions_body, find_button
from oec_chatops.playground.payloads import app_home_opened_body, slash_command_body
from tests.support.approval_helpers import (
    APPROVE,
    PROD,
    approval_id_of,
    assert_undecided,
    cards,
    wait_card,
)
from tests.support.commands_helpers import command_body
from tests.support.home_helpers import wait_home
from tests.support.ops_helpers import (
    SocketModeStandIn,
    bot_process,
    free_port,
    outside_world,
    signed_delivery,
    status_event,
)
from tests.support.stack import CHANNEL, DEV, LEAD1, Stack, bot_environ, running_stack

APP_TOKEN = "xapp-1-A0OECAPP-1-socketmodetoken"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def command_payload(stack: Stack, text: str, *, user_id: str, channel_id: str) -> dict[str, str]:
    """The fields of a slash command, as Socket Mode carries them (JSON, not a form)."""
    url_id = stack.fake.issue_response_url(kind="command", channel_id=channel_id, user_id=user_id)
    me = stack.fake.identity
    body = slash_command_body(
        text=text,
        user_id=user_id,
        user_name=stack.fake.user(user_id).name,
        channel_id=channel_id,
        channel_name="deploys",
        team_id=me.team_id,
        response_url=stack.agent.response_url(url_id),
        trigger_id=stack.fake.issue_trigger(user_id=user_id),
    )
    return dict(parse_qsl(body.decode()))


async def test_commands_arrive_over_the_websocket_and_webhooks_over_http(tmp_path: Path) -> None:
    async with socket_mode_stack(tmp_path) as stack:
        standin: SocketModeStandIn = stack.extra["standin"]
        assert standin.opened == 1
        ready = await stack.http.get(f"{stack.bot_url}/readyz")
        assert ready.json() == {"ok": True, "failing": []}

        # A slash command through the socket: acked on the socket, answered via response_url.
        envelope_id = await standin.send(
            "slash_commands", command_payload(stack, "envs", user_id=DEV, channel_id=CHANNEL)
        )
        ack = await standin.ack_for(envelope_id)
        assert ack["envelope_id"] == envelope_id
        answers = await stack.fake.wait_for(lambda f: f.responses(), timeout=5)
        assert "staging" in str(answers[0])

        # oec.sh still reaches the bot over HTTP; the message goes out through the Web API.
        r = await deliver_staging_status_change(stack)
        assert r.status_code == 200

        def posted(f: FakeSlack) -> bool:
            return any("staging" in str(m.blocks) for m in f.messages(CHANNEL))

        await stack.fake.wait_for(posted, timeout=5)
        assert (await stack.http.get(f"{stack.bot_url}/healthz")).status_code == 200
        socket = standin.sockets[-1]

    # Shutdown closed the WebSocket: Slack sends nothing more to this process.
    assert socket.closed


async def deliver_staging_status_change(stack: Stack) -> httpx.Response:
    """oec.sh's signed webhook that acme-shop/staging changed status, posted to the bot."""
    project = next(p for p in stack.sim.projects.values() if p.slug == "acme-shop")
    event = status_event(
        project_id=project.id, env_id=stack.env_id("acme-shop/staging"), env_name="staging"
    )
    body, headers = signed_delivery(event)
    return await stack.http.post(f"{stack.bot_url}/webhooks/oec", content=body, headers=headers)


async def test_the_home_tab_opened_over_the_websocket_is_drawn_as_over_http(
    tmp_path: Path,
) -> None:
    async with socket_mode_stack(tmp_path) as stack:
        standin: SocketModeStandIn = stack.extra["standin"]
        me = stack.fake.identity
        event = json.loads(
            app_home_opened_body(
                user_id=LEAD1,
                team_id=me.team_id,
                bot_user_id=me.bot_user_id,
                event_id="Ev0SOCKETHOME",
                event_time=int(time.time()),
                im_channel_id="D0LEAD1",
            )
        )
        envelope_id = await standin.send("events_api", event)
        assert (await standin.ack_for(envelope_id))["envelope_id"] == envelope_id
        await wait_home(stack.fake, LEAD1, "acme-shop/staging", "can approve")


async def test_while_the_websocket_cannot_connect_http_still_serves(tmp_path: Path) -> None:
    standin = SocketModeStandIn(app_token=APP_TOKEN)
    standin.ws_url = f"ws://127.0.0.1:{free_port()}/link"  # nothing listens there
    async with (
        standin.running() as slack_side,
        running_stack(
            tmp_path,
            environ={"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": f"{slack_side}/api/"},
        ) as stack,
    ):
        standin.upstream = stack.slack_url
        assert (await stack.http.get(f"{stack.bot_url}/healthz")).status_code == 200
        ready = await stack.http.get(f"{stack.bot_url}/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"ok": False, "failing": ["socket_mode"]}
        r = await deliver_staging_status_change(stack)
        assert r.status_code == 200


@pytest.mark.slow
async def test_a_refused_app_token_stops_start_up_with_slacks_reason(tmp_path: Path) -> None:
    standin = SocketModeStandIn(app_token="xapp-1-A0OECAPP-1-theonlygoodtoken")
    async with outside_world() as o, standin.running() as slack_side:
        standin.upstream = o.slack_url
        environ = bot_environ(tmp_path, slack_url=o.slack_url, sim_url=o.sim_url)
        environ.update({"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": f"{slack_side}/api/"})
        with pytest.raises(AssertionError, match="exited at start-up") as failed:
            async with bot_process(environ, tmp_path=tmp_path):
                pass
    log = str(failed.value)
    assert '"event":"socket_mode.refused"' in log
    assert "invalid_auth" in log
    assert APP_TOKEN not in log
    assert standin.opened == 0


@contextlib.asynccontextmanager
async def socket_mode_stack(tmp_path: Path, **environ: str) -> AsyncIterator[Stack]:
    """A stack in Socket Mode, connected; the stand-in (Slack's side) is `stack.extra["standin"]`."""
    standin = SocketModeStandIn(app_token=APP_TOKEN)
    async with (
        standin.running() as slack_side,
        running_stack(
            tmp_path,
            environ={
                "SLACK_APP_TOKEN": APP_TOKEN,
                "SLACK_API_URL": f"{slack_side}/api/",
                **environ,
            },
        ) as stack,
    ):
        standin.upstream = stack.slack_url
        await asyncio.wait_for(standin.connected.wait(), timeout=5)
        stack.extra["standin"] = standin
        yield stack


async def card_requested_over_the_socket(stack: Stack) -> str:
    """DEV asks for a production deploy through the WebSocket; returns the card's request id."""
    standin: SocketModeStandIn = stack.extra["standin"]
    await standin.send(
        "slash_commands", command_payload(stack, f"deploy {PROD}", user_id=DEV, channel_id=CHANNEL)
    )
    message = await stack.fake.wait_for(lambda f: next(iter(cards(f)), None), timeout=5)
    return approval_id_of(message)


def unsigned_approve(stack: Stack, approval_id: str) -> bytes:
    """An Approve click on the card, as an attacker on the internet would post it."""
    message = cards(stack.fake)[0]
    block_id, _ = find_button(message.blocks, APPROVE)
    return block_actions_body(
        user_id=LEAD1,
        user_name="lea",
        team_id=stack.fake.identity.team_id,
        channel_id=CHANNEL,
        channel_name="deploys",
        message_ts=message.ts,
        action_id=APPROVE,
        block_id=block_id,
        value=approval_id,
        response_url=stack.agent.response_url("none"),
        trigger_id="13345224609.738474920.8088930838d88f008e0",
    )


async def test_without_a_signing_secret_slack_events_does_not_exist(tmp_path: Path) -> None:
    """The HTTP port is public for oec.sh; without a signing secret nothing posted to
    /slack/events can be verified, so nothing there is served: not a command, not a click."""
    async with socket_mode_stack(tmp_path, SLACK_SIGNING_SECRET="") as stack:
        assert stack.settings.slack_signing_secret is None
        approval_id = await card_requested_over_the_socket(stack)
        events = f"{stack.bot_url}/slack/events"

        command = command_body(stack, f"deploy {PROD} -- forged")
        signed_as_the_tests_sign = stack.agent.post_signed(command)
        click = unsigned_approve(stack, approval_id)
        answers = [
            await stack.http.post(events, content=command, headers=FORM),
            await signed_as_the_tests_sign,
            await stack.http.post(events, content=click, headers=FORM),
        ]

        assert [r.status_code for r in answers] == [404, 404, 404]
        assert_undecided(stack, approval_id)
        assert len(cards(stack.fake)) == 1
        assert await stack.actions_sent() == []


async def test_in_socket_mode_with_a_secret_slack_events_verifies_as_in_http_mode(
    tmp_path: Path,
) -> None:
    async with socket_mode_stack(tmp_path) as stack:
        approval_id = await card_requested_over_the_socket(stack)
        events = f"{stack.bot_url}/slack/events"

        command = command_body(stack, f"deploy {PROD} -- forged")
        click = unsigned_approve(stack, approval_id)
        unsigned = [
            await stack.http.post(events, content=command, headers=FORM),
            await stack.http.post(events, content=click, headers=FORM),
        ]
        assert [r.status_code for r in unsigned] == [401, 401]
        a = stack.c.store.approvals.get(approval_id)
        assert a is not None
        assert a.state is ApprovalState.PENDING

        # Signed as Slack signs it, the same click over HTTP is applied.
        r = await stack.agent.click(cards(stack.fake)[0], APPROVE, user_id=LEAD1)
        assert r.status_code == 200
        await wait_card(stack.fake, approval_id, "has started", timeout=10)
        assert len(await stack.actions_sent()) == 1
