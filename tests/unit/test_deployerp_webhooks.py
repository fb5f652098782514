"""deployERP webhook verification and mapping, on plain bytes and headers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from oec_chatops.deployerp.settings import DerpSettings
from oec_chatops.deployerp.webhooks import (
    EVENTS_WITHOUT_OEC_EQUIVALENT,
    parse_delivery,
    read_delivery,
    to_webhook_event,
)
from oec_chatops.errors import BadSignature, MalformedPayload, MissingSignature, StaleTimestamp
from oec_chatops.oec.signing import sign_standard_webhooks
from tests.support.derp_helpers import WEBHOOK_SECRET

NOW = 1_767_225_600
INSTANCE = {
    "id": "ins_1",
    "name": "shop-prod",
    "server_id": "srv_1",
    "status": "running",
    "environment": "production",
    "url": "https://shop.example",
}


def body(event: str, data: dict[str, Any], event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {"id": event_id, "event": event, "created_at": "2026-01-01T00:00:00Z", "data": data}
    ).encode()


def signed(raw: bytes, *, at: int = NOW, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return sign_standard_webhooks(raw, secret=secret, timestamp=at, delivery_id="msg_1")


def test_a_signed_delivery_is_read_with_the_body_id_as_dedupe_key() -> None:
    raw = body("instance.deployed", {"instance": INSTANCE})
    n = read_delivery(raw, signed(raw), secrets=[WEBHOOK_SECRET], now=NOW + 10)
    assert (n.delivery_id, n.signed_at) == ("evt_1", NOW)
    assert n.event.event == "deploy.completed"
    assert n.event.id == "evt_1"


def test_a_tampered_body_is_refused() -> None:
    raw = body("instance.deployed", {"instance": INSTANCE})
    headers = signed(raw)
    with pytest.raises(BadSignature):
        read_delivery(
            raw.replace(b"shop-prod", b"shop-evil"), headers, secrets=[WEBHOOK_SECRET], now=NOW
        )


def test_another_secret_is_refused() -> None:
    raw = body("instance.stopped", {"instance": INSTANCE})
    other = "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC0zMmI="
    with pytest.raises(BadSignature):
        read_delivery(raw, signed(raw, secret=other), secrets=[WEBHOOK_SECRET], now=NOW)


@pytest.mark.parametrize("age", [301, -301])
def test_a_stale_or_future_signature_is_refused(age: int) -> None:
    raw = body("instance.stopped", {"instance": INSTANCE})
    with pytest.raises(StaleTimestamp):
        read_delivery(raw, signed(raw, at=NOW - age), secrets=[WEBHOOK_SECRET], now=NOW)


def test_the_tolerance_is_the_settings_one() -> None:
    raw = body("instance.stopped", {"instance": INSTANCE})
    headers = signed(raw, at=NOW - 301)
    n = read_delivery(
        raw,
        headers,
        secrets=[WEBHOOK_SECRET],
        now=NOW,
        settings=DerpSettings(webhook_tolerance=600),
    )
    assert n.delivery.event == "instance.stopped"


def test_missing_headers_are_refused_before_parsing() -> None:
    with pytest.raises(MissingSignature):
        read_delivery(b"not json", {}, secrets=[WEBHOOK_SECRET], now=NOW)


@pytest.mark.parametrize(
    "raw", [b"[1]", b"{", b'{"event": "x", "data": {}}', b'{"id": "", "event": "x"}']
)
def test_a_malformed_body_is_refused(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        parse_delivery(raw)


def test_each_event_maps_to_what_the_pipeline_routes() -> None:
    server = {"id": "srv_1", "name": "eu-1", "provider": "hetzner", "region": "fsn1"}
    backup = {"id": "bkp_1", "instance_id": "ins_1", "status": "completed", "size_bytes": 1048576}
    cases = {
        "instance.deployed": {"instance": INSTANCE},
        "instance.stopped": {"instance": {**INSTANCE, "status": "stopped"}},
        "backup.completed": {"backup": backup},
        "backup.failed": {"backup": {**backup, "status": "failed", "error": "disk full"}},
        "server.created": {"server": server},
        "server.deleted": {"server": server},
    }
    events = {
        name: to_webhook_event(parse_delivery(body(name, data)), server_names={"srv_1": "eu-1"})
        for name, data in cases.items()
    }
    deployed = events["instance.deployed"]
    assert (deployed.event, deployed.data.status, deployed.data.type) == (
        "deploy.completed",
        "completed",
        "deploy",
    )
    assert (deployed.data.project_id, deployed.data.project_name) == ("srv_1", "eu-1")
    assert deployed.data.task_id is None  # no action id in the payload: not a tracked task
    stopped = events["instance.stopped"]
    assert (stopped.event, stopped.data.status) == ("environment.status_changed", "stopped")
    assert events["backup.completed"].data.message == "Backup bkp_1 completed (1.0 MB)."
    failed = events["backup.failed"].data
    assert (failed.message, failed.error_message) == ("Backup bkp_1 failed.", "disk full")
    assert events["server.created"].data.message == "Server eu-1 (hetzner, fsn1) was provisioned."
    assert events["server.deleted"].data.project_name == "eu-1"
    assert set(EVENTS_WITHOUT_OEC_EQUIVALENT) == {
        "backup.completed",
        "backup.failed",
        "server.created",
        "server.deleted",
    }


def test_an_unknown_event_keeps_its_name() -> None:
    event = to_webhook_event(parse_delivery(body("invoice.paid", {})))
    assert event.event == "invoice.paid"
