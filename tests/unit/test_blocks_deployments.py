"""The living deployment message, its failure thread, and the "accepted" reply."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from oec_chatops.domain import Deployment, EnvRef, Progress
from oec_chatops.slack.blocks import (
    ApprovalNote,
    message_link,
    render_action_accepted,
    render_deployment,
    render_failure_thread,
)
from oec_chatops.slack.blocks.statuses import progress_bar, progress_line
from tests.support.blocks import postable, texts

STARTED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ENDED = datetime(2026, 3, 1, 12, 5, tzinfo=UTC)

RUNNING = Deployment(
    key="t-1",
    verb="deploy",
    env_label="shop/staging",
    status="running",
    env_id="e-1",
    requested_by="U0DEV",
    progress=Progress(percent=40, current_step="build", steps_completed=2, total_steps=5),
    branch="main",
    url="https://staging.example.com",
    started_at=STARTED,
    modules=("sale_custom", "stock_extra"),
)


@pytest.mark.parametrize(
    ("percent", "bar"),
    [
        (0, "░░░░░░░░░░ 0%"),
        (40, "▓▓▓▓░░░░░░ 40%"),
        (99.6, "▓▓▓▓▓▓▓▓▓░ 99%"),
        (100, "▓▓▓▓▓▓▓▓▓▓ 100%"),
        (150, "▓▓▓▓▓▓▓▓▓▓ 100%"),
        (-3, "░░░░░░░░░░ 0%"),
    ],
)
def test_progress_bar(percent: float, bar: str) -> None:
    assert progress_bar(percent) == bar


def test_progress_from_steps_when_the_task_gives_no_percent() -> None:
    assert progress_line(Progress(steps_completed=1, total_steps=4), "running") == (
        "▓▓░░░░░░░░ 25% · step 1/4"
    )
    assert progress_line(Progress(), "running") is None
    assert progress_line(Progress(current_step="<pull>"), "queued") == "&lt;pull&gt;"


def test_a_running_deployment() -> None:
    body = postable(render_deployment(RUNNING))
    assert body["blocks"][0]["text"]["text"] == "Deploy shop/staging"
    status = body["blocks"][1]["text"]["text"]
    assert status == (":arrows_counterclockwise: *Running*\n▓▓▓▓░░░░░░ 40% · build · step 2/5")
    fields = [f["text"] for f in body["blocks"][1]["fields"]]
    assert fields == [
        "*Requested by*\n<@U0DEV>",
        "*Branch*\n`main`",
        "*Modules*\n`sale_custom`, `stock_extra`",
        "*URL*\n<https://staging.example.com|https://staging.example.com>",
    ]
    notes = texts(body["blocks"][-1])
    assert "Task `t-1`" in notes
    assert f"started <!date^{int(STARTED.timestamp())}^" in notes
    assert body["text"] == "Deploy shop/staging: running (40%)"


def test_a_completed_deployment_shows_duration_and_no_bar() -> None:
    done = replace(RUNNING, status="success", completed_at=ENDED, duration_seconds=None)
    body = postable(render_deployment(done))
    status = body["blocks"][1]["text"]["text"]
    assert status == ":white_check_mark: *Completed* in 5m 0s"
    assert "▓" not in texts(body)
    assert body["text"] == "Deploy shop/staging: completed in 5m 0s"
    assert "ended <!date^" in texts(body["blocks"][-1])


def test_a_failed_deployment_shows_the_error_escaped() -> None:
    failed = replace(
        RUNNING,
        status="failed",
        completed_at=ENDED,
        duration_seconds=61,
        error_message="pip <failed> & ```x```",
    )
    body = postable(render_deployment(failed))
    assert body["blocks"][1]["text"]["text"] == ":x: *Failed* in 1m 1s"
    error = body["blocks"][2]["text"]["text"]
    assert error.startswith("*Error*\n```pip &lt;failed&gt; &amp; ")
    assert error.count("```") == 2
    assert body["text"].startswith("Deploy shop/staging: failed in 1m 1s: pip &lt;failed&gt;")


def test_a_webhook_deployment_names_its_trigger_and_approval() -> None:
    hooked = replace(
        RUNNING,
        verb="redeploy",
        status="queued",
        requested_by=None,
        triggered_by="git <push>",
        approval_id="apr-1",
        progress=Progress(),
        modules=("all",),
        url=None,
    )
    body = postable(render_deployment(hooked))
    fields = [f["text"] for f in body["blocks"][1]["fields"]]
    assert fields[:2] == ["*Triggered by*\ngit &lt;push&gt;", "*Approval*\n`apr-1`"]
    assert "*Modules*\nall modules" in fields
    assert body["blocks"][1]["text"]["text"] == ":hourglass_flowing_sand: *Queued*"


@pytest.mark.parametrize(
    ("status", "emoji"),
    [
        ("cancelled", ":no_entry_sign:"),
        ("canceled", ":no_entry_sign:"),
        ("rolled_back", ":leftwards_arrow_with_hook:"),
        ("mystery", ":grey_question:"),
    ],
)
def test_other_statuses(status: str, emoji: str) -> None:
    body = postable(render_deployment(replace(RUNNING, status=status)))
    assert body["blocks"][1]["text"]["text"].startswith(emoji)


def test_a_minimal_deployment_from_a_webhook() -> None:
    body = postable(render_deployment(Deployment(key="t", verb="", env_label="x", status="")))
    assert body["blocks"][0]["text"]["text"] == "Task x"


def test_long_values_stay_postable() -> None:
    huge = replace(
        RUNNING,
        env_label="e" * 400,
        error_message="x" * 10_000,
        status="failed",
        modules=tuple(f"module_{i:02d}_" + "m" * 54 for i in range(50)),
    )
    postable(render_deployment(huge))


def test_failure_thread_has_the_log_tail() -> None:
    failed = replace(RUNNING, status="failed", error_message="migration failed")
    log = "\n".join(f"Step {i}/300: doing <things>" for i in range(300))
    body = postable(render_failure_thread(failed, log))
    assert body["blocks"][0]["text"]["text"] == (
        ":x: *Deploy of `shop/staging` failed*: migration failed"
    )
    code = body["blocks"][1]["text"]["text"]
    assert code.endswith("Step 299/300: doing &lt;things&gt;\n```")
    notes = texts(body["blocks"][-1])
    assert "truncated: showing last" in notes
    assert "`/oec logs shop/staging --lines 500`" in notes
    assert body["text"] == "Deploy shop/staging failed: last log lines"


def test_failure_thread_without_a_log() -> None:
    body = postable(render_failure_thread(replace(RUNNING, status="failed"), ""))
    assert len(body["blocks"]) == 2
    assert "the task left no log lines" in texts(body)


def test_action_accepted() -> None:
    env = EnvRef(env_id="e-1", env_name="staging", project_id="p", project_name="Shop")
    body = postable(
        render_action_accepted(
            env,
            "deploy",
            "t-9",
            requested_by="U0DEV",
            reason="fix <totals>",
            modules=("sale_custom",),
        )
    )
    text = body["blocks"][0]["text"]["text"]
    assert text == (
        ":rocket: <@U0DEV> started *deploy* on `Shop/staging`.\n"
        "Modules: `sale_custom`\n>fix &lt;totals&gt;"
    )
    assert "Task `t-9`" in texts(body)
    assert body["text"] == "Deploy Shop/staging queued"
    plain = postable(render_action_accepted(env, "restart", "t-10"))
    assert plain["blocks"][0]["text"]["text"] == ":rocket: Started *restart* on `Shop/staging`."


def test_the_message_tells_why_who_approved_and_what_changed() -> None:
    story = replace(RUNNING, reason="fix <totals> before the audit", commit="3f2a9c1d0e")
    note = ApprovalNote(
        approval_id="0d9e8f7a-6b5c-4d3e-9f10-112233445566",
        approvers=("U0LEAD1", "U0LEAD2"),
        card_url=message_link("C0DEPLOYS", "1700000000.000100"),
    )
    body = postable(render_deployment(story, note))
    status = body["blocks"][1]["text"]["text"]
    assert status.endswith("\n>fix &lt;totals&gt; before the audit")
    fields = [f["text"] for f in body["blocks"][1]["fields"]]
    assert fields[:4] == [
        "*Requested by*\n<@U0DEV>",
        "*Approved by*\n<@U0LEAD1>, <@U0LEAD2> · "
        "<https://slack.com/archives/C0DEPLOYS/p1700000000000100|the request>",
        "*Branch*\n`main`",
        "*Commit*\n`3f2a9c1d0e`",
    ]
    assert "*Modules*\n`sale_custom`, `stock_extra`" in fields


def test_the_reason_given_on_the_approval_is_shown_when_the_task_has_none() -> None:
    note = ApprovalNote(approval_id="a" * 36, reason="quarterly release")
    body = postable(render_deployment(replace(RUNNING, approval_id="a" * 36), note))
    assert body["blocks"][1]["text"]["text"].endswith("\n>quarterly release")
    # Nobody approved yet (or the row is gone): the short id, not 36 characters of noise.
    assert "*Approval*\n`aaaaaaaa`" in [f["text"] for f in body["blocks"][1]["fields"]]


def test_a_failed_deployment_names_the_step_it_failed_at() -> None:
    failed = replace(
        RUNNING, status="failed", failed_step="build", completed_at=ENDED, duration_seconds=61
    )
    body = postable(render_deployment(failed))
    assert body["blocks"][1]["text"]["text"] == ":x: *Failed* in 1m 1s at step `build`"
    # A deployment that ended well never shows a failing step.
    done = postable(render_deployment(replace(failed, status="completed")))
    assert "at step" not in texts(done)


def test_a_long_reason_stays_postable_and_quoted_once() -> None:
    body = postable(render_deployment(replace(RUNNING, reason="why " * 2000)))
    status = body["blocks"][1]["text"]["text"]
    assert status.count("\n>") == 1
    assert len(status) < 700
