"""Slack's request signature (v0), verified over the raw bytes before anything reads them.

https://docs.slack.dev/authentication/verifying-requests-from-slack/ ::

    X-Slack-Request-Timestamp: <unix seconds>
    X-Slack-Signature: v0=<hex hmac_sha256(signing_secret, "v0:<timestamp>:<raw body>")>

Why here and not only in Bolt: Bolt decodes and parses the body before its middleware verifies
it, so a body that is not UTF-8 or not JSON raised (a 500 and a traceback) for anyone on the
internet. Verifying first means an unsigned request is a 401 whatever its bytes are.

Pure: the caller passes `now` (wall-clock seconds, the clock Slack's timestamps are on).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from oec_chatops.errors import BadSignature, MissingSignature, StaleTimestamp

TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
TOLERANCE_SECONDS = 300
"""Slack's advice, and Bolt's: a request signed more than 5 minutes away from now is a replay."""


def expected_signature(secret: str, body: bytes, timestamp: str) -> str:
    """`v0=<hex>` for these bytes at this timestamp, as Slack computes it."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_request(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret: str,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Return if Slack signed exactly these bytes within `tolerance` of `now`; raise otherwise.

    Raises `MissingSignature`, `StaleTimestamp` or `BadSignature` (all 401). The comparison is
    constant-time. An empty secret is refused outright: an HMAC keyed with "" is one anybody
    can compute, so it proves nothing.
    """
    if not secret:
        raise BadSignature("No signing secret is configured, so no request can be verified.")
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get(TIMESTAMP_HEADER, "")
    signature = lower.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise MissingSignature("The request has no Slack signature.")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature("The Slack request timestamp is not a number.")
    if abs(now - int(timestamp)) > tolerance:
        raise StaleTimestamp("The Slack signature is older than five minutes (or from the future).")
    expected = expected_signature(secret, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise BadSignature("The Slack signature does not match the body.")
