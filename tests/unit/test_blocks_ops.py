"""Renderers of the Odoo operations: backups, backup progress, restore snapshot, reinitialize
warning, metrics and runtime logs. Each body is checked with `postable` (Slack's limits, no
stray markup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oec_chatops.blockkit_limits import MAX_SECTION_TEXT
from oec_chatops.domain import EnvRef
from oec_chatops.oec.models import Task
from oec_chatops.oec.ops_models import Backup, EnvironmentMetrics, RuntimeLog
from oec_chatops.slack.blocks.backups import (
    format_age,
    human_size,
    reinit_warning,
    render_backup_progress,
    render_backups,
    restore_snapshot,
)
from oec_chatops.slack.blocks.metrics import health_summary, meter, render_metrics
from oec_chatops.slack.blocks.runtime_logs import render_runtime_logs, runtime_limit_text
from tests.support.blocks import postable, texts

ENV = EnvRef(env_id="e-1", env_name="staging", project_id="p-1", project_name="Shop")
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
MIB = 1024**2
GIB = 1024**3


def backup(**fields: Any) -> Backup:
    base: dict[str, Any] = {
        "id": "1a2b3c4d-0000-4000-8000-000000000001",
        "status": "completed",
        "backup_type": "scheduled",
        "include_filestore": True,
        "database_size": 563 * MIB,
        "filestore_size": 900 * MIB,
        "total_size": 1463 * MIB,
        "created_at": (NOW - timedelta(days=1)).isoformat(),
    }
    return Backup.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (None, "size unknown"),
        (0, "0 B"),
        (1023, "1023 B"),
        (563 * MIB, "563 MB"),
        (1463 * MIB, "1.4 GB"),
        (12 * GIB, "12 GB"),
    ],
)
def test_sizes_read_like_du(size: int | None, shown: str) -> None:
    assert human_size(size) == shown


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=5), "5 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=2, hours=5), "2 d ago"),
    ],
)
def test_ages(ago: timedelta, shown: str) -> None:
    assert format_age(NOW - ago, NOW) == shown
    assert format_age(None, NOW) == "age unknown"


def test_backups_are_listed_latest_first_with_size_type_status_and_age() -> None:
    old = backup(id="old00000-x", created_at=(NOW - timedelta(days=2)).isoformat())
    new = backup(
        id="new00000-x",
        status="in_progress",
        backup_type="manual",
        total_size=None,
        database_size=None,
        filestore_size=None,
        created_at=(NOW - timedelta(minutes=3)).isoformat(),
        notes="before <the> upgrade",
    )
    body = postable(render_backups(ENV, [old, new], now=NOW, total=7))
    text = texts(body)
    assert text.index("new00000") < text.index("old00000")
    assert "*in progress* · size unknown · manual, full · 3 min ago" in text
    assert "*completed* · 1.4 GB · scheduled, full · 2 d ago" in text
    assert "before &lt;the&gt; upgrade" in text
    assert "latest 2 of 7" in text


def test_no_backups_says_how_to_take_one() -> None:
    body = postable(render_backups(ENV, [], now=NOW))
    assert "/oec backup Shop/staging" in texts(body)


def test_many_backups_stay_within_slack_limits() -> None:
    many = [backup(id=f"{i:08d}-x", notes="n" * 200) for i in range(100)]
    postable(render_backups(ENV, many, now=NOW))


def test_backup_progress_draws_the_task_bar_then_the_size() -> None:
    running = backup(
        status="in_progress",
        total_size=None,
        database_size=None,
        filestore_size=None,
        task_id="t-1",
    )
    task = Task.model_validate(
        {
            "id": "t-1",
            "type": "backup",
            "status": "running",
            "progress_percent": 40,
            "current_step": "dump_database",
            "steps_completed": 1,
            "total_steps": 4,
        }
    )
    body = postable(
        render_backup_progress(ENV, running, now=NOW, task=task, requested_by="U123ABC")
    )
    text = texts(body)
    assert "▓▓▓▓░░░░░░ 40%" in text
    assert "dump_database" in text
    assert "<@U123ABC>" in text
    assert "*Size*" not in text
    done = postable(
        render_backup_progress(
            ENV,
            backup(include_filestore=False, filestore_size=0, total_size=563 * MIB),
            now=NOW,
            task=task,
        )
    )
    assert "563 MB" in texts(done)
    assert "database only" in texts(done)
    assert "▓" not in texts(done)
    assert done["text"] == "Backup Shop/staging: completed, 563 MB"


def test_a_failed_backup_shows_why() -> None:
    failed = backup(status="failed", total_size=None, error_message="pg_dump exited ``` <1>")
    body = postable(render_backup_progress(ENV, failed, now=NOW))
    assert "pg_dump exited" in texts(body)
    assert body["text"].startswith("Backup Shop/staging: failed: pg_dump")


def test_the_restore_snapshot_names_the_backup_age_size_and_type() -> None:
    assert (
        restore_snapshot(backup(), now=NOW)
        == "Backup `1a2b3c4d` · 1 d ago · 1.4 GB · full · scheduled"
    )
    pending = restore_snapshot(
        backup(
            status="pending",
            backup_type="manual",
            include_filestore=False,
            total_size=None,
            database_size=None,
            filestore_size=None,
        ),
        now=NOW,
    )
    assert (
        pending == "Backup `1a2b3c4d` · 1 d ago · size unknown · database only · manual · *pending*"
    )


def test_the_snapshot_never_guesses_what_a_backup_holds() -> None:
    unknown = Backup.model_validate({"id": "abcdef0123", "status": "completed"})
    assert "contents unknown" in restore_snapshot(unknown, now=NOW)
    assert backup(include_filestore=None, filestore_size=5).kind == "full"
    assert backup(include_filestore=None, filestore_size=0).kind == "database only"


def test_the_reinitialize_warning_says_data_may_be_reset() -> None:
    text = reinit_warning(["sale_custom", "stock"])
    assert "module data may be reset" in text
    assert "`sale_custom`, `stock`" in text


METRICS = {
    "environment_id": "e-1",
    "status": "running",
    "odoo": {
        "status": "running",
        "cpu_percent": 23.4,
        "memory_used_bytes": 1 * GIB,
        "memory_limit_bytes": 3 * GIB,
        "memory_percent": 33.3,
    },
    "postgres": {
        "status": "running",
        "cpu_percent": 150.0,
        "memory_used_bytes": 256 * MIB,
        "memory_limit_bytes": 1 * GIB,
    },
    "disk": {
        "allocated_gb": 20,
        "database_bytes": 2 * GIB,
        "filestore_bytes": 3 * GIB,
        "addons_bytes": 100 * MIB,
        "measured_at": "2026-12-07T05:55:00Z",
    },
    "queried_at": "2026-12-07T06:00:00Z",
}


def test_metrics_draw_bars_for_cpu_memory_and_the_disk_split_with_the_time() -> None:
    body = postable(render_metrics(ENV, EnvironmentMetrics.model_validate(METRICS)))
    text = texts(body)
    assert "CPU     `▓▓░░░░░░░░` 23%" in text
    assert "Memory `▓▓▓░░░░░░░` 33% (1.0 GB of 3.0 GB)" in text
    assert "`▓▓▓▓▓▓▓▓▓▓` 150%" in text  # PostgreSQL on several cores: full bar, true figure
    assert "Memory `▓▓░░░░░░░░` 25% (256 MB of 1.0 GB)" in text  # share computed from bytes
    assert "5.1 GB used of 20 GB (25%)" in text
    assert "Database  `▓░░░░░░░░░` 2.0 GB" in text
    assert "Filestore `▓░░░░░░░░░` 3.0 GB" in text
    assert "Addons    `░░░░░░░░░░` 100 MB" in text
    assert "queried <!date^1796623200^" in text
    assert "disk measured" in text


def test_metrics_of_a_stopped_environment_and_missing_figures() -> None:
    stopped = EnvironmentMetrics.model_validate(
        {"status": "stopped", "odoo": None, "postgres": None}
    )
    text = texts(postable(render_metrics(ENV, stopped)))
    assert "*Odoo* · not running" in text
    assert "*Disk* · not measured" in text
    assert "is stopped" in text
    assert meter(None) == "`░░░░░░░░░░`"


def test_the_health_summary_is_one_line() -> None:
    line = health_summary(EnvironmentMetrics.model_validate(METRICS))
    assert line == "Odoo CPU 23% mem 33% · PostgreSQL CPU 150% mem 25% · disk 25% of 20 GB"
    assert "\n" not in line


def test_runtime_logs_keep_the_end_and_name_the_source() -> None:
    log = "\n".join(
        f"2026-12-07 05:59:{i % 60:02d},000 7 INFO db werkzeug: <GET /web> line {i}"
        for i in range(500)
    )
    body = postable(
        render_runtime_logs(
            ENV,
            RuntimeLog.model_validate(
                {"source": "postgres", "log": log, "fetched_at": "2026-12-07T06:00:00Z"}
            ),
        )
    )
    code_text = body["blocks"][0]["text"]["text"]
    assert len(code_text) <= MAX_SECTION_TEXT
    assert code_text.rstrip("`\n").endswith("line 499")
    assert "line 0\n" not in code_text
    assert "&lt;GET /web&gt;" in code_text
    assert "PostgreSQL log of `Shop/staging`" in texts(body)
    assert "truncated: showing last" in texts(body)


def test_an_empty_runtime_log_says_so() -> None:
    body = postable(
        render_runtime_logs(ENV, RuntimeLog.model_validate({"source": "odoo", "log": ""}))
    )
    assert "No Odoo log lines" in texts(body)


def test_the_limit_text_says_when_to_try_again() -> None:
    assert runtime_limit_text(39.2).endswith("try again in 40 s.")
