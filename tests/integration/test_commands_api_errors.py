"""When oec.sh is slow, refuses, is busy or is down, the user gets a sentence, never a traceback.

The failures are the simulator's own (its faults, its 409, its read-only refusal) or a port
where nothing listens. The bot waits for retries on a `SkippingClock`, so a 429's minute-long
`Retry-After` costs no real time while the bot still sees it pass.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from oec_chatops.sim.keys import Tier, fingerprint
from oec_chatops.sim.seed import seed_id
from tests.support.command_answers import is_note
from tests.support.commands_helpers import (
    ask,
    audit_rows,
    closed_port_url,
    deployment_messages,
    in_flight_at_the_sim,
    posts_for,
    skipping_stack,
)
from tests.support.stack import CHANNEL, DEV, LEAD1, RW_KEY, Stack, running_stack, sim_settings

REQUEST_ID = re.compile(r"request id `(req_[0-9a-f]{12})`")


def assert_short_and_clean(text: str) -> None:
    assert "Traceback" not in text
    assert "Error(" not in text  # no exception repr
    assert RW_KEY not in text


# -- the ack never waits for oec.sh --------------------------------------------------------------


async def test_the_ack_comes_back_while_the_api_call_is_still_in_flight(stack: Stack) -> None:
    await stack.sim_faults(latency_ms=2000)

    ack = await stack.agent.command("projects", user_id=DEV, channel_id=CHANNEL)

    # The HTTP answer is back: nothing has been answered by oec.sh, nothing said to the user.
    assert ack.status_code == 200
    assert ack.content == b""
    assert all(r["status"] is None for r in await stack.sim_requests())
    assert posts_for(stack.fake, DEV) == []

    # The API call the command needs is now under way (or about to be): wait until the
    # simulator holds it, still unanswered, and the user has still been told nothing.
    in_flight = await in_flight_at_the_sim(stack)
    assert [(r["path"].rsplit("/", 1)[-1], r["status"]) for r in in_flight] == [("projects", None)]
    assert posts_for(stack.fake, DEV) == []

    # Only once oec.sh answers does the answer reach Slack, through the response_url (after
    # the "working on it" note its second of waiting brought).
    *_, post = await stack.fake.wait_for(
        lambda f: p if (p := posts_for(f, DEV)) and not is_note(p[-1].body) else None, timeout=5
    )
    assert "Acme Shop" in post.body["text"]
    assert [r["status"] for r in await stack.sim_requests()] == [200]


# -- refusals that explain themselves -----------------------------------------------------------


async def test_a_key_the_platform_treats_as_read_only_is_named_as_the_problem(
    stack: Stack,
) -> None:
    # oec.sh downgraded the bot's full-access key: it still reads, every change is refused.
    stack.sim.keyring[fingerprint(RW_KEY)] = Tier.READ_ONLY

    answer = await ask(stack, "deploy acme-shop/staging", user_id=DEV)

    assert "The configured API key is read-only" in answer.text
    assert "OEC_API_KEY" in answer.text
    assert_short_and_clean(answer.text)
    (sent,) = await stack.actions_sent()
    assert sent["status"] == 403
    assert deployment_messages(stack.fake) == []
    (row,) = audit_rows(stack)
    assert (row["action"], row["result"]) == ("action.deploy", "error")
    assert row["detail"]["error"] == "OecReadOnlyKey"


async def test_an_action_while_another_runs_names_the_running_task(tmp_path: Path) -> None:
    async with running_stack(tmp_path, sim=sim_settings(task_seconds=60)) as stack:
        await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL)
        await stack.fake.wait_for(lambda f: deployment_messages(f), timeout=5)
        env_id = seed_id("env/acme-shop/staging")
        (running,) = [t for t, task in stack.sim.tasks.items() if task.environment_id == env_id][
            -1:
        ]

        answer = await ask(stack, "restart acme-shop/staging", user_id=LEAD1)

        assert (
            f"Another action is already running on `acme-shop/staging` (task `{running}`)."
            in answer.text
        )
        assert_short_and_clean(answer.text)
        assert [r["status"] for r in await stack.actions_sent()] == [202, 409]
        assert len(deployment_messages(stack.fake)) == 1
        refused = [r for r in audit_rows(stack) if r["action"] == "action.restart"]
        assert [(r["actor"], r["result"]) for r in refused] == [(LEAD1, "error")]
        assert refused[0]["detail"]["task_id"] == running


# -- oec.sh down ---------------------------------------------------------------------------------


async def test_oec_failing_every_read_gives_a_short_message_with_the_request_id(
    tmp_path: Path,
) -> None:
    async with skipping_stack(tmp_path) as (stack, clock):
        await stack.sim_faults(error_rate=1.0)

        answer = await ask(stack, "status acme-shop/staging", user_id=DEV)

        assert "oec.sh is having trouble (HTTP 500)" in answer.text
        assert REQUEST_ID.search(answer.text), answer.text
        assert_short_and_clean(answer.text)
        assert len(answer.last.body["text"]) < 200
        # GETs are retried with backoff on the bot's clock before the user hears of it.
        statuses = [r["status"] for r in await stack.sim_requests()]
        assert statuses == [500, 500, 500, 500]
        assert len(clock.slept) == 3


async def test_oec_failing_an_action_gives_a_short_message_and_an_audit_row(
    tmp_path: Path,
) -> None:
    async with skipping_stack(tmp_path) as (stack, _clock):
        await ask(stack, "status acme-shop/staging", user_id=DEV)  # the bot knows the env
        await stack.sim_faults(error_rate=1.0)

        answer = await ask(stack, "deploy acme-shop/staging", user_id=DEV)

        assert "oec.sh is having trouble (HTTP 503)" in answer.text
        assert REQUEST_ID.search(answer.text), answer.text
        assert_short_and_clean(answer.text)
        sent = await stack.actions_sent()
        assert {r["status"] for r in sent} == {503}
        assert len({r["idempotency_key"] for r in sent}) == 1  # every retry the same intent
        assert deployment_messages(stack.fake) == []
        (row,) = [r for r in audit_rows(stack) if r["action"] == "action.deploy"]
        assert row["result"] == "error"
        assert row["detail"]["error"] == "OecServerError"


async def test_oec_unreachable_gives_a_short_message_with_the_request_id(tmp_path: Path) -> None:
    nowhere = closed_port_url()
    async with skipping_stack(
        tmp_path, environ={"OEC_API_URL": f"{nowhere}/api/public/v1"}, webhook_events=None
    ) as (stack, _clock):
        status = await ask(stack, "status acme-shop/staging", user_id=DEV)
        deploy = await ask(stack, "deploy acme-shop/staging", user_id=DEV)

        for answer in (status, deploy):
            assert "oec.sh cannot be reached" in answer.text
            assert REQUEST_ID.search(answer.text), answer.text
            assert_short_and_clean(answer.text)
            assert nowhere not in answer.text
        ids = {REQUEST_ID.findall(a.text)[0] for a in (status, deploy)}
        assert len(ids) == 2  # each command its own id, to find its log lines
        assert await stack.sim_requests() == []


# -- oec.sh rate limiting us ---------------------------------------------------------------------


async def test_a_429_is_announced_waited_out_and_then_the_command_succeeds(
    tmp_path: Path,
) -> None:
    async with skipping_stack(tmp_path) as (stack, clock):
        await stack.sim_faults(force_429=1)

        answer = await ask(stack, "status acme-shop/staging", user_id=DEV, posts=2)

        notice, status = answer.posts
        said = re.search(r"oec.sh is rate limiting us; retrying in (\d+) s", notice.body["text"])
        assert said is not None, notice.body
        assert "acme-shop/staging: running" in status.body["text"]
        # The wait announced is the wait taken, on the bot's clock, as the 429 asked.
        assert math.ceil(clock.slept[0]) == int(said[1])
        assert [r["status"] for r in await stack.sim_requests()][:2] == [429, 200]


async def test_a_429_on_an_action_is_waited_out_and_the_action_sent_once(tmp_path: Path) -> None:
    async with skipping_stack(tmp_path) as (stack, _clock):
        await ask(stack, "status acme-shop/staging", user_id=DEV)
        await stack.sim_faults(force_429=1)

        await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL)

        (notice,) = await stack.fake.wait_for(lambda f: posts_for(f, DEV)[1:], timeout=5)
        assert "oec.sh is rate limiting us; retrying in" in notice.body["text"]
        await stack.fake.wait_for(lambda f: deployment_messages(f), timeout=5)
        sent = await stack.actions_sent()
        assert [r["status"] for r in sent] == [429, 202]
        assert sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
