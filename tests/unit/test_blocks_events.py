"""Platform events as channel messages, and the subscription answers."""

from __future__ import annotations

from typing import Any

import pytest

from oec_chatops.oec.models import WebhookEvent
from oec_chatops.slack.blocks import (
    render_event,
    render_subscribed,
    render_subscriptions,
    render_unsubscribed,
)
from oec_chatops.slack.blocks.event_names import friendly_events
from oec_chatops.slack.blocks.events import event_label
from tests.support.blocks import mrkdwn_texts, postable


def event(name: str, **data: Any) -> WebhookEvent:
    base = {"environment_id": "e-1", "environment_name": "staging", "project_name": "shop"}
    return WebhookEvent.model_validate(
        {"id": "d-1", "event": name, "timestamp": "2026-03-01T12:05:00Z", "data": {**base, **data}}
    )


def line(body: dict[str, Any]) -> str:
    return str(body["blocks"][0]["text"]["text"])


@pytest.mark.parametrize(
    ("ev", "first_line", "fallback"),
    [
        (
            event("environment.status_changed", old_status="running", new_status="stopped"),
            ":white_circle: `shop/staging`: running → *stopped*",
            "shop/staging: running → stopped",
        ),
        (
            event("environment.status_changed", previous_status="deploying", status="error"),
            ":red_circle: `shop/staging`: deploying → *error*",
            "shop/staging: deploying → error",
        ),
        (
            event("environment.status_changed"),
            ":grey_question: `shop/staging`: ? → *?*",
            "shop/staging: ? → ?",
        ),
        (
            event("environment.created", branch="main", url="https://s.example.com"),
            ":sparkles: `shop/staging` was created from branch `main`"
            " · <https://s.example.com|https://s.example.com>",
            "shop/staging was created",
        ),
        (
            event("environment.deleted"),
            ":wastebasket: `shop/staging` was deleted",
            "shop/staging was deleted",
        ),
        (
            event("environment.ready", url="https://s.example.com"),
            ":large_green_circle: `shop/staging` is ready · <https://s.example.com|https://s.example.com>",
            "shop/staging is ready",
        ),
        (
            event("automation_rule.triggered"),
            ":robot_face: Automation rule triggered on `shop/staging`",
            "Automation rule triggered on shop/staging",
        ),
        (
            event("automation_rule.completed"),
            ":white_check_mark: Automation rule completed on `shop/staging`",
            "Automation rule completed on shop/staging",
        ),
        (
            event("automation_rule.failed", error_message="boom"),
            ":x: Automation rule failed on `shop/staging`",
            "Automation rule failed on shop/staging",
        ),
        (
            event("monitoring.alert", severity="critical", message="disk 95% <full>"),
            ":rotating_light: *CRITICAL* on `shop/staging`: disk 95% &lt;full&gt;",
            "CRITICAL on shop/staging: disk 95% &lt;full&gt;",
        ),
        (
            event("monitoring.alert", severity="warning", message="slow"),
            ":warning: *WARNING* on `shop/staging`: slow",
            "WARNING on shop/staging: slow",
        ),
        (
            event("monitoring.alert", severity="info"),
            ":information_source: *INFO* on `shop/staging`: an alert was raised",
            "INFO on shop/staging: alert",
        ),
        (
            event("monitoring.alert"),
            ":warning: *ALERT* on `shop/staging`: an alert was raised",
            "ALERT on shop/staging: alert",
        ),
        (
            event("deploy.completed", status="completed"),
            ":white_check_mark: Deployment of `shop/staging`: *Completed*",
            "Deployment of shop/staging: completed",
        ),
        (
            event("deploy.started"),
            ":grey_question: Deployment of `shop/staging`: *Started*",
            "Deployment of shop/staging: started",
        ),
        (
            WebhookEvent.model_validate({"event": "ping"}),
            ":wave: Test delivery from oec.sh received.",
            "Test delivery from oec.sh",
        ),
        (
            event("backup.completed"),  # deployERP's (issue 14)
            ":floppy_disk: Backup of `shop/staging` completed",
            "Backup of shop/staging completed",
        ),
        (
            event("billing.updated"),
            ":grey_question: `billing.updated` on `shop/staging`",
            "billing.updated on shop/staging",
        ),
    ],
    ids=lambda v: v.event if isinstance(v, WebhookEvent) else "",
)
def test_events(ev: WebhookEvent, first_line: str, fallback: str) -> None:
    body = postable(render_event(ev))
    assert line(body).split("\n")[0] == first_line
    assert body["text"] == fallback


def test_event_context_has_name_time_and_environment() -> None:
    body = postable(render_event(event("environment.deleted")))
    notes = " ".join(e["text"] for e in body["blocks"][-1]["elements"])
    assert "`environment.deleted`" in notes
    assert "<!date^1772366700^" in notes
    assert "environment `e-1`" in notes


def test_event_details_are_escaped_and_fenced() -> None:
    body = postable(
        render_event(
            event("automation_rule.failed", message="rule <x> ran", error_message="E ```bad```")
        )
    )
    assert "rule &lt;x&gt; ran" in line(body)
    assert line(body).count("```") == 2


def test_a_resolved_label_overrides_the_payload() -> None:
    body = render_event(event("environment.deleted"), env_label="acme-shop/staging")
    assert "`acme-shop/staging`" in line(body)


@pytest.mark.parametrize(
    ("data", "label"),
    [
        ({"project_name": "shop", "environment_name": "staging"}, "shop/staging"),
        ({"environment_name": "staging"}, "staging"),
        ({"environment_id": "e-1"}, "e-1"),
        ({"project_name": "shop"}, "shop"),
        ({}, "oec.sh"),
    ],
)
def test_event_label(data: dict[str, str], label: str) -> None:
    assert event_label(WebhookEvent.model_validate({"event": "x", "data": data}).data) == label


def test_an_event_with_only_a_name() -> None:
    body = postable(render_event(WebhookEvent.model_validate({"event": "environment.ready"})))
    assert line(body) == ":large_green_circle: `oec.sh` is ready"
    assert len(body["blocks"][-1]["elements"]) == 1


def test_huge_event_text_stays_postable() -> None:
    postable(
        render_event(
            event("automation_rule.failed", message="m" * 50_000, error_message="e" * 50_000)
        )
    )


# Subscriptions -------------------------------------------------------------------------------


def test_subscriptions_list_with_a_flag() -> None:
    body = postable(
        render_subscriptions(
            [
                ("shop", ["deploy.*", "environment.status_changed"], None, ""),
                ("blog/*-prod", [], "weird_<error>", ""),
            ]
        )
    )
    text = mrkdwn_texts(body)
    assert "`shop` → deployments and status changes" in text
    assert "`blog/*-prod` → all events\n:warning: Paused: Slack refused my last post" in text
    assert "(`weird_&lt;error&gt;`)" in text
    assert "`/oec subscribe blog/*-prod`" in text
    assert body["blocks"][0]["text"]["text"] == "Subscriptions (2)"
    assert body["text"] == "This channel has 2 subscriptions."


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("not_in_channel", "I'm not in this channel any more"),
        ("channel_not_found", "`/invite @oec`, then `/oec subscribe shop` to turn it back on"),
        ("is_archived", "this channel is archived"),
        ("restricted_action", "Ask a Slack admin"),
    ],
)
def test_a_flag_is_said_in_words_with_what_to_do(reason: str, words: str) -> None:
    text = mrkdwn_texts(postable(render_subscriptions([("shop", ["deploy.*"], reason, "")])))
    assert words in text
    assert f"`{reason}`" not in text


def test_no_subscriptions_says_how_to_add_one() -> None:
    body = postable(render_subscriptions([]))
    assert "`/oec subscribe &lt;project&gt;`" in mrkdwn_texts(body)


def test_many_subscriptions_stay_postable() -> None:
    rows = [(f"project-{i}/" + "x" * 200, ["deploy.*"], None, "") for i in range(1000)]
    body = postable(render_subscriptions(rows))
    assert len(body["blocks"]) == 50
    assert "more subscriptions not shown" in mrkdwn_texts(body)


def test_subscribed_and_unsubscribed() -> None:
    on = postable(render_subscribed("shop/*", ["deploy.*"]))
    assert line(on) == ":bell: This channel now gets deployments from `shop/*`."
    off = postable(render_unsubscribed("shop/*", [], removed=True))
    assert line(off) == ":no_bell: This channel no longer gets anything from `shop/*`."
    some = postable(render_unsubscribed("shop", ["deploy.failed"], removed=True))
    assert line(some) == ":no_bell: This channel no longer gets failed deployments from `shop`."
    none = postable(render_unsubscribed("shop", ["deploy.failed"], removed=False))
    assert line(none).startswith(
        "This channel has no subscription to `shop` for failed deployments."
    )
    assert postable(render_unsubscribed("x", [], removed=False))


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["environment.status_changed"], "status changes"),
        (["deploy.*", "environment.status_changed"], "deployments and status changes"),
        (
            ["deploy.failed", "monitoring.alert", "monitoring.*"],
            "failed deployments and monitoring alerts",
        ),
        (["*"], "all events"),
        ([], "all events"),
        # No friendly form: shown exactly as typed, in code, never guessed at.
        (["deploy.f*", "<odd>"], "`deploy.f*` and `&lt;odd&gt;`"),
    ],
)
def test_event_names_in_words(names: list[str], words: str) -> None:
    assert friendly_events(names) == words
