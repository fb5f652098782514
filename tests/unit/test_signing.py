"""Webhook signatures (CONTRACT.md §7.4.1 and Standard Webhooks): sign, verify, and refuse why."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from oec_chatops.errors import BadSignature, MissingSignature, SignatureRejected, StaleTimestamp
from oec_chatops.oec.signing import (
    Scheme,
    sign_oec_v1,
    sign_standard_webhooks,
    verify_delivery,
    verify_oec_v1,
    verify_standard_webhooks,
)

NOW = 1_767_225_600
SECRET = "whsec-unit-test-secret"
BODY = b'{"id":"d1","event":"deploy.started","data":{"task_id":"t1"}}'


def _headers(
    body: bytes = BODY, *, secrets: list[str] | None = None, t: int = NOW
) -> dict[str, str]:
    return sign_oec_v1(
        body, secrets=secrets or [SECRET], timestamp=t, delivery_id="d1", event="deploy.started"
    )


def test_round_trip_returns_what_the_headers_prove() -> None:
    v = verify_oec_v1(BODY, _headers(), secrets=[SECRET], now=NOW)
    assert (v.timestamp, v.delivery_id, v.event) == (NOW, "d1", "deploy.started")


def test_header_names_are_case_insensitive_and_hex_case_does_not_matter() -> None:
    h = {k.lower(): v.upper() if k == "X-OEC-Signature" else v for k, v in _headers().items()}
    h["x-oec-signature"] = h["x-oec-signature"].replace("T=", "t=").replace("V1=", "v1=")
    assert verify_oec_v1(BODY, h, secrets=[SECRET], now=NOW).delivery_id == "d1"


@pytest.mark.parametrize(
    ("signed_with", "configured"),
    [
        (["new"], ["new", "old"]),
        (["old"], ["new", "old"]),
        (["new", "old"], ["old"]),
        (["other", "old"], ["new", "old"]),
    ],
)
def test_rotation_any_pair_matching_is_enough(
    signed_with: list[str], configured: list[str]
) -> None:
    verify_oec_v1(BODY, _headers(secrets=signed_with), secrets=configured, now=NOW)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda b, h: (b + b" ", h), BadSignature),
        (lambda b, h: (b.replace(b"t1", b"t2"), h), BadSignature),
        (lambda b, h: (b, {**h, "X-OEC-Signature": h["X-OEC-Signature"][:-1] + "0"}), BadSignature),
        (
            lambda b, h: (b, {k: v for k, v in h.items() if k != "X-OEC-Signature"}),
            MissingSignature,
        ),
        (lambda b, h: (b, {**h, "X-OEC-Signature": f"t={NOW}"}), BadSignature),
        (lambda b, h: (b, {**h, "X-OEC-Timestamp": str(NOW + 1)}), BadSignature),
        (lambda b, h: (b, {**h, "X-OEC-Signature": "t=soon,v1=00"}), BadSignature),
    ],
    ids=["appended", "tampered", "wrong-mac", "missing", "no-v1", "timestamp-mismatch", "t-nan"],
)
def test_refusals_say_why(change, error) -> None:  # type: ignore[no-untyped-def]
    body, headers = change(BODY, _headers())
    with pytest.raises(error) as caught:
        verify_oec_v1(body, headers, secrets=[SECRET], now=NOW)
    assert caught.value.status == 401
    assert SECRET not in str(caught.value)


def test_wrong_secret_and_no_secret_configured() -> None:
    with pytest.raises(BadSignature):
        verify_oec_v1(BODY, _headers(), secrets=["another"], now=NOW)
    with pytest.raises(BadSignature, match="No webhook secret is configured"):
        verify_oec_v1(BODY, _headers(), secrets=[], now=NOW)


@pytest.mark.parametrize(("skew", "ok"), [(-300, True), (300, True), (-301, False), (301, False)])
def test_five_minute_tolerance_both_ways(skew: int, ok: bool) -> None:
    headers = _headers(t=NOW + skew)
    if ok:
        verify_oec_v1(BODY, headers, secrets=[SECRET], now=NOW)
    else:
        with pytest.raises(StaleTimestamp):
            verify_oec_v1(BODY, headers, secrets=[SECRET], now=NOW)


def test_untimestamped_signatures_only_when_allowed() -> None:
    mac = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    for header in (f"v1={mac}", f"sha256={mac}", mac):
        h = {"X-OEC-Signature": header}
        with pytest.raises(MissingSignature, match="OEC_WEBHOOK_ALLOW_UNTIMESTAMPED"):
            verify_oec_v1(BODY, h, secrets=[SECRET], now=NOW)
        v = verify_oec_v1(BODY, h, secrets=[SECRET], now=NOW, allow_untimestamped=True)
        assert v.timestamp is None
    # Allowed or not, a timestamped signature is still checked against its timestamp.
    with pytest.raises(StaleTimestamp):
        verify_oec_v1(
            BODY, _headers(t=NOW - 999), secrets=[SECRET], now=NOW, allow_untimestamped=True
        )


def test_standard_webhooks_round_trip_with_whsec_and_plain_secrets() -> None:
    raw = b"standard-webhooks-key-bytes"
    whsec = "whsec_" + base64.b64encode(raw).decode()
    for secret in (whsec, "plain-secret"):
        h = sign_standard_webhooks(BODY, secret=secret, timestamp=NOW, delivery_id="msg_1")
        v = verify_standard_webhooks(BODY, h, secrets=[secret], now=NOW)
        assert (v.delivery_id, v.timestamp) == ("msg_1", NOW)
        same = verify_delivery(
            BODY, h, scheme=Scheme.STANDARD_WEBHOOKS, secrets=["x", secret], now=NOW
        )
        assert same.delivery_id == "msg_1"
    # The spec's header may carry several signatures separated by spaces.
    h = sign_standard_webhooks(BODY, secret=whsec, timestamp=NOW, delivery_id="msg_1")
    h["webhook-signature"] = "v1,AAAA " + h["webhook-signature"]
    verify_standard_webhooks(BODY, h, secrets=[whsec], now=NOW)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: {**h, "webhook-id": "msg_2"},  # the id is signed too
        lambda h: {**h, "webhook-timestamp": str(NOW - 301)},
        lambda h: {k: v for k, v in h.items() if k != "webhook-id"},
        lambda h: {**h, "webhook-signature": "v2,abc"},
    ],
    ids=["other-id", "stale", "no-id", "no-v1"],
)
def test_standard_webhooks_refusals(mutate) -> None:  # type: ignore[no-untyped-def]
    h = sign_standard_webhooks(BODY, secret=SECRET, timestamp=NOW, delivery_id="msg_1")
    with pytest.raises(SignatureRejected):
        verify_standard_webhooks(BODY, mutate(h), secrets=[SECRET], now=NOW)


def test_the_scheme_decides_which_headers_count() -> None:
    oec = _headers()
    with pytest.raises(MissingSignature):
        verify_delivery(BODY, oec, scheme=Scheme.STANDARD_WEBHOOKS, secrets=[SECRET], now=NOW)
    std = sign_standard_webhooks(BODY, secret=SECRET, timestamp=NOW, delivery_id="m")
    with pytest.raises(MissingSignature):
        verify_delivery(BODY, std, scheme=Scheme.OEC_V1, secrets=[SECRET], now=NOW)
    assert verify_delivery(BODY, oec, scheme=Scheme.OEC_V1, secrets=[SECRET], now=NOW).event
