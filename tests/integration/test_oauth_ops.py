"""Operating a multi-workspace install: /readyz without a token of its own, and `check` going
through the encryption key and every installed workspace."""

from __future__ import annotations

import io
from pathlib import Path

from oec_chatops.adapters.check import run_check
from tests.support.oauth import KEYS, TEAM_A, TEAM_B, install, oauth_stack


async def test_readyz_is_ready_with_no_token_of_its_own(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        r = await s.http.get(f"{s.bot_url}/readyz")

        assert r.status_code == 200, r.text
        assert [c.method for c in s.fake.calls()] == ["api.test"]


async def test_check_reports_each_workspace_and_the_one_without_a_key(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        out = io.StringIO()
        assert await run_check(s.settings, out=out) == 0
        assert "none installed yet" in out.getvalue()
        await install(s, TEAM_A, key=KEYS[TEAM_A])
        await install(s, TEAM_B)

        out = io.StringIO()
        await run_check(s.settings, out=out)

        report = out.getvalue()
        assert "[ok  ] encryption key: opens every stored secret" in report
        assert f"[ok  ] workspace {TEAM_A}: bot token valid" in report
        assert f"[ok  ] workspace {TEAM_A} rw key" in report
        assert f"[warn] workspace {TEAM_B}: no oec.sh key" in report
        assert f"[warn] workspace {TEAM_A}: no webhook secret" in report
        assert f"webhooks register --team {TEAM_A}" in report
        assert f"[ok  ] workspace {TEAM_B}: bot token valid" in report
        for secret in (KEYS[TEAM_A], *s.fake.installs.tokens_of(TEAM_A)):
            assert secret not in report
