"""`python -m oec_chatops serve` with a bad setting: exit 2, one line naming it, never its value.

A partial set of credentials is a bad setting too: `serve` must not fall back to the demo (which
answers /readyz ok while serving nobody), and must not touch the database OEC_CHATOPS_DB names.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ops_helpers import bot_process, child_environ, outside_world
from tests.support.stack import BOT_TOKEN, RW_KEY, SIGNING_SECRET, WEBHOOK_SECRET, bot_environ

BAD_KEY = "oec_live_rw_no spaces allowed: secret!"
APP_TOKEN = "xapp-1-A0OECAPP-1-configapptoken"
SECRETS = (BOT_TOKEN, RW_KEY, SIGNING_SECRET, WEBHOOK_SECRET, APP_TOKEN)


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


BAD_FREEZE = """
[[freeze]]
environments = ["production"]
reason = "Year-end close"
start = 2026-12-20T18:00:00
end = 2027-01-04T08:00:00
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[roles]\nadmin = ["U0ADMIN"]\n', "`roles.admin`"),
        # A freeze table that cannot be read: no start rather than no freeze (fail closed).
        (BAD_FREEZE, "`freeze[0].timezone` is missing"),
    ],
    ids=["unknown-key", "freeze-without-timezone"],
)
def test_bad_policy_file_stops_start_up_naming_it(tmp_path: Path, text: str, named: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
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
    assert named in done.stderr
    for secret in (BOT_TOKEN, SIGNING_SECRET, RW_KEY):
        assert secret not in done.stderr + done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("environ", "named"),
    [
        pytest.param(
            # The set-up: the bot token misspelt, OEC_API_KEY forgotten.
            {
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "OEC_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "SLACK_BOT_TOKN": BOT_TOKEN,
            },
            [
                "missing SLACK_BOT_TOKEN, OEC_API_KEY (",
                "SLACK_BOT_TOKN is not a variable oec-chatops reads (did you mean SLACK_BOT_TOKEN?)",
            ],
            id="misspelt-token",
        ),
        pytest.param(
            {"SLACK_APP_TOKEN": APP_TOKEN, "OEC_WEBHOOK_SECRET": WEBHOOK_SECRET},
            ["missing SLACK_BOT_TOKEN, OEC_API_KEY ("],
            id="socket-mode",
        ),
        pytest.param(
            {"SLACK_BOT_TOKN": BOT_TOKEN},
            ["SLACK_BOT_TOKN is not a variable oec-chatops reads (did you mean SLACK_BOT_TOKEN?)"],
            id="only-a-misspelling",
        ),
    ],
)
def test_a_partial_configuration_stops_serve_instead_of_starting_the_demo(
    tmp_path: Path, environ: dict[str, str], named: list[str]
) -> None:
    db = tmp_path / "data" / "oec-chatops.db"  # as the image sets it
    db.parent.mkdir()
    done = serve({**environ, "OEC_CHATOPS_DB": str(db)}, tmp_path)  # the demo would not exit
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("oec-chatops: configuration error: ")
    for part in named:
        assert part in lines[0]
    for secret in SECRETS:
        assert secret not in done.stderr + done.stdout
    assert list(db.parent.iterdir()) == []  # nothing created, nothing opened


async def test_serve_names_a_stray_variable_beside_a_complete_configuration(
    tmp_path: Path,
) -> None:
    async with outside_world() as o:
        environ = bot_environ(tmp_path, slack_url=o.slack_url, sim_url=o.sim_url)
        environ["OEC_WEBHOOK_SECRETS"] = WEBHOOK_SECRET  # meant: a second secret, misspelt
        async with bot_process(environ, tmp_path=tmp_path) as bot:
            stderr = bot.stderr()
    warnings = [line for line in stderr.splitlines() if "config.unknown_variable" in line]
    assert len(warnings) == 1, stderr
    assert "OEC_WEBHOOK_SECRETS" in warnings[0]
    assert "OEC_WEBHOOK_SECRET" in warnings[0].replace("OEC_WEBHOOK_SECRETS", "")
    for secret in SECRETS:
        assert secret not in stderr
