"""No key in logs, exception texts or reprs, whatever the API answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from oec_chatops.oec.errors import OecError
from tests.support.oec_mock import answered_by

RW_TOKEN = "RwSecretToken_" + "r" * 30
RO_TOKEN = "RoSecretToken_" + "o" * 30
RW = f"oec_live_rw_{RW_TOKEN}"
RO = f"oec_live_ro_{RO_TOKEN}"


def echoing_server() -> Iterator[httpx.Response]:
    """An API having a bad day, that even echoes the key it was sent in its error text."""
    yield httpx.Response(429, json={"error": "rate_limit_exceeded"}, headers={"Retry-After": "1"})
    yield httpx.Response(
        401, json={"detail": {"error": "invalid_key", "message": f"Key {RW} is revoked"}}
    )
    yield httpx.Response(
        403, json={"detail": {"error": "read_only_key", "message": f"{RO} is read-only"}}
    )
    yield httpx.Response(302, headers={"location": f"https://evil.test/?key={RW}"})
    yield httpx.Response(500, text=f"<pre>Authorization: Bearer {RW}</pre>")
    yield httpx.Response(200, json={"name": RW})  # an answer that fails validation


async def test_keys_never_reach_logs_exceptions_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    answers = echoing_server()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/slow"):
            raise httpx.ReadTimeout(f"timed out talking to {request.url}", request=request)
        return next(answers)

    caplog.set_level(logging.DEBUG)
    client = answered_by(handler, rw=RW, ro=RO, max_attempts=2)
    errors: list[OecError] = []
    async with client:
        for call in (
            lambda: client.get_environment("e1"),  # 429, then 401
            lambda: client.deploy("e1", idempotency_key="k"),  # 403
            lambda: client.list_projects(),  # redirect
            lambda: client.test_webhook("w1"),  # 500 with the header echoed
            lambda: client.get_project("p1"),  # invalid answer carrying the key
            lambda: client.get_task("slow"),  # timeouts
        ):
            with pytest.raises(OecError) as info:
                await call()
            errors.append(info.value)
        texts = [repr(client), str(client.tiers)]
    assert len(errors) == 6
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(getattr(e, "extra", {})) for e in errors]
    texts += [caplog.text] + [repr(r.__dict__) for r in caplog.records]
    for text in texts:
        assert RW_TOKEN not in text
        assert RO_TOKEN not in text
    assert any(r.getMessage() == "oec.request" for r in caplog.records)


async def test_log_records_carry_the_request_fields(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "e1", "name": "staging"})

    caplog.set_level(logging.INFO, logger="oec_chatops.oec.client")
    client = answered_by(handler, rw=RW)
    async with client:
        await client.get_environment("e1")
    (record,) = [r for r in caplog.records if r.getMessage() == "oec.request"]
    fields = record.__dict__
    assert fields["method"] == "GET"
    assert fields["endpoint"] == "GET /environments/{env_id}"
    assert fields["status"] == 200
    assert fields["attempt"] == 1
    assert fields["request_id"].startswith("req_")
    assert fields["duration_ms"] >= 0
    assert fields["key_slot"] == "rw"
