"""`python -m oec_chatops serve` with a bad setting: exit 2, one line naming it, never its value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ops_helpers import child_environ
from tests.support.stack import BOT_TOKEN, RW_KEY, SIGNING_SECRET

BAD_KEY = "oec_live_rw_no spaces allowed: secret!"


def serve(environ: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oec_chatops", "serve", "--port", "0"],
        env=child_environ(environ),
        capture_output=True,
        text=True,
        timeout=15,
        cwd=cwd,
        check=False,
    )


@pytest.mark.slow
def test_bad_api_key_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    done = serve(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "OEC_API_KEY": BAD_KEY,
            "OEC_CHATOPS_DB": str(tmp_path / "bot.db"),
        },
        tmp_path,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "OEC_API_KEY" in lines[0]
    assert BAD_KEY not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "bot.db").exists()  # stopped before touching anything


@pytest.mark.slow
def test_bad_policy_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[roles]\nadmin = ["U0ADMIN"]\n', encoding="utf-8")
    done = serve(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "OEC_API_KEY": RW_KEY,
            "OEC_CHATOPS_DB": str(tmp_path / "bot.db"),
            "OEC_CHATOPS_POLICY": str(policy),
        },
        tmp_path,
    )
    assert done.returncode == 2
    assert "configuration error" in done.stderr
    assert "`roles.admin`" in done.stderr
    for secret in (BOT_TOKEN, SIGNING_SECRET, RW_KEY):
        assert secret not in done.stderr + done.stdout
