"""The changing `/oec` verbs end to end: deploy, redeploy, restart, start, stop.

A signed slash command in; the action reaches oec.sh once (with the body and key it needs),
one living message appears in the channel, an audit row is written. A viewer's attempt sends
nothing and is audited as denied.
"""

from __future__ import annotations

import re

import pytest

from oec_chatops.playground import FakeSlack, Message
from oec_chatops.sim.seed import seed_id
from tests.support.commands_helpers import (
    ask,
    audit_rows,
    deployment_messages,
    final_word,
    render,
)
from tests.support.stack import CHANNEL, DEV, VIEWER, Stack
from tests.support.stepped_clock import SteppedClock

ACTION_VERBS_SHOWN = ("/oec deploy", "/oec redeploy", "/oec restart", "/oec start", "/oec stop")


@pytest.fixture
def stack(stepped_stack: Stack) -> Stack:
    """Every action here runs on the stepped clock: a task's minutes are moved, never slept."""
    return stepped_stack


def completed(fake: FakeSlack) -> list[Message]:
    """The deployment messages that show their task completed."""
    return [m for m in deployment_messages(fake) if "completed" in final_word(m)]


def reads(requests: list[dict[str, object]], suffix: str) -> list[dict[str, object]]:
    return [r for r in requests if r["method"] == "GET" and str(r["path"]).endswith(suffix)]


# -- actions -------------------------------------------------------------------------------------


async def test_deploy_with_modules_reaches_the_api_once_and_posts_in_the_channel(
    stack: Stack,
    stepped: SteppedClock,
) -> None:
    r = await stack.agent.command(
        "deploy acme-shop/staging --modules sale_custom,stock", user_id=DEV, channel_id=CHANNEL
    )
    assert r.status_code == 200

    (message,) = await stepped.until(lambda: deployment_messages(stack.fake))
    (sent,) = await stack.actions_sent()
    env_id = seed_id("env/acme-shop/staging")
    assert sent["path"] == f"/api/public/v1/environments/{env_id}/deploy"
    assert sent["body"] == {"update_modules": ["sale_custom", "stock"]}
    assert sent["idempotency_key"]
    assert sent["tier"] == "full_access"
    shown = render(message.blocks)
    assert "Deploy acme-shop/staging" in shown
    assert "<@U0DEV1>" in shown
    (task_id,) = [t for t, task in stack.sim.tasks.items() if task.environment_id == env_id][-1:]
    assert task_id in shown
    assert "`sale_custom`" in shown

    rows = [r for r in audit_rows(stack) if r["action"] == "action.deploy"]
    assert len(rows) == 1
    assert rows[0]["actor"] == DEV
    assert rows[0]["target"] == "acme-shop/staging"
    assert rows[0]["result"] == "accepted"
    assert rows[0]["detail"]["task_id"] == task_id
    assert rows[0]["detail"]["modules"] == ["sale_custom", "stock"]


async def test_deploy_with_all_modules(stack: Stack, stepped: SteppedClock) -> None:
    await stack.agent.command(
        "deploy acme-shop/staging --modules all", user_id=DEV, channel_id=CHANNEL
    )
    await stepped.until(lambda: deployment_messages(stack.fake))

    (sent,) = await stack.actions_sent()
    assert sent["body"] == {"update_modules": ["all"]}


@pytest.mark.parametrize(
    ("verb", "path"),
    [("redeploy", "deploy"), ("restart", "restart"), ("start", "start"), ("stop", "stop")],
)
async def test_each_action_reaches_its_endpoint_and_ends_completed(
    stack: Stack, stepped: SteppedClock, verb: str, path: str
) -> None:
    await stack.agent.command(f"{verb} acme-shop/development", user_id=DEV, channel_id=CHANNEL)

    (message,) = await stepped.until(lambda: completed(stack.fake))
    (sent,) = await stack.actions_sent()
    env_id = seed_id("env/acme-shop/development")
    assert sent["path"] == f"/api/public/v1/environments/{env_id}/{path}"
    assert sent["body"] in (None, {})  # redeploy is a plain deploy: no module list
    assert f"{verb.title()} acme-shop/development" in render(message.blocks)
    (row,) = [r for r in audit_rows(stack) if r["action"] == f"action.{verb}"]
    assert (row["actor"], row["result"]) == (DEV, "accepted")


async def test_action_on_a_bare_ambiguous_name_sends_nothing(stack: Stack) -> None:
    answer = await ask(stack, "restart staging", user_id=DEV)

    assert "`staging` matches 2 environments" in answer.text
    assert "`acme-shop/staging`" in answer.text
    assert "`globex-erp/staging`" in answer.text
    assert await stack.actions_sent() == []


async def test_a_log_too_long_for_slack_keeps_its_end_and_says_it_was_cut(
    stack: Stack, stepped: SteppedClock
) -> None:
    # 50 module names of 64 characters make two log lines of ~3,300 characters each.
    modules = [f"module_{i:02d}_" + "x" * 54 for i in range(50)]
    await stack.agent.command(
        f"deploy acme-shop/development --modules {','.join(modules)}",
        user_id=DEV,
        channel_id=CHANNEL,
    )
    await stepped.until(lambda: completed(stack.fake))

    answer = await ask(stack, "logs acme-shop/development", user_id=VIEWER)

    section = answer.last.body["blocks"][0]["text"]["text"]
    assert len(section) <= 3000
    assert "Deployment completed successfully" in section
    assert "Modules updated" not in section  # the long line did not fit, and was not split
    note = re.search(r"truncated: showing last (\d+) of (\d+) lines\.", answer.text)
    assert note is not None, answer.text
    assert int(note[1]) < int(note[2])
    assert "oec.sh kept only" not in answer.text


async def test_a_viewer_who_deploys_is_told_the_role_and_nothing_reaches_the_api(
    stack: Stack,
) -> None:
    answer = await ask(stack, "deploy acme-shop/staging", user_id=VIEWER)

    assert "`/oec deploy` needs the deployer role; you are a viewer" in answer.text
    assert "needed: *deployer*" in answer.text
    assert await stack.sim_requests() == []
    assert deployment_messages(stack.fake) == []
    (row,) = audit_rows(stack)
    assert row["actor"] == VIEWER
    assert row["action"] == "command.deploy"
    assert row["target"] == "acme-shop/staging"
    assert row["result"] == "denied"
    assert row["detail"] == {"role": "viewer", "required": "deployer"}
    assert row["request_id"].startswith("req_")
