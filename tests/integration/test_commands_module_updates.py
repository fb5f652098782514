"""`/oec update`, `/oec pull` and `/oec reinit` end to end.

A signed slash command in; the quick update reaches oec.sh once (mode, modules, key), one
living message follows its `deploy` task to the end, an audit row is written. Protected
environments wait for an approval like a deploy; a reinit waits for one everywhere, shows its
data-reset warning on the card and in the reply, and is for admins only. Bad module lists and
hosts without quick updates are refused before anything is sent or any card is posted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oec_chatops.playground import FakeSlack, Message
from oec_chatops.sim.seed import seed_id
from tests.support.approval_helpers import (
    APPROVE,
    actions_with_key,
    approval_id_of,
    audit_steps,
    cards,
    flat,
    request_change,
    wait_card,
    wait_ephemeral,
)
from tests.support.commands_helpers import ask, audit_rows, deployment_messages, final_word, render
from tests.support.hosts import hosts_stack
from tests.support.stack import ADMIN, CHANNEL, DEV, LEAD1, Stack, on_both_engines
from tests.support.stepped_clock import SteppedClock

STAGING = "acme-shop/staging"
WARNING = "Module data may be reset"


@pytest.fixture
def stack(stepped_stack: Stack) -> Stack:
    """Tasks run on the stepped clock: their minutes are moved, never slept."""
    return stepped_stack


def completed(fake: FakeSlack, header: str) -> list[Message]:
    return [
        m
        for m in deployment_messages(fake)
        if header in render(m.blocks) and "completed" in final_word(m)
    ]


def quick_updates(requests: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        r for r in requests if r["method"] == "POST" and str(r["path"]).endswith("/quick-update")
    ]


@on_both_engines
async def test_update_of_named_modules_is_sent_once_and_followed_to_the_end(
    stack: Stack, stepped: SteppedClock
) -> None:
    await stack.agent.command(
        f"update {STAGING} sale_custom, stock -- invoice fix", user_id=DEV, channel_id=CHANNEL
    )

    (message,) = await stepped.until(lambda: completed(stack.fake, f"Update {STAGING}"))
    (sent,) = quick_updates(await stack.sim_requests())
    env_id = seed_id(f"env/{STAGING}")
    assert sent["path"] == f"/api/public/v1/environments/{env_id}/quick-update"
    assert sent["body"] == {"mode": "update_specific", "modules": ["sale_custom", "stock"]}
    assert sent["idempotency_key"]
    (task_id,) = [t for t, task in stack.sim.tasks.items() if task.environment_id == env_id][-1:]
    assert stack.sim.tasks[task_id].to_json(now=stack.sim.now())["type"] == "deploy"
    shown = render(message.blocks)
    for needle in (task_id, "`sale_custom`", "`stock`", "<@U0DEV1>", "invoice fix"):
        assert needle in shown, needle
    assert len(deployment_messages(stack.fake)) == 1  # one living message, updated in place
    (row,) = [r for r in audit_rows(stack) if r["action"] == "action.update"]
    assert (row["actor"], row["target"], row["result"]) == (DEV, STAGING, "accepted")
    assert row["detail"]["task_id"] == task_id
    assert row["detail"]["modules"] == ["sale_custom", "stock"]


@pytest.mark.parametrize(
    ("text", "header", "body"),
    [
        ("update acme-shop/development all", "Update", {"mode": "update_all"}),
        ("pull acme-shop/development", "Pull", {"mode": "pull_restart"}),
    ],
)
async def test_update_all_and_pull_send_their_mode(
    stack: Stack, stepped: SteppedClock, text: str, header: str, body: dict[str, object]
) -> None:
    await stack.agent.command(text, user_id=DEV, channel_id=CHANNEL)

    (message,) = await stepped.until(
        lambda: completed(stack.fake, f"{header} acme-shop/development")
    )
    (sent,) = quick_updates(await stack.sim_requests())
    assert sent["body"] == body
    if body["mode"] == "update_all":
        assert "all modules" in render(message.blocks)


async def test_an_update_of_production_waits_for_approval_then_is_sent_once(
    stack: Stack, stepped: SteppedClock
) -> None:
    approval_id, message = await request_change(stack, "update acme-shop/production sale_custom")

    assert quick_updates(await stack.sim_requests()) == []
    assert "`sale_custom`" in flat(message.blocks)
    assert WARNING not in flat(message.blocks)  # an update resets nothing
    await stack.agent.click(message, APPROVE, user_id=LEAD1)
    await wait_card(stack.fake, approval_id, "has started", timeout=10)

    (sent,) = quick_updates(await stack.sim_requests())
    assert sent["idempotency_key"] == approval_id
    assert sent["body"] == {"mode": "update_specific", "modules": ["sale_custom"]}
    await stepped.until(lambda: completed(stack.fake, "Update acme-shop/production"))
    assert (DEV, "action.update", "accepted") in audit_steps(stack.c, approval_id)
    assert len(actions_with_key(await stack.sim_requests(), approval_id)) == 1


async def test_a_reinit_waits_for_approval_even_where_nothing_is_protected(
    stack: Stack, stepped: SteppedClock
) -> None:
    before = {m.ts for m in cards(stack.fake)}
    r = await stack.agent.command(
        f"reinit {STAGING} sale_custom -- broken demo data", user_id=ADMIN, channel_id=CHANNEL
    )
    assert r.status_code == 200

    message = await stack.fake.wait_for(
        lambda f: next((m for m in cards(f) if m.ts not in before), None)
    )
    reply = await wait_ephemeral(stack.fake, ADMIN, "always needs an approval")
    assert WARNING in reply.text + flat(reply.blocks)
    shown = flat(message.blocks)
    for needle in (WARNING, "reinit", STAGING, "`sale_custom`", "broken demo data"):
        assert needle in shown, needle
    approve = next(
        e
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == APPROVE
    )
    assert WARNING in approve["confirm"]["text"]["text"]  # said again as the approver confirms
    assert quick_updates(await stack.sim_requests()) == []

    approval_id = approval_id_of(message)
    await stack.agent.click(message, APPROVE, user_id=LEAD1)
    await wait_card(stack.fake, approval_id, "has started", timeout=10)
    (sent,) = quick_updates(await stack.sim_requests())
    assert sent["idempotency_key"] == approval_id
    assert sent["body"] == {"mode": "reinitialize_specific", "modules": ["sale_custom"]}
    await stepped.until(lambda: completed(stack.fake, f"Reinit {STAGING}"))


async def test_a_reinit_by_a_deployer_is_refused_and_asks_nobody(stack: Stack) -> None:
    answer = await ask(stack, f"reinit {STAGING} sale_custom", user_id=DEV)

    assert "needs the admin role" in answer.text
    assert cards(stack.fake) == []
    assert await stack.sim_requests() == []
    (row,) = [r for r in audit_rows(stack) if r["action"] == "command.reinit"]
    assert (row["actor"], row["result"]) == (DEV, "denied")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"update {STAGING} Sale-Custom", "Did you mean `sale_custom`?"),
        (f"update {STAGING} sale_custom,3d_view", "Not a technical module name: `3d_view`"),
        (
            f"update {STAGING} " + ",".join(f"module_{i}" for i in range(51)),
            "At most 50 modules at once (51 given)",
        ),
        (f"update {STAGING} all,stock", "`all` already means every module"),
        (f"update {STAGING}", "needs the modules to update, or `all`"),
        (f"reinit {STAGING} all", "never takes `all`"),
        (f"pull {STAGING} --modules stock", "takes the modules without `--modules`"),
    ],
)
async def test_module_lists_are_checked_before_anything_is_sent(
    stack: Stack, text: str, said: str
) -> None:
    answer = await ask(stack, text, user_id=ADMIN)

    assert said in answer.text
    assert "Usage: `/oec " in answer.text
    assert await stack.sim_requests() == []
    assert cards(stack.fake) == []


async def test_fifty_modules_are_accepted(stack: Stack, stepped: SteppedClock) -> None:
    names = [f"module_{i}" for i in range(50)]
    await stack.agent.command(
        f"update acme-shop/development {','.join(names)}", user_id=DEV, channel_id=CHANNEL
    )

    await stepped.until(lambda: completed(stack.fake, "Update acme-shop/development"))
    (sent,) = quick_updates(await stack.sim_requests())
    assert sent["body"] == {"mode": "update_specific", "modules": names}


async def test_a_typo_of_the_new_verbs_is_corrected(stack: Stack) -> None:
    answer = await ask(stack, f"updte {STAGING} all", user_id=DEV)

    assert f"Did you mean `/oec update {STAGING} all`?" in answer.text


async def test_help_update_shows_its_examples(stack: Stack) -> None:
    answer = await ask(stack, "help update", user_id=DEV)

    assert "/oec update shop/production sale_custom,stock -- fixing invoice totals" in answer.text
    assert "/oec update acme-shop/development all" in answer.text  # on the user's own data
    listing = await ask(stack, "help", user_id=DEV)
    assert "/oec pull" in listing.text
    assert "/oec reinit" not in listing.text  # admins only: not listed for a deployer


async def test_ocore_and_deployerp_are_told_module_updates_are_not_offered(
    tmp_path: Path,
) -> None:
    async with hosts_stack(tmp_path) as hosts:
        stack = hosts.stack
        for text, user, host in (
            ("update ocore:eu-1/shop-staging all", DEV, "oCore"),
            ("pull derp:eu-1/shop-staging", DEV, "deployERP"),
            ("reinit derp:eu-1/shop-prod sale_custom", ADMIN, "deployERP"),  # protected there
        ):
            answer = await ask(stack, text, user_id=user)
            assert f"not offered by {host}" in answer.text, text
        assert cards(stack.fake) == []  # refused before any approval is asked for
        status = await ask(stack, "status ocore:eu-1/shop-staging", user_id=DEV)
        assert ":stethoscope:" not in status.text  # no metrics there: no line, and no call
        everywhere = await hosts.everywhere()
        assert [r for r in everywhere if r["method"] == "POST"] == []

        # oec.sh's own environments still take them, through the same bot.
        await stack.agent.command("pull acme-shop/development", user_id=DEV, channel_id=CHANNEL)
        await stack.fake.wait_for(lambda f: deployment_messages(f) or None, timeout=10)
        (sent,) = quick_updates(await stack.sim_requests())
        assert sent["body"] == {"mode": "pull_restart"}
