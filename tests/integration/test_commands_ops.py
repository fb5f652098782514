"""`/oec backups`, `/oec metrics` and `/oec logs --runtime` end to end.

A signed slash command in; the answer is read at the fake Slack, the calls from the simulator's
request log. On a bot with oCore and deployERP too, an environment of theirs is answered "not
offered by <host>'s API" and no request carries its `name:`-prefixed id anywhere.
"""

from __future__ import annotations

from pathlib import Path

from oec_chatops.sim.seed import seed_id
from oec_chatops.slack.blocks.statuses import BAR_EMPTY, BAR_FULL
from tests.support.commands_helpers import ask
from tests.support.hosts import HostsStack, hosts_stack
from tests.support.stack import VIEWER, Stack

STAGING = seed_id("env/acme-shop/staging")


def gets(requests: list[dict[str, object]], suffix: str) -> list[dict[str, object]]:
    return [r for r in requests if r["method"] == "GET" and str(r["path"]).endswith(suffix)]


async def test_backups_are_listed_newest_first_for_a_viewer(stack: Stack) -> None:
    answer = await ask(stack, "backups acme-shop/staging", user_id=VIEWER)

    text = answer.text
    assert "Backups of acme-shop/staging" in text
    assert text.index("1 d ago") < text.index("2 d ago")  # the seeded nightlies, newest first
    assert "scheduled" in text
    assert "completed" in text
    assert " MB" in text or " GB" in text
    assert "/oec restore acme-shop/staging" in text  # how to bring one back, after approval
    [listed] = gets(await stack.sim_requests(), f"/environments/{STAGING}/backups")
    assert listed["query"] == {"page": "1", "page_size": "10"}


async def test_metrics_show_cpu_memory_and_the_disk_split_as_bars(stack: Stack) -> None:
    answer = await ask(stack, "metrics acme-shop/staging", user_id=VIEWER)

    text = answer.text
    assert "Metrics of acme-shop/staging" in text
    for shown in ("Odoo", "PostgreSQL", "Database", "Filestore", "Addons", "queried"):
        assert shown in text
    assert BAR_FULL in text or BAR_EMPTY in text
    assert len(gets(await stack.sim_requests(), f"/environments/{STAGING}/metrics")) == 1


async def test_runtime_logs_of_postgres(stack: Stack) -> None:
    answer = await ask(
        stack, "logs acme-shop/staging --runtime --source postgres --lines 20", user_id=VIEWER
    )

    assert "PostgreSQL log" in answer.text
    [sent] = gets(await stack.sim_requests(), f"/environments/{STAGING}/runtime-logs")
    assert sent["query"] == {"source": "postgres", "lines": "20"}


async def test_the_seventh_live_call_in_a_minute_is_refused_before_reaching_oec(
    stack: Stack,
) -> None:
    for _ in range(6):
        answer = await ask(stack, "logs acme-shop/staging --runtime", user_id=VIEWER)
        assert "Odoo log" in answer.text

    seventh = await ask(stack, "logs acme-shop/staging --runtime", user_id=VIEWER)

    assert "try again in " in seventh.text
    assert " s." in seventh.text
    assert "6 runtime-log and metrics requests a minute" in seventh.text
    sent = gets(await stack.sim_requests(), f"/environments/{STAGING}/runtime-logs")
    assert len(sent) == 6


async def test_a_live_log_of_an_environment_in_error_says_it_is_not_running(
    stack: Stack,
) -> None:
    answer = await ask(stack, "logs globex-erp/staging --runtime", user_id=VIEWER)

    assert "No live log of `globex-erp/staging`" in answer.text
    assert "in error" in answer.text
    env = seed_id("env/globex-erp/staging")
    assert len(gets(await stack.sim_requests(), f"/environments/{env}/runtime-logs")) == 1


async def test_an_unknown_log_source_is_refused_by_the_grammar(stack: Stack) -> None:
    answer = await ask(stack, "logs acme-shop/staging --runtime --source nginx", user_id=VIEWER)

    assert "Unknown log source" in answer.text
    assert "`postgres`" in answer.text
    assert await stack.sim_requests() == []


async def test_ocore_and_deployerp_environments_are_told_it_is_not_offered(
    tmp_path: Path,
) -> None:
    async with hosts_stack(tmp_path) as hosts:
        await _not_offered(hosts)


async def _not_offered(hosts: HostsStack) -> None:
    stack = hosts.stack
    backups = await ask(stack, "backups ocore:eu-1/shop-staging", user_id=VIEWER)
    metrics = await ask(stack, "metrics derp:eu-1/shop-staging", user_id=VIEWER)
    live = await ask(stack, "logs derp:eu-1/shop-staging --runtime", user_id=VIEWER)
    on_oec = await ask(stack, "backups acme-shop/staging", user_id=VIEWER)

    assert "Backups are not offered by oCore" in backups.text
    assert "Metrics are not offered by deployERP" in metrics.text
    assert "Runtime logs are not offered by deployERP" in live.text
    assert "Backups of acme-shop/staging" in on_oec.text  # oec.sh's own still answer
    everywhere = await hosts.everywhere()
    for r in everywhere:
        path = str(r["path"])
        assert not path.endswith(("/metrics", "/runtime-logs")), path
        assert "backups" not in path or STAGING in path, path
