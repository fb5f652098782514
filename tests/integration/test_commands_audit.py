"""`/oec audit`: the audit trail for admins, newest first, filtered by environment and by
`--since` (the policy's duration parser), one page at a time within Slack's limits.

Signed slash commands in; the answers are read at the fake Slack.
"""

from __future__ import annotations

import time
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.playground import FakeSlack
from oec_chatops.slack.blocks import limit_violations
from tests.support.approval_helpers import build_with
from tests.support.commands_helpers import ask
from tests.support.stack import ADMIN, CHANNEL, DEV, VIEWER, Stack, on_both_engines, running_stack

STAGING = "acme-shop/staging"


async def test_only_admins_read_the_trail_and_a_refusal_is_itself_audited(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        for user in (DEV, VIEWER):
            answer = await ask(stack, "audit", user_id=user)
            assert "needs the admin role" in answer.text
            assert "command.audit" not in answer.text.replace("/oec audit", "")

        answer = await ask(stack, "audit", user_id=ADMIN)
        assert limit_violations(answer.last.body) == []
        # Newest first: VIEWER's refusal, then DEV's.
        assert answer.text.index("U0VIEWER") < answer.text.index("U0DEV1")
        assert answer.text.count("command.audit") == 2
        assert "denied" in answer.text


@on_both_engines
async def test_an_environment_and_a_since_window_narrow_the_trail(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as stack:
        await restart_staging(stack, "old news", count=1)
        clock.advance(3 * 86400)
        await restart_staging(stack, "fresh", count=2)
        # The stack's channel is already subscribed to acme-shop: this changes it.
        await ask(stack, "subscribe acme-shop deploy.failed", user_id=DEV)

        everything = await ask(stack, "audit", user_id=ADMIN)
        assert everything.text.count("action.restart") == 2
        assert "subscription.update" in everything.text

        staging = await ask(stack, f"audit {STAGING}", user_id=ADMIN)
        assert staging.text.count("action.restart") == 2
        assert "subscription.update" not in staging.text  # about the project, not staging

        recent = await ask(stack, f"audit {STAGING} --since 2d", user_id=ADMIN)
        assert recent.text.count("action.restart") == 1
        assert "for the last 2d" in recent.text

        clock.advance(300)
        nothing = await ask(stack, "audit --since 90s", user_id=ADMIN)
        assert "No audit rows for the last 90s" in nothing.text


async def restart_staging(stack: Stack, reason: str, *, count: int) -> None:
    """DEV restarts staging; returns once the action's audit row (the `count`-th) is written
    (its deployment message is posted after, in the same transaction's wake)."""
    r = await stack.agent.command(f"restart {STAGING} -- {reason}", user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200

    def audited(f: FakeSlack) -> bool:
        rows = stack.c.store.audit.recent(action="action.restart")
        return len(rows) >= count

    await stack.fake.wait_for(audited, timeout=5)


async def test_a_since_or_a_page_it_cannot_read_is_refused_with_the_spelling(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path) as stack:
        for text in ("audit --since 7", "audit --since soon", "audit --since 400d"):
            answer = await ask(stack, text, user_id=ADMIN)
            assert "`--since` is a duration such as" in answer.text, text
        answer = await ask(stack, "audit --page 0", user_id=ADMIN)
        assert "`--page` is a number from 1" in answer.text
        answer = await ask(stack, "audit shop/staging/extra", user_id=ADMIN)
        assert "is not an environment" in answer.text
        answer = await ask(stack, "audit nowhere/at-all", user_id=ADMIN)
        assert "No environment matches" in answer.text


@on_both_engines
async def test_a_long_trail_is_paged_within_slacks_limits(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        with stack.c.store.tx():
            for i in range(120):
                stack.c.store.audit.record(
                    at=stack.c.clock.time() - 1000 + i,
                    actor=DEV,
                    action="action.deploy",
                    target=STAGING,
                    result=f"accepted-{i:03d}-" + "x" * 300,
                    detail={"task_id": f"t-{i}"},
                )

        pages = {1: ("119", "070", "069"), 3: ("019", "000", None)}
        for page, (newest, oldest, not_shown) in pages.items():
            answer = await ask(stack, f"audit --page {page}", user_id=ADMIN)
            assert limit_violations(answer.last.body) == []
            assert f"Page {page} of 3" in answer.text
            assert f"accepted-{newest}" in answer.text
            assert f"accepted-{oldest}" in answer.text
            if not_shown is not None:
                assert f"accepted-{not_shown}" not in answer.text
        assert "/oec audit --page 2" in (await ask(stack, "audit", user_id=ADMIN)).text
        assert "--page 4" not in answer.text
