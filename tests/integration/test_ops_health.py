"""/healthz and /readyz: alive, and ready with the outside checks cached so probes cost little.

/readyz answers strangers too, so it names failing checks and nothing more; the details are
logged once per change. Call counts are read where the calls land: the simulator's request
log and the fake Slack's.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from oec_chatops.adapters.health import FAIL_SECONDS, OK_SECONDS
from oec_chatops.clock import ManualClock
from tests.support.approval_helpers import build_with
from tests.support.stack import Stack, running_stack


async def project_reads(stack: Stack) -> int:
    return sum(
        1
        for r in await stack.sim_requests()
        if r["method"] == "GET" and r["path"].endswith("/projects")
    )


def auth_tests(stack: Stack) -> int:
    return len(stack.fake.calls("auth.test"))


async def test_healthz_answers_without_touching_the_outside(stack: Stack) -> None:
    before = await project_reads(stack), auth_tests(stack)
    r = await stack.http.get(f"{stack.bot_url}/healthz")
    assert r.status_code == 200
    assert r.json()["ok"] is True
    assert (await project_reads(stack), auth_tests(stack)) == before


async def test_two_readyz_calls_make_one_api_call_and_one_auth_test(tmp_path: Path) -> None:
    async with running_stack(tmp_path, environ={"OEC_API_KEY_RO": ""}) as stack:
        first = await stack.http.get(f"{stack.bot_url}/readyz")
        second = await stack.http.get(f"{stack.bot_url}/readyz")
        for r in (first, second):
            assert r.status_code == 200, r.text
            assert r.json() == {"ok": True, "failing": []}
        assert await project_reads(stack) == 1
        assert auth_tests(stack) == 1


async def test_concurrent_probes_share_one_call_per_key(stack: Stack) -> None:
    answers = await asyncio.gather(*(stack.http.get(f"{stack.bot_url}/readyz") for _ in range(5)))
    assert {r.status_code for r in answers} == {200}
    # The stack has a full-access and a read-only key: one probe each, not five.
    assert await project_reads(stack) == 2
    assert auth_tests(stack) == 1


def readiness_logs(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, object]]:
    """(level, event, check) of every readiness line logged so far."""
    return [
        (r.levelname, r.getMessage(), getattr(r, "check", None))
        for r in caplog.records
        if r.name == "oec_chatops.health"
    ]


async def test_readyz_tells_a_stranger_nothing_but_ready(stack: Stack) -> None:
    r = await stack.http.get(f"{stack.bot_url}/readyz")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "failing": []}
    for detail in (stack.fake.identity.team_id, "team", "key", "full", "read"):
        assert detail not in r.text


async def test_a_bad_slack_token_is_not_ready_and_is_rechecked_sooner(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="oec_chatops.health")
    clock = ManualClock()
    async with running_stack(
        tmp_path,
        environ={"SLACK_BOT_TOKEN": "xoxb-revoked-token-0000", "OEC_API_KEY_RO": ""},
        build=build_with(clock=clock),
    ) as stack:
        r = await stack.http.get(f"{stack.bot_url}/readyz")
        assert r.status_code == 503
        assert r.json() == {"ok": False, "failing": ["slack"]}
        assert "invalid_auth" not in r.text  # the reason is the operator's, in the log
        assert "xoxb-revoked-token-0000" not in r.text

        clock.advance(FAIL_SECONDS - 1)
        await stack.http.get(f"{stack.bot_url}/readyz")
        assert auth_tests(stack) == 1  # still cached
        clock.advance(2)
        await stack.http.get(f"{stack.bot_url}/readyz")
        assert auth_tests(stack) == 2  # a failure is rechecked after FAIL_SECONDS
        # The passing oec.sh check lasts the full minute.
        assert await project_reads(stack) == 1
        clock.advance(OK_SECONDS - FAIL_SECONDS)
        await stack.http.get(f"{stack.bot_url}/readyz")
        assert await project_reads(stack) == 2

    # Four probes, two Slack refusals: one line, with the reason.
    assert readiness_logs(caplog) == [("WARNING", "readiness.failing", "slack")]
    failing = next(r for r in caplog.records if r.getMessage() == "readiness.failing")
    assert getattr(failing, "detail", None) == "invalid_auth"


async def test_a_failing_check_is_logged_once_and_its_recovery_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="oec_chatops.health")
    clock = ManualClock()
    async with running_stack(tmp_path, build=build_with(clock=clock)) as stack:
        stack.fake.fail("auth.test", error="account_inactive")
        for _ in range(3):
            r = await stack.http.get(f"{stack.bot_url}/readyz")
            assert r.json() == {"ok": False, "failing": ["slack"]}
            clock.advance(FAIL_SECONDS + 1)
        assert auth_tests(stack) == 3
        stack.fake.clear_scenarios()
        for _ in range(3):
            r = await stack.http.get(f"{stack.bot_url}/readyz")
            assert r.json() == {"ok": True, "failing": []}
            clock.advance(OK_SECONDS + 1)

    assert readiness_logs(caplog) == [
        ("WARNING", "readiness.failing", "slack"),
        ("INFO", "readiness.recovered", "slack"),
    ]


async def test_unreachable_oec_is_not_ready(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="oec_chatops.health")
    async with running_stack(
        tmp_path, environ={"OEC_API_URL": "http://127.0.0.1:9/api/public/v1"}
    ) as stack:
        r = await stack.http.get(f"{stack.bot_url}/readyz")
        assert r.status_code == 503
        assert r.json() == {"ok": False, "failing": ["oec"]}
    failing = [r for r in caplog.records if r.getMessage() == "readiness.failing"]
    assert [getattr(r, "check", None) for r in failing] == ["oec"]
    assert "no answer" in str(getattr(failing[0], "detail", ""))
