"""`/oec backup` and `/oec restore` end to end, on oec.sh.

A signed slash command in; what reached oec.sh is read from the simulator's request log, what
people saw from the fake Slack. A backup is taken at once and followed by one living message;
a restore is always an approval request, its backup checked (and shown) before any card, and
sent once after the approval with `X-Confirm-Restore` and the approval id as its key.
"""

from __future__ import annotations

from typing import Any

from oec_chatops.domain import ApprovalState
from oec_chatops.playground import Message
from oec_chatops.sim.seed import seed_id
from tests.support.approval_helpers import APPROVE, cards, request_change, wait_card
from tests.support.commands_helpers import ask, audit_rows, deployment_messages, final_word, render
from tests.support.stack import ADMIN, CHANNEL, DEV, LEAD1, LEAD2, VIEWER, Stack, on_both_engines
from tests.support.stepped_clock import SteppedClock

STAGING = seed_id("env/acme-shop/staging")
PRODUCTION = seed_id("env/acme-shop/production")


def backup_posts(requests: list[dict[str, Any]], env_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in requests
        if r["method"] == "POST" and r["path"].endswith(f"/environments/{env_id}/backups")
    ]


def restores(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if r["method"] == "POST" and r["path"].endswith("/restore")]


def seeded_backup(stack: Stack, env_id: str) -> str:
    """The newest seeded (nightly, completed) backup of an environment."""
    return stack.sim.backups.of(env_id, now=stack.sim.now())[0].id


async def restore_requested(stack: Stack, *, short: bool = False) -> tuple[str, str, Message]:
    """An admin asks to restore staging's newest nightly: the backup id, approval id, card."""
    backup_id = seeded_backup(stack, STAGING)
    typed = backup_id[:8] if short else backup_id
    approval_id, card = await request_change(
        stack, f"restore acme-shop/staging {typed} -- the import broke it", user_id=ADMIN
    )
    return backup_id, approval_id, card


# -- /oec backup ---------------------------------------------------------------------------------


@on_both_engines
async def test_a_backup_is_taken_and_its_message_follows_it_to_completion(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    stack = stepped_stack
    answer = await ask(
        stack, "backup acme-shop/staging --no-filestore -- before the price import", user_id=DEV
    )

    assert "Backup of `acme-shop/staging` started (the database only)" in answer.text
    [sent] = backup_posts(await stack.sim_requests(), STAGING)
    assert sent["body"] == {
        "backup_type": "manual",
        "include_filestore": False,
        "notes": "before the price import",
    }
    assert sent["idempotency_key"] is None  # the route takes none (§9.4)
    assert sent["status"] == 201
    [backup] = [b for b in stack.sim.backups.of(STAGING, now=stack.sim.now()) if b.task]
    assert backup.task is not None

    def done() -> list[Any]:
        return [m for m in deployment_messages(stack.fake) if "completed" in final_word(m)]

    [message] = await stepped.until(done)
    shown = render(message.blocks)
    assert "Backup acme-shop/staging" in shown
    assert "Deploy" not in shown
    assert backup.task.id in shown
    assert "before the price import" in shown
    assert len(deployment_messages(stack.fake)) == 1  # one living message, updated in place
    [row] = [r for r in audit_rows(stack) if r["action"] == "action.backup"]
    assert (row["actor"], row["result"]) == (DEV, "accepted")


async def test_a_backup_of_a_protected_environment_needs_no_approval(stack: Stack) -> None:
    answer = await ask(stack, "backup acme-shop/production", user_id=DEV)

    assert "Backup of `acme-shop/production` started (database and filestore)" in answer.text
    [sent] = backup_posts(await stack.sim_requests(), PRODUCTION)
    assert sent["body"] == {"backup_type": "manual", "include_filestore": True}
    assert cards(stack.fake) == []


async def test_a_viewer_cannot_take_a_backup(stack: Stack) -> None:
    answer = await ask(stack, "backup acme-shop/staging", user_id=VIEWER)

    assert "needs the deployer role" in answer.text
    assert backup_posts(await stack.sim_requests(), STAGING) == []


async def test_a_backup_while_another_runs_says_so(stack: Stack) -> None:
    await ask(stack, "backup acme-shop/staging", user_id=DEV)
    second = await ask(stack, "backup acme-shop/staging", user_id=DEV)

    assert "already" in second.text.lower()
    assert [r["status"] for r in backup_posts(await stack.sim_requests(), STAGING)] == [201, 409]
    assert len([r for r in audit_rows(stack) if r["action"] == "action.backup"]) == 2


# -- /oec restore --------------------------------------------------------------------------------


async def test_a_restore_is_always_approved_first_even_where_nothing_is_protected(
    stack: Stack,
) -> None:
    backup_id, approval_id, card = await restore_requested(stack, short=True)

    shown = render(card.blocks)
    assert "restore" in shown
    assert backup_id in shown  # the snapshot: which backup, when, how big, what it holds
    assert "1 d ago" in shown
    assert "database and filestore" in shown
    assert "scheduled" in shown
    assert "completed" in shown
    assert " MB" in shown or " GB" in shown
    assert restores(await stack.sim_requests()) == []
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert (a.state, a.backup_id) == (ApprovalState.PENDING, backup_id)


@on_both_engines
async def test_an_approved_restore_is_sent_once_with_its_confirmation_and_key(
    stack: Stack,
) -> None:
    backup_id, approval_id, card = await restore_requested(stack)

    first = await stack.agent.click(card, APPROVE, user_id=LEAD1)
    second = await stack.agent.click(card, APPROVE, user_id=LEAD2)  # a second click: no effect
    await wait_card(stack.fake, approval_id, "has started", timeout=10)

    assert first.status_code == second.status_code == 200
    [sent] = restores(await stack.sim_requests())
    assert sent["path"].endswith(f"/backups/{backup_id}/restore")
    assert sent["idempotency_key"] == approval_id
    assert sent["status"] == 202  # the simulator answers 400 without X-Confirm-Restore: true
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.DONE

    def restoring() -> list[Any]:
        return [
            m
            for m in deployment_messages(stack.fake)
            if "Restore acme-shop/staging" in render(m.blocks)
        ]

    await stack.fake.wait_for(lambda f: restoring() or None, timeout=5)


async def test_a_restore_answer_lost_is_asked_again_with_the_same_key(stack: Stack) -> None:
    _, approval_id, card = await restore_requested(stack)
    await stack.sim_faults(lose_next_answers=1)

    await stack.agent.click(card, APPROVE, user_id=LEAD1)
    await wait_card(stack.fake, approval_id, "has started", timeout=30)

    sent = restores(await stack.sim_requests())
    assert len(sent) >= 2
    assert {r["idempotency_key"] for r in sent} == {approval_id}
    restored = [t for t in stack.sim.tasks_of(STAGING) if t.kind.name == "RESTORE"]
    assert len(restored) == 1  # the same key: the first call's task, never a second restore


async def test_restore_needs_the_admin_role(stack: Stack) -> None:
    backup_id = seeded_backup(stack, STAGING)
    answer = await ask(stack, f"restore acme-shop/staging {backup_id}", user_id=DEV)

    assert "needs the admin role" in answer.text
    assert cards(stack.fake) == []


async def test_an_unknown_backup_is_refused_before_any_card(stack: Stack) -> None:
    answer = await ask(stack, "restore acme-shop/staging deadbeef", user_id=ADMIN)

    assert "No backup `deadbeef` of `acme-shop/staging`" in answer.text
    assert "/oec backups acme-shop/staging" in answer.text
    assert cards(stack.fake) == []
    assert restores(await stack.sim_requests()) == []


async def test_another_environments_backup_is_refused_before_any_card(stack: Stack) -> None:
    other = seeded_backup(stack, PRODUCTION)
    answer = await ask(stack, f"restore acme-shop/staging {other}", user_id=ADMIN)

    assert "belongs to another environment" in answer.text
    assert cards(stack.fake) == []
    requests = await stack.sim_requests()
    assert [r["path"] for r in requests if r["path"].endswith(f"/backups/{other}")]  # it was read
    assert restores(requests) == []


async def test_a_backup_not_completed_is_refused_before_any_card(stack: Stack) -> None:
    await ask(stack, "backup acme-shop/staging", user_id=DEV)
    [running] = [b for b in stack.sim.backups.of(STAGING, now=stack.sim.now()) if b.task]

    answer = await ask(stack, f"restore acme-shop/staging {running.id[:8]}", user_id=ADMIN)

    assert "only a completed backup can be restored" in answer.text
    assert cards(stack.fake) == []
    assert restores(await stack.sim_requests()) == []


async def test_a_malformed_backup_id_is_refused_by_the_grammar(stack: Stack) -> None:
    answer = await ask(stack, "restore acme-shop/staging ../x", user_id=ADMIN)

    assert "is not a backup id" in answer.text
    assert await stack.sim_requests() == []
    assert CHANNEL  # the channel saw nothing either
    assert cards(stack.fake) == []


async def test_an_unknown_full_backup_id_is_asked_of_oec_and_refused(stack: Stack) -> None:
    unknown = "0f0e0d0c-0b0a-4909-8807-060504030201"
    answer = await ask(stack, f"restore acme-shop/staging {unknown}", user_id=ADMIN)

    assert f"No backup `{unknown}` of `acme-shop/staging`" in answer.text
    [asked] = [r for r in await stack.sim_requests() if r["path"].endswith(f"/backups/{unknown}")]
    assert asked["status"] == 404  # `{"detail": "Backup not found"}`, the string shape (§9.3)
    assert cards(stack.fake) == []


async def test_a_backup_that_expired_before_the_approval_fails_the_request_saying_why(
    stack: Stack,
) -> None:
    backup_id, approval_id, card = await restore_requested(stack)
    stack.sim.backups.backups[backup_id].fixed_status = "expired"  # retention ran meanwhile

    await stack.agent.click(card, APPROVE, user_id=LEAD1)
    shown = await wait_card(stack.fake, approval_id, "failed", timeout=10)

    assert "Backup is not in COMPLETED status" in render(shown.blocks)  # §9.3's string shape
    [sent] = restores(await stack.sim_requests())
    assert sent["status"] == 400
    a = stack.c.store.approvals.get(approval_id)
    assert a is not None
    assert a.state is ApprovalState.FAILED


async def test_a_restore_is_refused_during_a_freeze_before_any_card(stack: Stack) -> None:
    """A restore changes the environment: a freeze refuses it as it refuses a deploy."""
    backup_id = seeded_backup(stack, STAGING)
    await ask(stack, "freeze acme-shop/staging for 1h -- stock count", user_id=ADMIN)

    answer = await ask(stack, f"restore acme-shop/staging {backup_id} -- undo it", user_id=ADMIN)

    assert "is frozen until" in answer.text
    assert "stock count" in answer.text
    assert cards(stack.fake) == []
    assert restores(await stack.sim_requests()) == []
