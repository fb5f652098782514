"""Sign requests to the app exactly as Slack signs them (v0).

https://docs.slack.dev/authentication/verifying-requests-from-slack/ ::

    X-Slack-Request-Timestamp: <unix seconds>
    X-Slack-Signature: v0=<hex hmac_sha256(signing_secret, "v0:<timestamp>:<raw body>")>

The body is signed byte for byte as sent, so the caller signs the very bytes it posts.
"""

from __future__ import annotations

import hashlib
import hmac

from oec_chatops.clock import Clock, SystemClock

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


class SlackSigner:
    """Holds a signing secret (never shown in its repr) and a clock for the timestamp."""

    __slots__ = ("_clock", "_secret")

    def __init__(self, signing_secret: str, *, clock: Clock | None = None) -> None:
        if not signing_secret:
            raise ValueError("A signing secret is required to sign requests like Slack.")
        self._secret = signing_secret.encode()
        self._clock: Clock = clock or SystemClock()

    def __repr__(self) -> str:
        return "SlackSigner(signing_secret=<hidden>)"

    def signature(self, body: bytes, *, timestamp: int) -> str:
        """`v0=<hex>` for this body at this timestamp."""
        base = b"v0:" + str(timestamp).encode() + b":" + body
        return "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()

    def headers(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """The two headers Slack adds; `timestamp` defaults to the clock's now."""
        ts = int(self._clock.time()) if timestamp is None else timestamp
        return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: self.signature(body, timestamp=ts)}
