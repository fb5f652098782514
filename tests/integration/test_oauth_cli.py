"""The operator's side of a multi-workspace install, as `python -m oec_chatops` in a child
process: a partial OAuth set-up never starts, a workspace's oec.sh key goes in through stdin
and is stored sealed, and a wrong encryption key stops everything with a clear sentence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oec_chatops.store import Store
from tests.support.cli import run_cli
from tests.support.oauth import (
    ENCRYPTION_KEY,
    HOOK_SECRETS,
    KEY_B,
    OAUTH_ENV,
    OTHER_KEY,
    TEAM_A,
    TEAM_B,
    raw_database,
)
from tests.support.stack import POLICY, SIGNING_SECRET, on_both_engines, stack_database


@pytest.fixture
def db(tmp_path: Path) -> str:
    """The database these CLI runs share (`stack_database`: on PostgreSQL when asked)."""
    return stack_database(tmp_path)


def _env(db: str | Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        **OAUTH_ENV,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "OEC_CHATOPS_DB": str(db),
        "PORT": "0",
        **extra,
    }


@pytest.mark.parametrize("left_out", ["SLACK_CLIENT_SECRET", "OEC_CHATOPS_ENCRYPTION_KEY"])
async def test_serve_refuses_a_partial_oauth_setup_naming_what_is_missing(
    tmp_path: Path, left_out: str
) -> None:
    env = {k: v for k, v in _env(tmp_path / "bot.db").items() if k != left_out}

    status, _, err = await run_cli("serve", env=env)

    assert status == 2
    assert f"missing {left_out}" in err
    assert "multi-workspace" in err
    assert all(v not in err for k, v in OAUTH_ENV.items() if k != "SLACK_CLIENT_ID")
    assert not (tmp_path / "bot.db").exists()  # refused before anything was created


@on_both_engines
async def test_set_key_reads_stdin_and_stores_the_key_sealed(tmp_path: Path, db: str) -> None:
    status, out, err = await run_cli(
        "workspace", "set-key", TEAM_B, env=_env(db), stdin=KEY_B + "\n"
    )
    assert (status, err) == (0, "")
    assert f"oec.sh key set for {TEAM_B}" in out
    raw = raw_database(db)
    assert KEY_B.encode() not in raw
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    status, out, _ = await run_cli("workspace", "set-policy", TEAM_B, str(policy), env=_env(db))
    assert status == 0

    status, out, _ = await run_cli("workspace", "list", env=_env(db))

    assert status == 0
    assert f"{TEAM_B}\t-\tnot installed\tkey set\tpolicy set" in out
    store = Store(db)
    try:
        row = store.workspace_settings.get(TEAM_B)
        assert row is not None
        assert row.oec_key_sealed
        assert KEY_B not in row.oec_key_sealed
    finally:
        store.close()


async def test_a_bad_policy_changes_nothing(tmp_path: Path, db: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[role]\nadmins = ["U0ADMIN"]\n', encoding="utf-8")  # [role]: a typo

    status, _, err = await run_cli("workspace", "set-policy", TEAM_B, str(policy), env=_env(db))

    assert status == 2
    assert "policy.toml" in err
    status, out, _ = await run_cli("workspace", "list", env=_env(db))
    assert out == ""


@on_both_engines
async def test_a_wrong_encryption_key_refuses_to_start_and_rotation_recovers(db: str) -> None:
    await run_cli("workspace", "set-key", TEAM_B, env=_env(db), stdin=KEY_B)
    wrong = _env(db, OEC_CHATOPS_ENCRYPTION_KEY=OTHER_KEY)

    for args in (("serve",), ("workspace", "list")):
        status, out, err = await run_cli(*args, env=wrong)
        assert status == 2, (args, err)
        assert "cannot be decrypted with OEC_CHATOPS_ENCRYPTION_KEY" in err
        assert TEAM_B in err
        assert OTHER_KEY not in err
        assert ENCRYPTION_KEY not in err

    both = _env(db, OEC_CHATOPS_ENCRYPTION_KEY=f"{OTHER_KEY},{ENCRYPTION_KEY}")
    status, out, _ = await run_cli("workspace", "rotate-key", env=both)
    assert status == 0
    assert "re-sealed 1 secret(s)" in out
    status, out, _ = await run_cli("workspace", "list", env=wrong)  # the new key alone now
    assert status == 0
    assert "key set" in out


@on_both_engines
async def test_set_webhook_secret_reads_stdin_stores_it_sealed_and_list_shows_it(db: str) -> None:
    new, old = HOOK_SECRETS[TEAM_A], HOOK_SECRETS[TEAM_B]  # rotating: the new one, the old one
    status, _, err = await run_cli(
        "workspace", "set-webhook-secret", TEAM_B, env=_env(db), stdin="short\n"
    )
    assert status == 2
    assert "at least 16 characters" in err
    assert "short" not in err.replace("shorter", "")

    status, out, err = await run_cli(
        "workspace", "set-webhook-secret", TEAM_B, env=_env(db), stdin=f"{new},{old}\n"
    )

    assert (status, err) == (0, "")
    assert f"/webhooks/oec/{TEAM_B}" in out
    assert new not in out
    raw = raw_database(db)
    assert new.encode() not in raw
    assert old.encode() not in raw
    status, out, _ = await run_cli("workspace", "list", env=_env(db))
    assert f"{TEAM_B}\t-\tnot installed\tkey MISSING" in out
    assert "webhook set" in out
    # A multi-workspace install has no install-wide webhook: `register` asks which workspace.
    status, _, err = await run_cli("webhooks", "register", env=_env(db))
    assert status == 2
    assert "--team" in err
