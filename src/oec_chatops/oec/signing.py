"""Webhook signatures: sign (for the simulator) and verify (for the bot), in one place.

oec.sh documents only "HMAC-SHA256"; the header, the signed string and the tolerance are not
public (CONTRACT.md §7.4, §9.9). This module pins the scheme of CONTRACT.md §7.4.1 as
`OEC_V1` and also speaks Standard Webhooks (`STANDARD_WEBHOOKS`), so the day the real scheme is
known it changes here and nowhere else. Pure: the caller passes the clock's `now`.

OEC_V1 headers::

    X-OEC-Signature: t=<unix>,v1=<hex hmac_sha256(secret, "<t>.<raw body>")>[,v1=<hex>...]
    X-OEC-Timestamp: <unix>
    X-OEC-Delivery:  <uuid, the same on every retry>     (NOT signed: never the dedupe key)
    X-OEC-Event:     <event name>

A signature without a timestamp (`X-OEC-Signature: v1=<hex of hmac(secret, raw body)>` or a bare
hex / `sha256=` value) cannot be protected against replay except by dedupe, so it is refused
unless the operator sets `allow_untimestamped`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from oec_chatops.errors import BadSignature, MissingSignature, StaleTimestamp

DEFAULT_TOLERANCE_SECONDS = 300

SIGNATURE_HEADER = "X-OEC-Signature"
TIMESTAMP_HEADER = "X-OEC-Timestamp"
DELIVERY_HEADER = "X-OEC-Delivery"
EVENT_HEADER = "X-OEC-Event"


class Scheme(StrEnum):
    """The signature schemes the verifier can be set to. There is no "none"."""

    OEC_V1 = "oec-v1"
    STANDARD_WEBHOOKS = "standard-webhooks"


@dataclass(frozen=True, slots=True)
class VerifiedDelivery:
    """What a verified request proves: when it was signed, and its delivery id and event if sent.

    `delivery_id` is what the headers claim and may be unsigned (OEC_V1's `X-OEC-Delivery`:
    anyone replaying a captured delivery can change it). `signed_id` is set only when the
    signature covers the id (Standard Webhooks signs `{webhook-id}.{timestamp}.{body}`), so
    only it may serve as a dedupe key.
    """

    timestamp: int | None
    delivery_id: str | None
    event: str | None
    signed_id: str | None = None


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def sign_oec_v1(
    body: bytes,
    *,
    secrets: Sequence[str],
    timestamp: int,
    delivery_id: str,
    event: str,
) -> dict[str, str]:
    """Headers for one delivery, signed with every secret given (several during a rotation)."""
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"] + [f"v1={_hmac_hex(s, signed)}" for s in secrets]
    return {
        SIGNATURE_HEADER: ",".join(parts),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: event,
    }


def sign_standard_webhooks(
    body: bytes, *, secret: str, timestamp: int, delivery_id: str
) -> dict[str, str]:
    """Headers as the Standard Webhooks spec signs them (`whsec_` secrets are base64)."""
    signature = base64.b64encode(
        hmac.new(
            _standard_key(secret), f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256
        ).digest()
    ).decode()
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
    }


def _standard_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except ValueError:
            pass
    return secret.encode()


def _check_timestamp(raw: str, *, now: float, tolerance: int) -> int:
    try:
        timestamp = int(raw)
    except ValueError:
        raise BadSignature("The signature timestamp is not a number of seconds.") from None
    if abs(now - timestamp) > tolerance:
        raise StaleTimestamp(
            f"The signature timestamp is {int(abs(now - timestamp))} s away from now "
            f"(tolerance {tolerance} s): refused as a possible replay."
        )
    return timestamp


def _any_matches(candidates: Sequence[str], expected: Sequence[str]) -> bool:
    # Compare every pair, without an early exit, so timing says nothing about which one matched.
    found = False
    for candidate in candidates:
        for want in expected:
            found |= hmac.compare_digest(candidate.encode(), want.encode())
    return found


def verify_oec_v1(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secrets: Sequence[str],
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    allow_untimestamped: bool = False,
) -> VerifiedDelivery:
    """Verify a delivery signed as CONTRACT.md §7.4.1 says, or raise why not."""
    h = _lower_headers(headers)
    header = h.get(SIGNATURE_HEADER.lower(), "").strip()
    if not header:
        raise MissingSignature(f"The {SIGNATURE_HEADER} header is missing.")
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key.strip(), []).append(value.strip())
        elif part.strip():
            fields.setdefault("bare", []).append(part.strip())
    given = fields.get("v1", []) + fields.get("sha256", []) + fields.get("bare", [])
    if not given:
        raise BadSignature(f"The {SIGNATURE_HEADER} header carries no v1 signature.")
    t_raw = (fields.get("t") or [h.get(TIMESTAMP_HEADER.lower(), "")])[0].strip()
    if t_raw:
        timestamp: int | None = _check_timestamp(t_raw, now=now, tolerance=tolerance)
        header_t = h.get(TIMESTAMP_HEADER.lower())
        if header_t is not None and header_t.strip() != t_raw:
            raise BadSignature("The timestamp header does not match the signed timestamp.")
        signed = f"{timestamp}.".encode() + body
    elif allow_untimestamped:
        timestamp = None
        signed = body
    else:
        raise MissingSignature(
            "The signature carries no timestamp, so it cannot be protected against replay; "
            "set OEC_WEBHOOK_ALLOW_UNTIMESTAMPED=true to accept such deliveries."
        )
    if not secrets:
        raise BadSignature("No webhook secret is configured, so no delivery can be verified.")
    if not _any_matches([g.lower() for g in given], [_hmac_hex(s, signed) for s in secrets]):
        raise BadSignature("No signature matches a configured webhook secret.")
    return VerifiedDelivery(
        timestamp=timestamp,
        delivery_id=h.get(DELIVERY_HEADER.lower()) or None,
        event=h.get(EVENT_HEADER.lower()) or None,
    )


def verify_standard_webhooks(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secrets: Sequence[str],
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> VerifiedDelivery:
    """Verify `webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<base64>`."""
    h = _lower_headers(headers)
    delivery_id = h.get("webhook-id", "").strip()
    t_raw = h.get("webhook-timestamp", "").strip()
    header = h.get("webhook-signature", "").strip()
    if not (delivery_id and t_raw and header):
        raise MissingSignature(
            "The webhook-id, webhook-timestamp and webhook-signature headers are required."
        )
    timestamp = _check_timestamp(t_raw, now=now, tolerance=tolerance)
    given = [p.partition(",")[2] for p in header.split() if p.startswith("v1,")]
    if not given:
        raise BadSignature("The webhook-signature header carries no v1 signature.")
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    expected = [
        base64.b64encode(hmac.new(_standard_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    ]
    if not secrets or not _any_matches(given, expected):
        raise BadSignature("No signature matches a configured webhook secret.")
    return VerifiedDelivery(
        timestamp=timestamp, delivery_id=delivery_id, event=None, signed_id=delivery_id
    )


def verify_delivery(
    body: bytes,
    headers: Mapping[str, str],
    *,
    scheme: Scheme,
    secrets: Sequence[str],
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    allow_untimestamped: bool = False,
) -> VerifiedDelivery:
    """Verify with the configured scheme; the one entry point the receiver uses."""
    if scheme is Scheme.STANDARD_WEBHOOKS:
        return verify_standard_webhooks(
            body, headers, secrets=secrets, now=now, tolerance=tolerance
        )
    return verify_oec_v1(
        body,
        headers,
        secrets=secrets,
        now=now,
        tolerance=tolerance,
        allow_untimestamped=allow_untimestamped,
    )
