"""The platforms file at start-up and in `oec-chatops check`.

A file naming a variable that is not set stops `serve` with exit 2 naming it (never a value);
`check` reads each configured host for real and reports it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from oec_chatops.adapters.check import run_check
from tests.integration.test_ops_config import serve
from tests.support.commands_helpers import ask
from tests.support.hosts import hosts_stack, platforms_toml
from tests.support.stack import BOT_TOKEN, RW_KEY, SIGNING_SECRET, VIEWER

DERP_KEY = "derp_sk_write_" + "K" * 32


@pytest.mark.slow
def test_a_platforms_file_naming_unset_variables_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "platforms.toml"
    path.write_text(
        platforms_toml(
            oec_url="https://api.oec.sh/api/public/v1",
            ocore_url="https://api.ocore.dev/api",
            derp_url="https://api.deployerp.com/v1",
        ),
        encoding="utf-8",
    )
    done = serve(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "OEC_API_KEY": RW_KEY,
            "DEPLOYERP_API_KEY": DERP_KEY,
            "OEC_CHATOPS_PLATFORMS": str(path),
            "OEC_CHATOPS_DB": str(tmp_path / "bot.db"),
        },
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for missing in ("OCORE_TOKEN", "DEPLOYERP_WEBHOOK_SECRET", "OEC_API_KEY_RO"):
        assert missing in lines[0]
    assert "DEPLOYERP_API_KEY" not in lines[0]  # set: not named
    assert DERP_KEY not in done.stderr + done.stdout
    assert RW_KEY not in done.stderr
    assert not (tmp_path / "bot.db").exists()


async def test_check_reports_each_configured_platform(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path) as h:
        out = io.StringIO()
        await run_check(h.stack.settings, out=out)
        report = out.getvalue()
    assert "[ok  ] oec rw key" in report
    assert "[ok  ] ocore (ocore): reachable, token accepted (5 instances visible)" in report
    assert "[ok  ] derp (deployerp): reachable, key accepted (2 servers), 1000 requests" in report
    assert "derp webhook secret" in report


async def test_a_bot_without_oec_sh_is_ready_and_serves_the_others(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path, names=("ocore", "derp"), webhook_events=None) as h:
        ready = await h.stack.http.get(f"{h.stack.bot_url}/readyz")
        assert ready.status_code == 200, ready.text
        answer = await ask(h.stack, "envs", user_id=VIEWER)
        assert "ocore:eu-1/shop-staging" in answer.text
        assert "derp:eu-1/shop-staging" in answer.text
        assert "acme-shop" not in answer.text
