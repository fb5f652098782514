"""`oec-chatops check` against the simulator and the fake Slack: a short report, exit 0 only when
everything passed, and the reason on the line of whatever failed."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from oec_chatops.adapters.check import REQUIRED_SCOPES, run_check
from oec_chatops.config import load_settings, unknown_variables
from tests.support.ops_helpers import (
    Outside,
    SocketModeStandIn,
    child_environ,
    outside_world,
)
from tests.support.stack import (
    BOT_TOKEN,
    RO_KEY,
    RW_KEY,
    SIGNING_SECRET,
    WEBHOOK_SECRET,
    bot_environ,
)

APP_TOKEN = "xapp-1-A0OECAPP-1-checkapptoken"
SECRETS = (BOT_TOKEN, RO_KEY, RW_KEY, SIGNING_SECRET, WEBHOOK_SECRET, APP_TOKEN)


@pytest.fixture
async def outside() -> AsyncIterator[Outside]:
    async with outside_world() as o:
        yield o


async def check(o: Outside, tmp_path: Path, **environ: str) -> tuple[int, str]:
    env = {**bot_environ(tmp_path, slack_url=o.slack_url, sim_url=o.sim_url), **environ}
    out = io.StringIO()
    status = await run_check(load_settings(env), out=out, unknown=unknown_variables(env))
    report = out.getvalue()
    for secret in SECRETS:
        assert secret not in report
    return status, report


def line(report: str, what: str) -> str:
    found = [x for x in report.splitlines() if x.split("] ", 1)[-1].startswith(what + ":")]
    assert len(found) == 1, report
    return found[0]


async def test_all_good_exits_zero_with_one_line_per_check(
    outside: Outside, tmp_path: Path
) -> None:
    status, report = await check(outside, tmp_path)
    assert status == 0, report
    assert report.endswith("all checks passed\n")
    assert line(report, "slack").startswith("[ok  ]")
    assert "team" in line(report, "slack")
    assert "HTTP" in line(report, "slack mode")
    rw, ro = line(report, "oec.sh rw key"), line(report, "oec.sh ro key")
    assert "full access" in rw
    assert "read only" in ro
    assert "rate limit" in rw  # X-RateLimit-* headers reported
    assert line(report, "webhook secret").startswith("[ok  ]")
    assert line(report, "database").startswith("[ok  ]")
    assert line(report, "policy").startswith("[ok  ]")
    # The fake Slack reports its granted scopes (X-OAuth-Scopes) as Slack does.
    assert line(report, "slack scopes") == (
        "[ok  ] slack scopes: every scope the bot uses is granted"
    )


async def test_a_stray_variable_is_a_warning_not_a_failure(
    outside: Outside, tmp_path: Path
) -> None:
    status, report = await check(outside, tmp_path, OEC_WEBHOOK_SECRETS=WEBHOOK_SECRET)
    assert status == 0, report
    assert (
        "[warn] configuration: OEC_WEBHOOK_SECRETS is not a variable oec-chatops reads "
        "(did you mean OEC_WEBHOOK_SECRET?)"
    ) in report.splitlines()


async def test_a_bad_bot_token_fails_with_slacks_reason(outside: Outside, tmp_path: Path) -> None:
    status, report = await check(outside, tmp_path, SLACK_BOT_TOKEN="xoxb-revoked-0000-token")
    assert status == 1
    assert line(report, "slack") == "[FAIL] slack: auth.test refused the bot token: invalid_auth"
    assert "xoxb-revoked-0000-token" not in report
    assert report.endswith("1 check(s) failed\n")


async def test_unreachable_oec_fails_each_key(outside: Outside, tmp_path: Path) -> None:
    status, report = await check(outside, tmp_path, OEC_API_URL="http://127.0.0.1:9/api/public/v1")
    assert status == 1
    for slot in ("rw", "ro"):
        assert line(report, f"oec.sh {slot} key").startswith(
            f"[FAIL] oec.sh {slot} key: refused (no answer) Could not reach oec.sh"
        )


async def test_a_key_oec_does_not_know_is_refused(outside: Outside, tmp_path: Path) -> None:
    unknown = "oec_live_ro_" + "U" * 40
    status, report = await check(outside, tmp_path, OEC_API_KEY_RO=unknown)
    assert status == 1
    assert line(report, "oec.sh ro key").startswith("[FAIL] oec.sh ro key: refused (401")
    assert line(report, "oec.sh rw key").startswith("[ok  ]")
    assert unknown not in report


async def test_missing_webhook_secret_and_bad_policy_fail(outside: Outside, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[protected]\napprovals = -1\n", encoding="utf-8")
    env = bot_environ(tmp_path, slack_url=outside.slack_url, sim_url=outside.sim_url)
    del env["OEC_WEBHOOK_SECRET"]
    env["OEC_CHATOPS_POLICY"] = str(policy)
    out = io.StringIO()
    assert await run_check(load_settings(env), out=out) == 1
    report = out.getvalue()
    assert "OEC_WEBHOOK_SECRET not set" in line(report, "webhook secret")
    assert line(report, "policy").startswith("[FAIL] policy:")
    assert report.endswith("2 check(s) failed\n")


async def test_scopes_and_socket_mode_token_through_a_slack_that_reports_them(
    outside: Outside, tmp_path: Path
) -> None:
    granted = ",".join(sorted(REQUIRED_SCOPES - {"usergroups:read"}))
    standin = SocketModeStandIn(app_token=APP_TOKEN, scopes=granted)
    async with standin.running() as url:
        standin.upstream = outside.slack_url
        status, report = await check(
            outside, tmp_path, SLACK_API_URL=f"{url}/api/", SLACK_APP_TOKEN=APP_TOKEN
        )
        assert status == 1
        assert line(report, "slack scopes") == (
            "[FAIL] slack scopes: missing usergroups:read: reinstall from manifest.yml"
        )
        assert line(report, "slack mode").startswith("[ok  ] slack mode: Socket Mode")
        assert standin.opened == 1

        standin.scopes = ",".join(sorted(REQUIRED_SCOPES | {"users:read"}))
        status, report = await check(
            outside,
            tmp_path,
            SLACK_API_URL=f"{url}/api/",
            SLACK_APP_TOKEN="xapp-1-A0OECAPP-1-someoneelsestoken",
        )
        assert status == 1
        assert line(report, "slack scopes").startswith("[ok  ]")
        assert line(report, "slack mode") == (
            "[FAIL] slack mode: Socket Mode refused the app-level token: invalid_auth"
        )

        standin.scopes = None  # a Slack that does not say: a warning, not a failure
        status, report = await check(outside, tmp_path, SLACK_API_URL=f"{url}/api/")
        assert status == 0, report
        assert line(report, "slack scopes").startswith("[warn]")


@pytest.mark.slow
async def test_the_command_line_exit_status(outside: Outside, tmp_path: Path) -> None:
    async def run(**environ: str) -> tuple[int, str, str]:
        env = {**bot_environ(tmp_path, slack_url=outside.slack_url, sim_url=outside.sim_url)}
        env.update(environ)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "oec_chatops",
            "check",
            env=child_environ(env),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=20)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

    good, bad = await asyncio.gather(run(), run(SLACK_BOT_TOKEN="xoxb-revoked-0000-token"))
    assert good[0] == 0, good
    assert good[1].endswith("all checks passed\n")
    assert good[2] == ""  # the report is the whole output: no log noise
    assert bad[0] == 1
    assert "invalid_auth" in bad[1]
    for secret in SECRETS:
        assert secret not in good[1] + good[2] + bad[1] + bad[2]
