"""The App Home view: within Slack's limits however large the organisation, "and N more" for
what it leaves out, and the card's buttons only where the user may press them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from oec_chatops.blockkit_limits import MAX_MODAL_BLOCKS
from oec_chatops.domain import Approval, Deployment, Progress, Role
from oec_chatops.playground.block_rules import MODAL_BLOCK_LIMIT, find_block_problem
from oec_chatops.slack.blocks import view_violations
from oec_chatops.slack.blocks.home import (
    APPROVALS_SHOWN,
    EnvLine,
    HomeApproval,
    HomeSnapshot,
    environments_section,
    home_block_id,
    render_home,
)
from tests.support.blocks import texts
from tests.unit.test_blocks_approvals import PENDING

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _approval(i: int) -> Approval:
    """The card tests' pending request, once per project, with a long hostile reason."""
    return replace(
        PENDING,
        approval_id=f"apr-{i:04d}-" + "x" * 27,
        env_label=f"project-{i}/production",
        reason="r" * 600 + " <!channel>",
        message_ts=f"1767225600.{i:06d}",
    )


def large_organisation() -> HomeSnapshot:
    """Hundreds of environments with long names, dozens of requests and deployments."""
    return HomeSnapshot(
        user_id="U0LEAD1",
        role=Role.DEPLOYER,
        can_approve=True,
        now=NOW,
        environments=tuple(
            EnvLine(label=f"project-{i // 4}/{'environment-' * 8}{i}", status="running")
            for i in range(800)
        ),
        environments_note="Could not reach `derp`: its environments are not listed.",
        deployments=tuple(
            Deployment(
                key=f"t-{i}",
                verb="deploy",
                env_label=f"project-{i}/staging-{'x' * 120}",
                status="running",
                progress=Progress(percent=40.0, current_step="build " * 40),
                requested_by="U0DEV",
            )
            for i in range(120)
        ),
        approvals=tuple(
            HomeApproval(_approval(i), may_decide=True, may_cancel=False) for i in range(60)
        ),
        notice="n" * 5000,
    )


def test_a_large_organisation_keeps_to_slacks_limits_and_says_what_it_leaves_out() -> None:
    view = render_home(large_organisation())
    assert view_violations(view) == []
    # The fake Slack's own reading of Slack's rules, as `views.publish` applies them.
    assert find_block_problem(view["blocks"], limit=MODAL_BLOCK_LIMIT) is None
    assert len(view["blocks"]) <= MAX_MODAL_BLOCKS
    shown = texts(view)
    assert f"and {60 - APPROVALS_SHOWN} more requests not shown" in shown
    assert "more deployments not shown" in shown
    assert "more environments not shown" in shown
    assert "Could not reach `derp`" in shown
    assert "<!channel>" not in shown  # the requester's reason is escaped
    actions = [b for b in view["blocks"] if b["type"] == "actions"]
    assert len(actions) == APPROVALS_SHOWN
    assert all(b["block_id"].startswith("home.approval.") for b in actions)


def test_the_sections_leave_room_for_one_more_of_the_same_size() -> None:
    """A freezes or locks section of the environments' size still fits under 100 blocks."""
    snapshot = large_organisation()
    view = render_home(
        snapshot, sections=(*_default_sections(), environments_section, environments_section)
    )
    assert len(view["blocks"]) <= MAX_MODAL_BLOCKS
    assert view_violations(view) == []


def _default_sections() -> tuple[object, ...]:
    from oec_chatops.slack.blocks.home import SECTIONS

    return SECTIONS


def test_buttons_follow_what_the_user_may_do() -> None:
    mine = HomeApproval(_approval(1), may_decide=False, may_cancel=True)
    theirs = HomeApproval(_approval(2), may_decide=True, may_cancel=False)
    watching = HomeApproval(_approval(3), may_decide=False, may_cancel=False)
    view = render_home(replace(large_organisation(), approvals=(mine, theirs, watching)))
    by_block = {
        b["block_id"]: [e["action_id"] for e in b["elements"]]
        for b in view["blocks"]
        if b["type"] == "actions"
    }
    assert by_block == {
        home_block_id(mine.approval.approval_id): ["approval.cancel"],
        home_block_id(theirs.approval.approval_id): ["approval.approve", "approval.reject"],
    }


def test_a_home_without_approvals_says_why_a_non_approver_sees_none() -> None:
    snapshot = replace(large_organisation(), approvals=(), can_approve=False, role=Role.VIEWER)
    shown = texts(render_home(snapshot))
    assert "You are not an approver" in shown
    assert "*viewer*, cannot approve" in shown
