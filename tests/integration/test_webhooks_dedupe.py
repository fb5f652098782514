"""Webhook dedupe rests on what the signature covers, never on the unsigned X-OEC-Delivery header.

A delivery captured on the wire can be sent again within the signature tolerance with any
header it likes except the signed ones: a new X-OEC-Delivery must not make it new. Deliveries
are signed exactly as oec.sh signs them and posted over HTTP; the assertions are on what reached
the fake Slack and on the bot's deliveries table.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from oec_chatops.oec.signing import DELIVERY_HEADER, sign_standard_webhooks
from oec_chatops.store.schema import MIGRATIONS
from tests.support.ops_helpers import status_event
from tests.support.stack import CHANNEL, Stack
from tests.support.webhook_helpers import (
    STANDARD_SECRET,
    WEBHOOK_PATH,
    env_data,
    envelope,
    outbox_settled,
    signed,
    standard_webhooks_stack,
    table_count,
    webhook_stack,
)

STAGING = "acme-shop/staging"


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Stack]:
    async with webhook_stack(tmp_path) as s:
        yield s


def _status_body(stack: Stack, *, delivery_id: str | None, status: str = "running") -> bytes:
    """An `environment.status_changed` body: one message in the subscribed channel when new."""
    data = {**env_data(stack, STAGING), "status": status, "previous_status": "stopped"}
    if delivery_id is None:
        return orjson.dumps({"event": "environment.status_changed", "data": data})
    return envelope("environment.status_changed", data, delivery_id=delivery_id)


async def _post(stack: Stack, body: bytes, headers: dict[str, str]) -> dict[str, object]:
    r = await stack.http.post(stack.bot_url + WEBHOOK_PATH, content=body, headers=headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert isinstance(answer, dict)
    return answer


async def _posted(stack: Stack, count: int) -> None:
    """Wait until the channel shows `count` messages and nothing more is queued; check it."""
    await stack.fake.wait_for(lambda f: len(f.messages(CHANNEL)) >= count)
    await outbox_settled(stack)
    assert len(stack.fake.messages(CHANNEL)) == count


def _sign(stack: Stack, body: bytes, *, header_id: str, at: float | None = None) -> dict[str, str]:
    return signed(
        body,
        event="environment.status_changed",
        delivery_id=header_id,
        timestamp=stack.c.clock.time() if at is None else at,
    )


@pytest.mark.parametrize("payload_id", ["evt-7f3a", None], ids=["payload-id", "no-payload-id"])
async def test_replay_under_a_new_delivery_header_is_a_duplicate(
    hooks: Stack, payload_id: str | None
) -> None:
    body = _status_body(hooks, delivery_id=payload_id)
    captured = _sign(hooks, body, header_id="dlv-original")
    first = await _post(hooks, body, captured)
    assert first["duplicate"] is False
    await _posted(hooks, 1)

    # The captured bytes and signature, within the tolerance, under a header id never seen.
    replay = {**captured, DELIVERY_HEADER: "dlv-forged-new-id"}
    again = await _post(hooks, body, replay)
    assert again["duplicate"] is True
    assert again["delivery_id"] == first["delivery_id"]
    # And oec.sh's own retry: the same body and delivery id, signed afresh a minute later.
    retry = _sign(hooks, body, header_id="dlv-original", at=hooks.c.clock.time() + 60)
    assert (await _post(hooks, body, retry))["duplicate"] is True

    await outbox_settled(hooks)
    assert len(hooks.fake.messages(CHANNEL)) == 1
    assert table_count(hooks, "deliveries") == 1


async def test_two_different_events_are_both_posted(hooks: Stack) -> None:
    for n, (payload_id, status) in enumerate([("evt-a", "running"), ("evt-b", "stopped")]):
        body = _status_body(hooks, delivery_id=payload_id, status=status)
        # The same header id on both: it is not what tells deliveries apart.
        answer = await _post(hooks, body, _sign(hooks, body, header_id="dlv-same"))
        assert answer == {"ok": True, "delivery_id": payload_id, "duplicate": False}
        await _posted(hooks, n + 1)
    # Without payload ids, different bodies are different deliveries too.
    project = hooks.sim.project(hooks.sim.environment(hooks.env_id(STAGING)).project_id)
    for env_name in ("blue", "green"):
        raw = status_event(project_id=project.id, env_id=f"env-{env_name}", env_name=env_name)
        body = orjson.dumps(raw)
        assert (await _post(hooks, body, _sign(hooks, body, header_id="dlv-x")))[
            "duplicate"
        ] is False
    await _posted(hooks, 4)
    assert table_count(hooks, "deliveries") == 4


async def test_standard_webhooks_dedupes_on_the_signed_webhook_id(tmp_path: Path) -> None:
    secret = STANDARD_SECRET
    async with standard_webhooks_stack(tmp_path) as stack:
        body = _status_body(stack, delivery_id=None)
        now = int(stack.c.clock.time())
        headers = sign_standard_webhooks(body, secret=secret, timestamp=now, delivery_id="msg_1")
        assert (await _post(stack, body, headers))["delivery_id"] == "msg_1"
        await _posted(stack, 1)
        # The webhook-id is signed: changing it breaks the signature instead of making it new.
        forged = {**headers, "webhook-id": "msg_forged"}
        url = stack.bot_url + WEBHOOK_PATH
        assert (await stack.http.post(url, content=body, headers=forged)).status_code == 401
        retry = sign_standard_webhooks(body, secret=secret, timestamp=now + 30, delivery_id="msg_1")
        assert (await _post(stack, body, retry))["duplicate"] is True
        await outbox_settled(stack)
        assert len(stack.fake.messages(CHANNEL)) == 1
        assert table_count(stack, "deliveries") == 1


def _database_before_the_dedupe_key(path: Path, *, header_id: str, body: bytes) -> None:
    """A database as the previous release left it: one delivery keyed by its header id."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number, statements in enumerate(MIGRATIONS[:3], start=1):
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO deliveries (delivery_id, event, received_at, signed_at, payload) "
        "VALUES (?, 'environment.status_changed', ?, ?, ?)",
        (header_id, time.time(), int(time.time()), body.decode()),
    )
    conn.close()


async def test_a_delivery_stored_before_the_upgrade_is_still_recognised(tmp_path: Path) -> None:
    stored = envelope("environment.status_changed", {}, delivery_id="evt-before-upgrade")
    _database_before_the_dedupe_key(tmp_path / "bot.db", header_id="dlv-old-header", body=stored)
    # The previous release stored only in SQLite: the upgrade is of that file.
    async with webhook_stack(tmp_path, db="sqlite") as stack:
        body = _status_body(stack, delivery_id="evt-before-upgrade")
        answer = await _post(stack, body, _sign(stack, body, header_id="dlv-another-header"))
        assert answer["duplicate"] is True
        assert stack.fake.messages(CHANNEL) == []
        assert table_count(stack, "deliveries") == 1
