"""`oec-chatops db`: an operator reads the audit trail, deliveries and outbox of a bot's database,
as a table or as JSON lines, filtered by time and column, without ever writing to it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import orjson
import pytest

from oec_chatops.store import Store
from tests.support.cli import run_cli

pytestmark = pytest.mark.slow


def _populate(path: Path) -> None:
    """A small history, written through the bot's own repositories."""
    now = time.time()
    store = Store(path)
    try:
        store.audit.record(
            at=now - 10 * 86400, actor="U0OLD", action="command.deploy", result="denied"
        )
        store.audit.record(
            at=now - 60,
            actor="U0DANA",
            action="approval.requested",
            result="pending",
            target="acme-shop/production",
            detail={"reason": "fixing invoice totals " + "x" * 80},
            request_id="req-1",
        )
        store.audit.record(at=now - 30, actor="U0LEA", action="approval.vote", result="approved")
        store.deliveries.insert(
            delivery_id="dlv-1",
            event="deploy.completed",
            received_at=now - 20,
            signed_at=int(now - 20),
            task_id="task-1",
            env_id="env-1",
            payload=b'{"event": "deploy.completed", "secret_looking": "payload"}',
        )
        store.outbox.enqueue(
            kind="deployment", key="task-1", channel_id="C0DEPLOYS", body={}, now=now - 5
        )
    finally:
        store.close()


async def _cli(*args: str) -> tuple[int, str, str]:
    return await run_cli("db", *args, env={"PATH": os.environ.get("PATH", "")})


async def test_the_audit_trail_as_a_table_and_as_json(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    _populate(db)

    code, out, err = await _cli("audit", "--db", str(db))
    assert code == 0, err
    header, *lines = out.splitlines()
    assert header.split()[:6] == ["id", "at", "actor", "action", "target", "result"]
    assert [line.split()[2] for line in lines] == ["U0LEA", "U0DANA", "U0OLD"]  # newest first
    assert "…" in out  # the long detail is cut in a table

    code, out, err = await _cli("audit", "--db", str(db), "--since", "1h", "--json")
    assert code == 0, err
    rows = [orjson.loads(line) for line in out.splitlines()]
    assert [r["actor"] for r in rows] == ["U0LEA", "U0DANA"]
    assert rows[1]["target"] == "acme-shop/production"
    assert rows[1]["at"].endswith("+00:00")  # times as UTC, as in the logs
    assert "x" * 80 in rows[1]["detail"]  # JSON shows it whole

    code, out, err = await _cli("audit", "--db", str(db), "--action", "approval.vote", "--json")
    assert [orjson.loads(line)["actor"] for line in out.splitlines()] == ["U0LEA"]


async def test_deliveries_leave_their_payload_out_and_the_outbox_filters_by_state(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bot.db"
    _populate(db)

    code, out, err = await _cli("deliveries", "--db", str(db), "--json")
    assert code == 0, err
    (row,) = [orjson.loads(line) for line in out.splitlines()]
    assert row["delivery_id"] == "dlv-1"
    assert row["event"] == "deploy.completed"
    assert "payload" not in row

    code, out, err = await _cli("outbox", "--db", str(db), "--state", "pending")
    assert code == 0, err
    assert "C0DEPLOYS" in out
    code, out, err = await _cli("outbox", "--db", str(db), "--state", "dead")
    assert out == "(no rows)\n"

    code, out, err = await _cli("tables", "--db", str(db), "--json")
    counts = {r["table"]: r["rows"] for r in map(orjson.loads, out.splitlines())}
    assert counts["audit"] == 3
    assert counts["deliveries"] == 1


async def test_it_never_writes_and_refuses_a_missing_database(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    _populate(db)
    before = db.read_bytes()
    code, _, err = await _cli("audit", "--db", str(db))
    assert code == 0, err
    assert db.read_bytes() == before

    missing = tmp_path / "nowhere.db"
    code, _, err = await _cli("audit", "--db", str(missing))
    assert code == 2
    assert "no database" in err
    assert not missing.exists()

    code, _, err = await _cli("audit", "--db", str(db), "--since", "last tuesday")
    assert code == 2
    assert "--since" in err
