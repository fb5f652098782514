"""The root of every error this project raises, and the errors of the bot's own doors.

Grouped by what the caller does next, as httpx groups its exceptions::

    ChatopsError
      OecError                  (oec_chatops.oec.errors: the API client's tree)
      WebhookRejected           -> 4xx, nothing stored. Has .reason and .status
        PayloadTooLarge           413
        MalformedPayload          400
        SignatureRejected         401
          MissingSignature
          BadSignature
          StaleTimestamp
      CommandError              the user typed something we cannot run. Has .hint
      PolicyDenied              allowed to ask, not allowed to do. Has .required_role
      ConfigError               a setting is missing or malformed. Names the variable, never its value

Messages are sentences a user can act on and never contain a token, key or signature.
"""

from __future__ import annotations


class ChatopsError(Exception):
    """Base class of every error raised by oec-chatops."""


class WebhookRejected(ChatopsError):
    """An incoming webhook was refused; nothing about it is stored."""

    status: int = 400
    reason: str = "rejected"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class PayloadTooLarge(WebhookRejected):
    status = 413
    reason = "payload_too_large"


class MalformedPayload(WebhookRejected):
    status = 400
    reason = "malformed_payload"


class SignatureRejected(WebhookRejected):
    """The delivery is not proven to come from oec.sh: answer 401."""

    status = 401
    reason = "bad_signature"


class MissingSignature(SignatureRejected):
    reason = "missing_signature"


class BadSignature(SignatureRejected):
    reason = "bad_signature"


class StaleTimestamp(SignatureRejected):
    reason = "stale_timestamp"


class CommandError(ChatopsError):
    """What the user typed cannot be run; `hint` says what would work."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class PolicyDenied(ChatopsError):
    """The user may not run this verb on this environment."""

    def __init__(self, message: str, *, required_role: str) -> None:
        super().__init__(message)
        self.required_role = required_role


class ConfigError(ChatopsError):
    """A setting is missing or malformed. The message names the variable, never its value."""
