"""App Home: opening the tab publishes the opener's view; approvals are decided from it with the
card's own buttons, once; it is refreshed on change, debounced on the bot's clock; a platform
that does not answer costs the Home a line, not the Home.

Slack's side is the fake Slack over HTTP: the `app_home_opened` event and the Home clicks are
signed as Slack signs them, and every assertion reads what reached the fake or the simulator.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.domain import ApprovalState
from oec_chatops.playground import FakeSlack
from oec_chatops.playground.payloads import view_block_actions_body
from oec_chatops.services.home_refresh import REFRESH_GAP
from oec_chatops.slack.blocks import view_violations
from oec_chatops.slack.blocks.home import home_block_id
from tests.support.approval_helpers import (
    APPROVE,
    actions_with_key,
    assert_undecided,
    audit_steps,
    build_with,
    request_change,
    wait_card,
)
from tests.support.commands_helpers import ask
from tests.support.home_helpers import (
    action_blocks,
    buttons_of,
    pending_on_home,
    publishes,
    settled,
    wait_home,
)
from tests.support.stack import ADMIN, DEV, LEAD1, LEAD2, VIEWER, on_both_engines, running_stack


@on_both_engines
async def test_opening_the_home_tab_publishes_the_openers_own_view(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        r = await stack.agent.open_home(LEAD1)
        assert r.status_code == 200

        blocks = await wait_home(stack.fake, LEAD1, "acme-shop/staging", "running deployments")
        home = stack.fake.home(LEAD1)
        assert home is not None
        assert view_violations(home.view) == []
        text = str(blocks)
        assert "*deployer*, can approve" in text
        assert "Approvals waiting for you" in text
        # Only the opener's Home was drawn.
        assert [c.args["user_id"] for c in stack.fake.calls("views.publish")] == [LEAD1]

        # The Messages tab fires the same event: it draws nothing.
        await stack.agent.open_home(ADMIN, tab="messages")
        await stack.agent.open_home(VIEWER)
        await wait_home(stack.fake, VIEWER, "*viewer*, cannot approve")
        assert stack.fake.home(ADMIN) is None


async def test_slacks_check_of_the_event_url_is_answered_with_its_challenge(
    tmp_path: Path,
) -> None:
    """Subscribing to `app_home_opened` makes Slack verify the URL once: signed, JSON."""
    async with running_stack(tmp_path) as stack:
        body = json.dumps(
            {
                "token": "x",
                "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                "type": "url_verification",
            }
        ).encode()
        r = await stack.agent.post_signed(body, headers={"Content-Type": "application/json"})
        assert r.status_code == 200
        assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in r.text


@on_both_engines
async def test_approving_from_the_home_runs_once_and_updates_the_card_and_the_home(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, build=build_with()) as stack:
        approval_id, blocks = await pending_on_home(stack, LEAD1)
        assert buttons_of(blocks, approval_id) == ["approval.approve", "approval.reject"]

        # A double click: both reach the bot before the Home is drawn again.
        block_id = home_block_id(approval_id)
        answers = await asyncio.gather(
            stack.agent.click_home(LEAD1, APPROVE, block_id=block_id),
            stack.agent.click_home(LEAD1, APPROVE, block_id=block_id),
        )
        assert [a.status_code for a in answers] == [200, 200]

        await wait_card(stack.fake, approval_id, "has started", timeout=10)
        assert len(actions_with_key(await stack.sim_requests(), approval_id)) == 1
        assert stack.c.store.approvals.get(approval_id).state is ApprovalState.DONE  # type: ignore[union-attr]
        steps = audit_steps(stack.c, approval_id)
        assert ("U0LEAD1", "approval.vote", "approved") in steps
        assert [s for s in steps if s[1] == "action.deploy"] == [
            ("U0DEV1", "action.deploy", "accepted")
        ]
        # The Home is drawn again at once: the request is gone from it, the outcome on top.
        await wait_home(
            stack.fake, LEAD1, ":information_source:", absent=("fixing invoice totals",)
        )


async def test_rejecting_from_the_home_opens_the_reason_form_and_rejects_with_it(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, build=build_with()) as stack:
        approval_id, _ = await pending_on_home(stack, LEAD2)
        await stack.agent.click_home(LEAD2, "approval.reject", block_id=home_block_id(approval_id))
        modal = await stack.fake.wait_for(lambda f: f.views(LEAD2), timeout=5)
        r = await stack.agent.submit_view(
            modal[0],
            values={
                "approval.reject_reason": {
                    "reason": {"type": "plain_text_input", "value": "not on a Friday"}
                }
            },
        )
        assert r.status_code == 200
        await wait_card(stack.fake, approval_id, "rejected", "not on a Friday")
        await wait_home(stack.fake, LEAD2, "was rejected", absent=("fixing invoice totals",))
        assert stack.c.store.approvals.get(approval_id).state is ApprovalState.REJECTED  # type: ignore[union-attr]
        assert actions_with_key(await stack.sim_requests(), approval_id) == []


async def test_a_non_approver_sees_the_request_without_buttons_and_its_requester_may_cancel(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, build=build_with()) as stack:
        approval_id, mine = await pending_on_home(stack, DEV)
        assert buttons_of(mine, approval_id) == ["approval.cancel"]  # the requester's own

        await stack.agent.open_home(VIEWER)
        viewer = await wait_home(stack.fake, VIEWER, "not an approver")
        assert action_blocks(viewer) == []
        assert approval_id[:8] not in str(viewer)


async def test_a_click_from_someone_elses_home_view_decides_nothing(tmp_path: Path) -> None:
    async with running_stack(tmp_path, build=build_with()) as stack:
        approval_id, _ = await pending_on_home(stack, LEAD1)
        home = stack.fake.home(LEAD1)
        assert home is not None
        me = stack.fake.identity
        # LEAD2's click, carrying the Home drawn for LEAD1: Slack would never send it, but a
        # signed request that says so must not decide anything.
        body = view_block_actions_body(
            user_id=LEAD2,
            user_name="lead2",
            team_id=me.team_id,
            view=home.to_api(team_id=me.team_id, app_id=me.app_id, bot_id=me.bot_id),
            action_id=APPROVE,
            block_id=home_block_id(approval_id),
            value=approval_id,
            trigger_id=stack.fake.issue_trigger(user_id=LEAD2),
        )
        assert (await stack.agent.post_signed(body)).status_code == 200

        def refused(f: FakeSlack) -> bool:
            return ("U0LEAD2", "approval.approve", "refused_wrong_card") in audit_steps(
                stack.c, approval_id
            )

        await stack.fake.wait_for(refused, timeout=5)
        assert_undecided(stack, approval_id)


async def test_changes_refresh_an_open_home_at_most_once_per_gap(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as stack:
        home = stack.c.home
        assert home is not None
        await stack.agent.open_home(LEAD1)
        await wait_home(stack.fake, LEAD1, "no approval request waits for you")
        assert publishes(stack.fake, LEAD1) == 1

        # Three requests in a row: each changes what the Home shows, none may redraw it yet.
        for reason in ("first", "second", "third"):
            await request_change(stack, f"deploy acme-shop/production -- {reason}")
        await settled(home)
        assert publishes(stack.fake, LEAD1) == 1

        # Once the gap has passed on the bot's clock, one publish shows all three.
        clock.advance(REFRESH_GAP)
        home.wake()
        await wait_home(stack.fake, LEAD1, "first", "second", "third")
        await settled(home)
        assert publishes(stack.fake, LEAD1) == 2


async def test_a_platform_that_does_not_answer_costs_the_home_a_line_not_the_home(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, build=build_with()) as stack:
        approval_id, _ = await request_change(stack)
        await stack.sim_faults(latency_ms=6000)
        started = time.monotonic()
        await stack.agent.open_home(LEAD1)
        blocks = await wait_home(stack.fake, LEAD1, "fixing invoice totals", timeout=8)
        assert time.monotonic() - started < 5  # the 3 s budget, not the platform's 6 s
        assert "did not answer within 3 s" in str(blocks)
        assert "environments cannot be listed right now" in str(blocks)
        assert buttons_of(blocks, approval_id) == ["approval.approve", "approval.reject"]

        # Down rather than slow: the Home says so too, and keeps its other sections.
        await stack.sim_faults(latency_ms=0, error_rate=1.0)
        await stack.agent.open_home(VIEWER)
        viewer = await wait_home(stack.fake, VIEWER, "running deployments", timeout=8)
        assert "cannot be listed right now" in str(viewer)


async def test_freezes_and_locks_show_on_the_home_and_leave_it_when_they_end(
    tmp_path: Path,
) -> None:
    """What would refuse a change right now is on everyone's Home: a lock taken, a freeze set
    from Slack; the section goes when both end (a change, so open Homes are redrawn)."""
    clock = ManualClock(start=time.time())
    async with running_stack(tmp_path, build=build_with(clock=clock)) as stack:
        home = stack.c.home
        assert home is not None
        await stack.agent.open_home(LEAD1)
        await wait_home(stack.fake, LEAD1, "running deployments", absent=("freezes and locks",))

        await ask(stack, "lock acme-shop/staging -- migrating the database", user_id=DEV)
        await ask(stack, "freeze globex-erp/* for 30m -- year-end stock count", user_id=ADMIN)
        clock.advance(REFRESH_GAP)
        home.wake()
        blocks = await wait_home(
            stack.fake, LEAD1, "freezes and locks", "migrating the database", "year-end stock"
        )
        text = str(blocks)
        assert "locked by <@U0DEV1>" in text
        assert "`globex-erp/*` frozen until" in text
        assert view_violations(stack.fake.home(LEAD1).view) == []  # type: ignore[union-attr]

        await ask(stack, "unlock acme-shop/staging", user_id=DEV)
        clock.advance(30 * 60)  # the freeze ends by itself, within the hour a Home is watched
        home.wake()
        await wait_home(stack.fake, LEAD1, "running deployments", absent=("freezes and locks",))
