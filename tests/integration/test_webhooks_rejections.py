"""Every refusal of `POST /webhooks/oec`: the right status, nothing stored, nothing posted, and a
log line that carries neither the secret nor the body."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest

from oec_chatops.oec.signing import sign_standard_webhooks
from tests.support.stack import CHANNEL, WEBHOOK_SECRET, Stack
from tests.support.webhook_helpers import (
    STANDARD_SECRET,
    WEBHOOK_PATH,
    deliver,
    deployment_messages,
    envelope,
    new_task,
    signed,
    standard_webhooks_stack,
    table_count,
    task_data,
    webhook_stack,
)

STAGING = "acme-shop/staging"
BODY_MARKER = "body-marker-7f3a"  # in every body sent here; must never reach a log line


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Stack]:
    async with webhook_stack(tmp_path) as s:
        yield s


def _assert_nothing_happened(stack: Stack) -> None:
    assert table_count(stack, "deliveries") == 0
    assert table_count(stack, "outbox") == 0
    assert table_count(stack, "deployments") == 0
    assert stack.fake.calls() == []


def _assert_logs_clean(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    rejected = [r for r in caplog.records if r.getMessage() == "webhook.rejected"]
    assert rejected, "each refusal is logged"
    for record in caplog.records:
        seen = repr(record.__dict__)
        assert BODY_MARKER not in seen
        for secret in secrets:
            assert secret not in seen


def _body(event: str = "deploy.started") -> tuple[bytes, str]:
    delivery_id = str(uuid.uuid4())
    data = {"task_id": "t-1", "environment_id": "e-1", "message": BODY_MARKER}
    return envelope(event, data, delivery_id=delivery_id), delivery_id


async def _post(stack: Stack, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    r = await stack.http.post(stack.bot_url + WEBHOOK_PATH, content=body, headers=headers)
    return r.status_code, r.json()["error"]


async def test_tampered_body_is_401(hooks: Stack, caplog: pytest.LogCaptureFixture) -> None:
    body, delivery_id = _body()
    headers = signed(
        body, event="deploy.started", delivery_id=delivery_id, timestamp=hooks.c.clock.time()
    )
    tampered = body.replace(b"t-1", b"t-2")
    assert await _post(hooks, tampered, headers) == (401, "bad_signature")
    _assert_nothing_happened(hooks)
    _assert_logs_clean(caplog, WEBHOOK_SECRET)


async def test_wrong_secret_is_401(hooks: Stack, caplog: pytest.LogCaptureFixture) -> None:
    body, delivery_id = _body()
    headers = signed(
        body,
        event="deploy.started",
        delivery_id=delivery_id,
        timestamp=hooks.c.clock.time(),
        secrets=["not-the-secret"],
    )
    assert await _post(hooks, body, headers) == (401, "bad_signature")
    _assert_nothing_happened(hooks)
    _assert_logs_clean(caplog, WEBHOOK_SECRET, "not-the-secret")


@pytest.mark.parametrize("offset", [-301, +301, -86_400])
async def test_timestamp_outside_five_minutes_is_401(hooks: Stack, offset: int) -> None:
    body, delivery_id = _body()
    headers = signed(
        body,
        event="deploy.started",
        delivery_id=delivery_id,
        timestamp=hooks.c.clock.time() + offset,
    )
    assert await _post(hooks, body, headers) == (401, "stale_timestamp")
    _assert_nothing_happened(hooks)


@pytest.mark.parametrize(
    "drop",
    [("X-OEC-Signature",), ("X-OEC-Signature", "X-OEC-Timestamp")],
    ids=["no-signature", "no-signature-no-timestamp"],
)
async def test_missing_signature_header_is_401(hooks: Stack, drop: tuple[str, ...]) -> None:
    body, delivery_id = _body()
    headers = signed(
        body, event="deploy.started", delivery_id=delivery_id, timestamp=hooks.c.clock.time()
    )
    for name in drop:
        headers.pop(name)
    assert await _post(hooks, body, headers) == (401, "missing_signature")
    _assert_nothing_happened(hooks)


async def test_signature_without_timestamp_is_refused_by_default(hooks: Stack) -> None:
    import hashlib
    import hmac

    body, delivery_id = _body()
    mac = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-OEC-Signature": f"v1={mac}", "X-OEC-Delivery": delivery_id}
    assert await _post(hooks, body, headers) == (401, "missing_signature")
    _assert_nothing_happened(hooks)


async def test_malformed_json_is_400(hooks: Stack, caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"event": "deploy.started", "data": {"message": "' + BODY_MARKER.encode() + b'"'
    headers = signed(
        body, event="deploy.started", delivery_id="d-1", timestamp=hooks.c.clock.time()
    )
    assert await _post(hooks, body, headers) == (400, "malformed_payload")
    _assert_nothing_happened(hooks)
    _assert_logs_clean(caplog, WEBHOOK_SECRET)


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "d-2", "data": {"task_id": "t-1", "message": BODY_MARKER}},
        [{"event": "deploy.started"}],
        {"event": 17, "data": {"message": BODY_MARKER}},
    ],
    ids=["no-event", "array", "event-not-a-string"],
)
async def test_json_of_the_wrong_shape_is_400(hooks: Stack, payload: object) -> None:
    body = orjson.dumps(payload)
    headers = signed(
        body, event="deploy.started", delivery_id="d-2", timestamp=hooks.c.clock.time()
    )
    assert await _post(hooks, body, headers) == (400, "malformed_payload")
    _assert_nothing_happened(hooks)


# -- size: refused before the body is read whole ------------------------------------------------


async def _raw_request(
    url: str, head: str, chunks: AsyncIterator[bytes] | None
) -> tuple[bytes, int]:
    """Send `head` (and `chunks`, stopping at the first chunk the server no longer takes or
    as soon as it has answered); return the answer's status line and how many body bytes went."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    sent = 0
    try:
        writer.write(head.encode())
        await writer.drain()
        if chunks is not None:
            answered = asyncio.ensure_future(reader.readline())
            async for chunk in chunks:
                if answered.done():
                    break
                writer.write(chunk)
                try:
                    await asyncio.wait_for(writer.drain(), timeout=0.5)
                except (TimeoutError, ConnectionError):
                    break
                sent += len(chunk)
                await asyncio.sleep(0)
            status = await asyncio.wait_for(answered, timeout=5)
        else:
            status = await asyncio.wait_for(reader.readline(), timeout=5)
        return status, sent
    finally:
        writer.close()


async def test_declared_two_mib_body_is_413_without_sending_it(
    hooks: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    head = (
        f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"Content-Length: {2 * 1024 * 1024}\r\nX-OEC-Signature: t=1,v1=00\r\n\r\n"
    )
    status, _ = await _raw_request(hooks.bot_url, head, None)
    assert status.startswith(b"HTTP/1.1 413"), status
    _assert_nothing_happened(hooks)
    assert [r for r in caplog.records if r.getMessage() == "webhook.rejected"]


async def test_streamed_two_mib_body_is_413_before_it_is_read_whole(hooks: Stack) -> None:
    """Chunked, so no Content-Length warns the server: it must count and stop at 1 MiB."""
    chunk = b"x" * 65_536
    total = 2 * 1024 * 1024

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(total // len(chunk)):
            yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        yield b"0\r\n\r\n"

    head = (
        f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    status, sent = await _raw_request(hooks.bot_url, head, chunks())
    assert status.startswith(b"HTTP/1.1 413"), status
    assert sent < total, f"the server took all {sent} bytes before answering"
    _assert_nothing_happened(hooks)


async def test_a_body_of_exactly_one_mib_is_accepted(hooks: Stack) -> None:
    task_id = new_task(hooks, STAGING)
    data = task_data(hooks, STAGING, task_id, "running")
    delivery_id = str(uuid.uuid4())
    base = envelope("deploy.started", {**data, "message": ""}, delivery_id=delivery_id)
    padding = 1024 * 1024 - len(base)
    body = envelope("deploy.started", {**data, "message": "p" * padding}, delivery_id=delivery_id)
    assert len(body) == 1024 * 1024
    headers = signed(
        body, event="deploy.started", delivery_id=delivery_id, timestamp=hooks.c.clock.time()
    )
    r = await hooks.http.post(hooks.bot_url + WEBHOOK_PATH, content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert table_count(hooks, "deliveries") == 1


# -- secrets: rotation, opt-ins and the other scheme ---------------------------------------------


async def test_rotation_accepts_the_new_and_the_old_secret(tmp_path: Path) -> None:
    async with webhook_stack(
        tmp_path, environ={"OEC_WEBHOOK_SECRET": f"brand-new-secret,{WEBHOOK_SECRET}"}
    ) as stack:
        for secret, label in (
            ("brand-new-secret", STAGING),
            (WEBHOOK_SECRET, "globex-erp/staging"),
        ):
            task_id = new_task(stack, label)
            data = task_data(stack, label, task_id, "completed")
            r = await deliver(stack, "deploy.completed", data, secrets=[secret])
            assert r.status_code == 200, (secret, r.text)
            await stack.fake.wait_for(lambda f, t=task_id: deployment_messages(f, CHANNEL, t))
        # oec.sh signing with both during the switch is accepted too; a third secret is not.
        both = await deliver(
            stack, "unknown.kind", {}, secrets=["brand-new-secret", WEBHOOK_SECRET]
        )
        assert both.status_code == 200
        r = await deliver(stack, "deploy.completed", {}, secrets=["some-other-secret"])
        assert (r.status_code, r.json()["error"]) == (401, "bad_signature")
        assert table_count(stack, "deliveries") == 3


async def test_untimestamped_signatures_when_the_operator_opts_in(tmp_path: Path) -> None:
    import hashlib
    import hmac

    async with webhook_stack(
        tmp_path, environ={"OEC_WEBHOOK_ALLOW_UNTIMESTAMPED": "true"}
    ) as stack:
        body, delivery_id = _body("something.new")
        mac = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"X-OEC-Signature": f"sha256={mac}", "X-OEC-Delivery": delivery_id}
        assert (
            await stack.http.post(stack.bot_url + WEBHOOK_PATH, content=body, headers=headers)
        ).status_code == 200
        # Replaying it is caught by dedupe only: same delivery id, nothing new stored.
        again = await stack.http.post(stack.bot_url + WEBHOOK_PATH, content=body, headers=headers)
        assert again.json()["duplicate"] is True
        bad = {"X-OEC-Signature": "sha256=" + "0" * 64, "X-OEC-Delivery": "x"}
        assert (
            await stack.http.post(stack.bot_url + WEBHOOK_PATH, content=body, headers=bad)
        ).status_code == 401
        assert table_count(stack, "deliveries") == 1


async def test_standard_webhooks_scheme(tmp_path: Path) -> None:
    secret = STANDARD_SECRET
    async with standard_webhooks_stack(tmp_path) as stack:
        task_id = new_task(stack, STAGING)
        body = orjson.dumps(
            {"event": "deploy.started", "data": task_data(stack, STAGING, task_id, "running")}
        )
        now = int(stack.c.clock.time())
        headers = sign_standard_webhooks(body, secret=secret, timestamp=now, delivery_id="msg_1")
        url = stack.bot_url + WEBHOOK_PATH
        r = await stack.http.post(url, content=body, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["delivery_id"] == "msg_1"
        await stack.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, task_id))

        # The other scheme's headers, a tampered body and a stale one are all refused.
        oec_v1 = signed(
            body, event="deploy.started", delivery_id="msg_2", timestamp=now, secrets=[secret]
        )
        assert (await stack.http.post(url, content=body, headers=oec_v1)).status_code == 401
        tampered = body.replace(b"running", b"failed!")
        assert (await stack.http.post(url, content=tampered, headers=headers)).status_code == 401
        old = sign_standard_webhooks(body, secret=secret, timestamp=now - 600, delivery_id="msg_3")
        r = await stack.http.post(url, content=body, headers=old)
        assert (r.status_code, r.json()["error"]) == (401, "stale_timestamp")
        assert table_count(stack, "deliveries") == 1
