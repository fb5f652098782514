"""The approval card, the list of requests, and the reject modal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oec_chatops.domain import Approval, ApprovalState, BackupFacts
from oec_chatops.slack.blocks import (
    ACTION_APPROVE,
    ACTION_CANCEL,
    ACTION_REJECT,
    REJECT_REASON_ACTION,
    REJECT_REASON_BLOCK,
    render_approval,
    render_approvals_list,
    render_reject_modal,
    view_violations,
)
from tests.support.blocks import mrkdwn_texts, postable, texts

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

PENDING = Approval(
    approval_id="apr_0001",
    verb="deploy",
    env_label="shop/production",
    env_id="e-1",
    requested_by="U0DEV",
    channel_id="C0OPS",
    state=ApprovalState.PENDING,
    required=2,
    created_at=NOW - timedelta(minutes=1),
    expires_at=NOW + timedelta(minutes=29),
    reason="fixing <invoice> totals & taxes",
    modules=("sale_custom",),
    approvers=("U0LEAD1",),
)


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_pending_card_asks_who_what_where_why() -> None:
    body = postable(render_approval(PENDING, now=NOW))
    assert body["blocks"][0]["text"]["text"] == "Approval: deploy shop/production"
    ask = body["blocks"][1]["text"]["text"]
    assert ask == (
        "<@U0DEV> asks to *deploy* `shop/production`.\n"
        "*Modules:* `sale_custom`\n"
        "*Why:* fixing &lt;invoice&gt; totals &amp; taxes"
    )
    fields = [f["text"] for f in body["blocks"][1]["fields"]]
    assert fields[0] == "*Approvals*\n1/2: <@U0LEAD1>"
    unix = int((NOW + timedelta(minutes=29)).timestamp())
    assert fields[1] == (
        f"*Expires*\n<!date^{unix}^{{date_short_pretty}} {{time}}|2026-01-01 12:29 UTC> (in 29m 0s)"
    )
    assert "Approval `apr_0001`" in texts(body["blocks"][-1])
    assert "needs 2 approvers" in texts(body["blocks"][-1])
    assert body["text"] == "Approval needed: deploy shop/production (1/2)"


def test_pending_card_buttons_carry_the_approval_id() -> None:
    body = render_approval(PENDING, now=NOW)
    approve, reject, cancel = buttons(body)
    assert (approve["action_id"], approve["value"], approve["style"]) == (
        ACTION_APPROVE,
        "apr_0001",
        "primary",
    )
    assert (reject["action_id"], reject["value"], reject["style"]) == (
        ACTION_REJECT,
        "apr_0001",
        "danger",
    )
    assert (cancel["action_id"], cancel["value"]) == (ACTION_CANCEL, "apr_0001")
    assert "style" not in cancel
    assert (ACTION_APPROVE, ACTION_REJECT, ACTION_CANCEL) == (
        "approval.approve",
        "approval.reject",
        "approval.cancel",
    )
    assert [b["text"]["text"] for b in (approve, reject, cancel)] == ["Approve", "Reject", "Cancel"]
    confirm = approve["confirm"]
    assert confirm["title"]["text"] == "Approve this deploy?"
    assert "`shop/production`" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "Approve"
    assert "confirm" not in reject
    assert "confirm" not in cancel


def test_a_card_with_no_votes_yet() -> None:
    body = postable(
        render_approval(replace(PENDING, approvers=(), reason=None, modules=()), now=NOW)
    )
    assert body["blocks"][1]["fields"][0]["text"] == "*Approvals*\n0/2"
    assert body["blocks"][1]["text"]["text"] == "<@U0DEV> asks to *deploy* `shop/production`."


@pytest.mark.parametrize(
    ("changes", "words", "fallback"),
    [
        (
            {"state": ApprovalState.APPROVED, "approvers": ("U0LEAD1", "U0LEAD2")},
            ":arrows_counterclockwise: *Approved* by <@U0LEAD1>, <@U0LEAD2>; running the deploy now.",
            "Approval approved: deploy shop/production",
        ),
        (
            {"state": ApprovalState.EXECUTING, "approvers": ("U0LEAD1", "U0LEAD2")},
            "running the deploy now",
            "Approval executing: deploy shop/production",
        ),
        (
            {"state": ApprovalState.DONE, "approvers": ("U0LEAD1", "U0LEAD2"), "task_id": "t-7"},
            ":white_check_mark: *Approved* by <@U0LEAD1>, <@U0LEAD2>; the deploy has started. "
            "Its progress is in the deployment message below.",
            "Approval done: deploy shop/production",
        ),
        (
            {"state": ApprovalState.FAILED, "decision_note": "409 <busy>"},
            ":x: *Approved* by <@U0LEAD1>, but the deploy failed: 409 &lt;busy&gt;",
            "Approval failed: deploy shop/production",
        ),
        (
            {"state": ApprovalState.REJECTED, "decided_by": "U0LEAD2", "decision_note": "not now"},
            ":no_entry: *Rejected* by <@U0LEAD2>: not now",
            "Approval rejected: deploy shop/production",
        ),
        (
            {"state": ApprovalState.CANCELLED, "decided_by": "U0DEV"},
            ":heavy_multiplication_x: *Cancelled* by <@U0DEV>",
            "Approval cancelled: deploy shop/production",
        ),
        (
            {"state": ApprovalState.EXPIRED},
            "*Expired* <!date^",
            "Approval expired: deploy shop/production",
        ),
        (
            {"expires_at": NOW - timedelta(seconds=1)},  # pending, but its time is up
            "with 1/2 approvals; nothing was run.",
            "Approval expired: deploy shop/production",
        ),
        (
            {"expires_at": NOW},
            ":hourglass: *Expired*",
            "Approval expired: deploy shop/production",
        ),
    ],
)
def test_a_card_that_takes_no_more_votes_has_no_buttons(
    changes: dict[str, Any], words: str, fallback: str
) -> None:
    a = replace(PENDING, **changes)
    body = postable(render_approval(a, now=NOW))
    assert buttons(body) == []
    assert words in texts(body)
    assert body["text"] == fallback
    assert "*Requested*" in texts(body)


def test_the_task_id_is_shown_once_known() -> None:
    a = replace(PENDING, state=ApprovalState.DONE, task_id="t-7")
    assert "task `t-7`" in texts(render_approval(a, now=NOW)["blocks"][-1])


def test_long_and_hostile_values_stay_postable() -> None:
    a = replace(
        PENDING,
        env_label="<!channel>" * 50,
        verb="deploy" * 30,
        reason="<!here>" * 500,
        modules=tuple(f"m{i}_" + "x" * 60 for i in range(50)),
        approvers=tuple(f"U{i:010d}" for i in range(40)),
        required=10,
    )
    body = postable(render_approval(a, now=NOW))
    assert "<!here>" not in mrkdwn_texts(body)
    assert "<!channel>" not in mrkdwn_texts(body)


def test_a_header_is_plain_text_so_markup_in_it_is_shown_as_typed() -> None:
    body = postable(render_approval(replace(PENDING, env_label="<!channel>"), now=NOW))
    assert body["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Approval: deploy <!channel>",
        "emoji": True,
    }
    assert "`&lt;!channel&gt;`" in body["blocks"][1]["text"]["text"]
    assert body["text"] == "Approval needed: deploy &lt;!channel&gt; (1/2)"


def test_an_over_long_approval_id_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="too long"):
        render_approval(replace(PENDING, approval_id="a" * 2001), now=NOW)


def test_naive_times_are_read_as_utc() -> None:
    a = replace(PENDING, expires_at=(NOW + timedelta(minutes=5)).replace(tzinfo=None))
    assert len(buttons(render_approval(a, now=NOW))) == 3


# The list ------------------------------------------------------------------------------------


def test_approvals_list() -> None:
    others = [
        PENDING,
        replace(PENDING, approval_id="apr_0002", reason=None, expires_at=NOW - timedelta(1)),
        replace(PENDING, approval_id="apr_0003", state=ApprovalState.REJECTED),
    ]
    body = postable(render_approvals_list(others, NOW))
    text = texts(body)
    assert "Approval requests (3)" in text
    assert (
        ":lock: `apr_0001` *deploy* `shop/production` by <@U0DEV> · 1/2 · expires <!date^" in text
    )
    assert "\n>fixing &lt;invoice&gt; totals" in text
    assert "`apr_0002` *deploy* `shop/production` by <@U0DEV> · 1/2 · expired <!date^" in text
    assert ":no_entry: `apr_0003`" in text
    assert "· rejected" in text
    assert body["text"] == "3 approval requests"


def test_empty_and_long_lists() -> None:
    assert "No approval requests are waiting." in texts(postable(render_approvals_list([], NOW)))
    many = [replace(PENDING, approval_id=f"apr_{i:04d}", reason="r" * 150) for i in range(500)]
    body = postable(render_approvals_list(many, NOW))
    assert len(body["blocks"]) == 50
    assert "more requests not shown" in texts(body)


# The reject modal ----------------------------------------------------------------------------


def test_reject_modal() -> None:
    view = render_reject_modal(PENDING, callback_id="approval.reject_reason", private_metadata="{}")
    assert view_violations(view) == []
    assert view["type"] == "modal"
    assert view["callback_id"] == "approval.reject_reason"
    assert view["private_metadata"] == "{}"
    assert view["submit"]["text"] == "Reject"
    summary = view["blocks"][0]["text"]["text"]
    assert summary.startswith("<@U0DEV> asked to *deploy* `shop/production`.")
    assert "fixing &lt;invoice&gt;" in summary
    field = view["blocks"][1]
    assert field["type"] == "input"
    assert field["block_id"] == REJECT_REASON_BLOCK
    assert field["optional"] is True
    assert field["element"]["action_id"] == REJECT_REASON_ACTION
    assert field["element"]["max_length"] == 500


def test_reject_modal_refuses_metadata_slack_would_refuse() -> None:
    with pytest.raises(ValueError, match="too long"):
        render_reject_modal(PENDING, callback_id="x", private_metadata="m" * 3001)


def test_the_list_shows_the_short_id_and_the_card_the_full_one() -> None:
    full = "3f2b9c1e-8a4d-4e6f-9b21-0c7d5e8f1a23"
    a = replace(PENDING, approval_id=full)
    listed = texts(postable(render_approvals_list([a], NOW)))
    assert "`3f2b9c1e` *deploy*" in listed
    assert full not in listed
    assert full in texts(postable(render_approval(a, now=NOW)))


def test_a_restore_card_shows_the_backup_it_brings_back() -> None:
    facts = BackupFacts(
        backup_id="1a2b3c4d-0000-4000-8000-000000000001",
        status="completed",
        created_at=NOW - timedelta(days=1),
        size_bytes=3 * 1024**3 // 2,
        contents="database only",
        backup_type="scheduled",
    )
    restore = replace(PENDING, verb="restore", modules=(), backup_facts=facts)
    shown = texts(postable(render_approval(restore, now=NOW)))

    for part in (facts.backup_id, "1 d ago", "1.5 GB", "without filestore", "scheduled"):
        assert part in shown
    assert "replaced by this backup" in shown


def test_a_change_waiting_for_its_backup_says_so_and_then_why_it_stopped() -> None:
    first = replace(PENDING, backup_first=True)
    assert "a backup is taken first" in texts(render_approval(first, now=NOW))

    waiting = replace(first, state=ApprovalState.BACKING_UP, pre_backup_id="b-9")
    shown = texts(render_approval(waiting, now=NOW))
    assert "taking a backup first…" in shown
    assert "b-9" in shown

    stopped = replace(
        waiting,
        state=ApprovalState.FAILED,
        decision_note="The backup taken first ended failed, so the deploy was not sent.",
    )
    shown = texts(render_approval(stopped, now=NOW))
    assert "but stopped: The backup taken first ended failed" in shown
