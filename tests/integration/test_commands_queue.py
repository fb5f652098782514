"""Bursts of commands: worked on a bounded number at a time, sharing one environment listing,
and an answer Slack refuses never stops the commands queued behind it."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from oec_chatops.playground import FakeSlack
from oec_chatops.services.resolver import CACHE_SECONDS
from oec_chatops.slack.command_queue import MAX_IN_FLIGHT
from tests.support.command_answers import is_note
from tests.support.commands_helpers import (
    ask,
    closed_port_url,
    command_body,
    posts_for,
    skipping_stack,
)
from tests.support.stack import CHANNEL, DEV, VIEWER, Stack

LATENCY_MS = 400


def status_reads(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if r["method"] == "GET" and r["path"].endswith("/status")]


def project_lists(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if r["method"] == "GET" and r["path"].endswith("/projects")]


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


async def burst(stack: Stack, text: str, users: list[str]) -> None:
    """`text` from each of `users` at once; waits until each has its answer."""
    acks = await asyncio.gather(
        *(stack.agent.command(text, user_id=u, channel_id=CHANNEL) for u in users)
    )
    assert {a.status_code for a in acks} == {200}

    def answered(f: FakeSlack) -> bool:
        return all(any(not is_note(p.body) for p in posts_for(f, u)) for u in set(users))

    await stack.fake.wait_for(answered, timeout=10)


def people(stack: Stack, n: int) -> list[str]:
    """`n` viewers of their own: one person's commands run one at a time, in order."""
    return [stack.fake.add_user(f"U0BURST{i:03d}", f"burst{i}").user_id for i in range(n)]


async def test_commands_arriving_together_share_one_environment_listing(tmp_path: Path) -> None:
    async with skipping_stack(tmp_path) as (stack, clock):
        await burst(stack, "status acme-shop/staging", people(stack, 5))

        assert len(project_lists(await stack.sim_requests())) == 1
        assert len(status_reads(await stack.sim_requests())) == 5

        await clock.sleep(CACHE_SECONDS + 1)  # the list is stale now
        await burst(stack, "status globex-erp/staging", [DEV, VIEWER])

        assert len(project_lists(await stack.sim_requests())) == 2


async def test_a_burst_is_worked_on_a_bounded_number_at_a_time(stack: Stack) -> None:
    n = MAX_IN_FLIGHT + 8
    await stack.sim_faults(latency_ms=LATENCY_MS)

    await burst(stack, "status acme-shop/staging", people(stack, n))

    reads = sorted(status_reads(await stack.sim_requests()), key=lambda r: r["seq"])
    assert len(reads) == n
    at = [datetime.fromisoformat(r["at"]) for r in reads]
    # The first MAX_IN_FLIGHT went out together; the next one only once an answer came back.
    assert (at[MAX_IN_FLIGHT - 1] - at[0]).total_seconds() < LATENCY_MS / 1000
    assert (at[MAX_IN_FLIGHT] - at[0]).total_seconds() >= 0.9 * LATENCY_MS / 1000


async def test_an_answer_slack_refuses_is_logged_and_the_next_command_still_runs(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack.fake.fail("response_url", error="expired_url", times=1)

    with caplog.at_level(logging.WARNING, logger="oec_chatops.slack.command_listener"):
        await stack.agent.command("whoami", user_id=DEV, channel_id=CHANNEL)
        answer = await ask(stack, "projects", user_id=DEV)

    assert "Acme Shop" in answer.text
    assert [p.status for p in stack.fake.responses()] == [404, 200]
    assert "command.reply_refused" in logged(caplog)
    metrics = (await stack.http.get(f"{stack.bot_url}/metrics")).text
    assert 'oec_chatops_commands_total{result="crash",verb="whoami"}' not in metrics
    assert 'oec_chatops_commands_total{result="ok",verb="projects"} 1.0' in metrics


async def test_a_response_url_nobody_answers_is_logged_not_crashed(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_body(stack, "whoami", response_url=f"{closed_port_url()}/response/x")

    with caplog.at_level(logging.WARNING):
        r = await stack.agent.post_signed(body)
        assert r.status_code == 200
        # slack_sdk retries a refused connection once before giving up: wait for the verdict.
        async with asyncio.timeout(5):
            while "command.reply_failed" not in (messages := logged(caplog)):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        answer = await ask(stack, "whoami", user_id=DEV)

    assert "deployer" in answer.text
    messages = logged(caplog)
    assert "command.crashed" not in messages
    assert "runner.task_failed" not in messages
