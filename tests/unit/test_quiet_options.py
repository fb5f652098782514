"""Quieter channels, the pure parts: `subscribe` options as typed, what they make of an existing
subscription, when a daily digest is due (across a DST change), and what is a failure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oec_chatops.digest_time import digest_day
from oec_chatops.errors import CommandError
from oec_chatops.services.fanout import alert_state, is_failure
from oec_chatops.services.subscription_settings import Settings, changes, settle
from oec_chatops.slack.blocks import render_digest
from oec_chatops.slack.grammar import parse_command
from oec_chatops.slack.grammar.subscribe import SubscribeOptions
from oec_chatops.store.rows import Subscription
from tests.support.blocks import mrkdwn_texts, postable


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_every_option_is_read() -> None:
    cmd = parse_command(
        "subscribe shop/*-prod --events deploy.failed,backup.* --only failures "
        "--digest daily --at 7:30 --tz Europe/Brussels threads on"
    )
    assert cmd.target == "shop/*-prod"
    assert cmd.events == ("deploy.failed", "backup.*")
    assert cmd.options == SubscribeOptions(
        only_failures=True, digest=True, at="07:30", tz="Europe/Brussels", threads=True
    )
    assert parse_command("subscribe shop alerts").options == SubscribeOptions(alerts=True)
    assert parse_command("subscribe shop --threads off").options == SubscribeOptions(threads=False)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe shop --events deploy.faild", "Did you mean `deploy.failed`?"),
        ("subscribe shop --only success", "`--only` takes `failures`"),
        ("subscribe shop --digest weekly", "`--digest` takes `daily`"),
        ("subscribe shop --digest daily --at 25:00", "`--at` is a time of day"),
        ("subscribe shop --digest daily --tz Europe/Brusels", "Did you mean `Europe/Brussels`?"),
        ("subscribe shop --digest daily --tz ../../etc/passwd", "Unknown time zone"),
        ("subscribe shop --at 09:00", "add `--digest daily`"),
        ("subscribe shop alerts deploy.failed", "monitoring alerts only"),
        ("subscribe shop alerts --digest daily", "posts each alert as it fires"),
        ("subscribe shop threads maybe", "`threads on` or `threads off`"),
        ("subscribe shop --quiet", "has no option `--quiet`"),
    ],
)
def test_bad_options_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert says in str(err.value)


def _sub(**fields: object) -> Subscription:
    values: dict[str, object] = {
        "id": 1,
        "channel_id": "C1",
        "project_id": "p",
        "project_label": "shop",
        "env_glob": "*",
        "events": ("deploy.*",),
        "created_by": "U1",
        "flagged_reason": None,
    }
    values.update(fields)
    return Subscription(**values)  # type: ignore[arg-type]


def test_subscribing_again_changes_only_what_was_typed() -> None:
    old = _sub(digest_at="08:00", digest_tz="Europe/Brussels")
    new = settle(old, (), SubscribeOptions(only_failures=True), None)
    assert new == Settings("events", ("deploy.*",), True, "08:00", "Europe/Brussels", False)
    assert changes(Settings.of(old), new) == [
        "delivery: daily digest at 08:00 (Europe/Brussels) → only failures, daily digest at "
        "08:00 (Europe/Brussels)"
    ]
    assert changes(Settings.of(old), settle(old, (), SubscribeOptions(), None)) == []


def test_threads_in_a_digest_are_refused() -> None:
    with pytest.raises(CommandError, match="no threads to reply in"):
        settle(_sub(digest_at="08:00", digest_tz="UTC"), (), SubscribeOptions(threads=True), None)
    with pytest.raises(CommandError, match="no threads to reply in"):
        settle(_sub(threads=True), (), SubscribeOptions(digest=True), None)


def test_a_digest_takes_the_channels_time_unless_one_is_typed() -> None:
    fresh = settle(None, (), SubscribeOptions(digest=True), ("18:00", "Asia/Tokyo"))
    assert (fresh.digest_at, fresh.digest_tz) == ("18:00", "Asia/Tokyo")
    typed = settle(None, (), SubscribeOptions(digest=True, at="07:00"), ("18:00", "Asia/Tokyo"))
    assert (typed.digest_at, typed.digest_tz) == ("07:00", "Asia/Tokyo")
    alone = settle(None, (), SubscribeOptions(digest=True), None)
    assert (alone.digest_at, alone.digest_tz) == ("09:00", "UTC")


def test_alerts_take_monitoring_alerts_only() -> None:
    new = settle(_sub(), (), SubscribeOptions(alerts=True), None)
    assert (new.kind, new.events, new.digest_at) == ("alerts", ("monitoring.alert",), None)


def test_an_alerts_subscription_stays_one_unless_events_are_named() -> None:
    alerts = _sub(kind="alerts", events=("monitoring.alert",))
    quieter = settle(alerts, (), SubscribeOptions(only_failures=True), None)
    assert (quieter.kind, quieter.events, quieter.only_failures) == (
        "alerts",
        ("monitoring.alert",),
        True,
    )
    with pytest.raises(CommandError, match="This is an `alerts` subscription"):
        settle(alerts, (), SubscribeOptions(digest=True), None)
    events = settle(alerts, ("deploy.failed",), SubscribeOptions(), None)
    assert (events.kind, events.events) == ("events", ("deploy.failed",))


def test_a_digest_day_runs_from_one_posting_time_to_the_next() -> None:
    # 09:00 in Brussels is 08:00 UTC in winter.
    before = digest_day(_ts("2026-03-02T07:59:00"), "09:00", "Europe/Brussels")
    after = digest_day(_ts("2026-03-02T08:00:00"), "09:00", "Europe/Brussels")
    assert before.day == "2026-03-02"
    assert before.due_at == _ts("2026-03-02T08:00:00")
    assert after.day == "2026-03-03"
    assert after.window_start == before.due_at


def test_across_the_spring_dst_change_the_digest_still_posts_at_local_nine() -> None:
    # Brussels moves to summer time on 29 March 2026: 09:00 is then 07:00 UTC.
    day = digest_day(_ts("2026-03-28T12:00:00"), "09:00", "Europe/Brussels")
    assert day.day == "2026-03-29"
    assert day.due_at == _ts("2026-03-29T07:00:00")
    assert day.due_at - day.window_start == 23 * 3600


@pytest.mark.parametrize(
    ("event", "status", "failed"),
    [
        ("deploy.failed", None, True),
        ("deploy.cancelled", None, False),
        ("deploy.completed", None, False),
        ("backup.failed", None, True),
        ("automation_rule.failed", None, True),
        ("environment.status_changed", "error", True),
        ("environment.status_changed", "stopped", False),
        ("monitoring.alert", None, True),
        ("monitoring.alert", "firing", True),
        ("monitoring.alert", "Resolved", False),
        ("environment.created", None, False),
    ],
)
def test_what_counts_as_a_failure(event: str, status: str | None, failed: bool) -> None:
    assert is_failure(event, status) is failed


def test_an_alert_without_a_status_is_firing() -> None:
    assert alert_state(None) == "firing"
    assert alert_state("ok") == "resolved"


def test_a_huge_day_still_makes_one_postable_digest() -> None:
    items = [
        {
            "event": "deploy.failed" if i % 2 else "deploy.completed",
            "label": f"project-{i}/" + "x" * 80,
            "failed": bool(i % 2),
            "summary": f"Deploy of project-{i} failed",
            "at": _ts("2026-01-01T03:00:00"),
            "url": f"https://p{i}.example.com",
            "error": "boom <b>" * 100,
            "duration": 60.0 * i,
        }
        for i in range(2000)
    ]
    due = _ts("2026-01-01T09:00:00")
    body = postable(
        render_digest(
            day="2026-01-01",
            tz="UTC",
            window_start=due - 86400,
            due_at=due,
            items=items,
            posted_at=due,
        )
    )
    text = mrkdwn_texts(body)
    assert "2000 events · 1000 failures" in text
    assert "more environments not shown" in text
    assert "more failures not shown" in text
    assert "&lt;b&gt;" in text
