"""`/oec backups`, `/oec backup` and `/oec restore` on deployERP and oCore environments.

deployERP keeps backups (CONTRACT.md §3 pins a list and a create with an idempotency key, no
restore and no options); oCore keeps none. Each is answered through its adapter, and what
reached each simulator is read from its own request log: nothing is sent that the contract
does not pin, and no `name:`-prefixed id reaches another platform's API.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.support.approval_helpers import (
    APPROVE,
    cards,
    policy_text,
    request_change,
    wait_card,
)
from tests.support.bot_db import own_connection
from tests.support.commands_helpers import ask, deployment_messages, final_word, render
from tests.support.hosts import HostsStack, hosts_stack
from tests.support.stack import ADMIN, DEV, LEAD1, VIEWER, Stack


def backup_deliveries(stack: Stack, task_id: str) -> list[int]:
    """How many outbox rows each stored `backup.completed` delivery of this task queued."""
    with own_connection(stack.settings.oec_chatops_db) as conn:
        rows = conn.execute(
            "SELECT routed FROM deliveries WHERE event = 'backup.completed' AND task_id = ?",
            (task_id,),
        ).fetchall()
    return [int(r[0] or 0) for r in rows]


def outbox_kinds(stack: Stack) -> set[str]:
    with own_connection(stack.settings.oec_chatops_db) as conn:
        return {r[0] for r in conn.execute("SELECT DISTINCT kind FROM outbox")}


def backup_tasks(stack: Stack) -> list[str]:
    with own_connection(stack.settings.oec_chatops_db) as conn:
        return [r[0] for r in conn.execute("SELECT task_id FROM deployments WHERE verb = 'backup'")]


def derp_backup_posts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if r["method"] == "POST" and r["path"].endswith("/backups")]


async def test_deployerp_backups_are_listed_taken_and_followed(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path) as hosts:
        await _listed_taken_followed(hosts)


async def _listed_taken_followed(hosts: HostsStack) -> None:
    stack = hosts.stack
    listed = await ask(stack, "backups derp:eu-1/shop-prod", user_id=VIEWER)
    assert "Backups of derp:eu-1/shop-prod" in listed.text
    assert "bkp_seed" in listed.text
    assert "/oec restore" not in listed.text  # deployERP has no restore: never hinted at

    subscribed = await ask(stack, "subscribe derp:eu-1", user_id=ADMIN)  # backup.* included
    assert "derp:eu-1" in subscribed.text
    answer = await ask(stack, "backup derp:eu-1/shop-staging", user_id=DEV)
    assert "Backup of `derp:eu-1/shop-staging` started" in answer.text
    [sent] = derp_backup_posts(await hosts.requests(hosts.derp_url))
    assert sent["body"] == {"instance_id": "ins_shop_staging"}
    assert sent["idempotency_key"]

    def done() -> list[Any]:
        return [
            m
            for m in deployment_messages(stack.fake)
            if "Backup derp:eu-1/shop-staging" in render(m.blocks) and "completed" in final_word(m)
        ]

    await stack.fake.wait_for(lambda f: done() or None, timeout=10)
    # deployERP's own `backup.completed` for it ends that message; it posts no second one.
    [task_id] = backup_tasks(stack)
    async with asyncio.timeout(10):
        while not (delivered := backup_deliveries(stack, task_id)):  # noqa: ASYNC110 - a DB
            await asyncio.sleep(0.02)
    assert delivered in ([0], [1])  # to the living message, if it was not ended yet
    assert "event" not in outbox_kinds(stack)
    for r in await stack.sim_requests():  # nothing of deployERP's reached oec.sh
        assert "ins_shop" not in str(r["path"])


async def test_deployerp_refuses_what_its_api_does_not_have(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path) as hosts:
        stack = hosts.stack
        noted = await ask(stack, "backup derp:eu-1/shop-staging -- before the import", user_id=DEV)
        partial = await ask(stack, "backup derp:eu-1/shop-staging --no-filestore", user_id=DEV)
        restore = await ask(stack, "restore derp:eu-1/shop-prod bkp_seed_1", user_id=ADMIN)

        assert "deployERP's backups take no options" in noted.text
        assert "deployERP's backups take no options" in partial.text
        assert "Restoring is not offered by deployERP" in restore.text
        assert cards(stack.fake) == []
        requests = await hosts.requests(hosts.derp_url)
        assert derp_backup_posts(requests) == []
        assert not [r for r in requests if "restore" in str(r["path"])]


async def test_ocore_keeps_no_backups(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path) as hosts:
        stack = hosts.stack
        taken = await ask(stack, "backup ocore:eu-1/shop-staging", user_id=DEV)
        restore = await ask(stack, "restore ocore:eu-1/shop-staging abcdef12", user_id=ADMIN)

        assert "Backups are not offered by oCore" in taken.text
        assert "Backups are not offered by oCore" in restore.text
        assert cards(stack.fake) == []
        for r in await hosts.requests(hosts.ocore_url):
            assert "backup" not in str(r["path"])


async def test_deployerp_takes_the_backup_before_an_approved_change(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path, policy=policy_text(backup_before=True)) as hosts:
        stack = hosts.stack
        approval_id, card = await request_change(stack, "restart derp:eu-1/shop-prod")
        await stack.agent.click(card, APPROVE, user_id=LEAD1)
        await wait_card(stack.fake, approval_id, "has started", timeout=15)

        requests = await hosts.requests(hosts.derp_url)
        [taken] = derp_backup_posts(requests)
        [restart] = [r for r in requests if r["path"].endswith("/ins_shop_prod/restart")]
        assert taken["body"] == {"instance_id": "ins_shop_prod"}
        assert taken["seq"] < restart["seq"]
        assert restart["idempotency_key"] == approval_id
