"""oCore's error answers in the bot's one exception tree (`oec_chatops.oec.errors`). Pure.

CONTRACT.md §2 pins the bodies: JSON `{"error": "<code>", "message": "…"}` or plain text, and
the class follows the HTTP status (401 bad token, 403 missing `manage:instances`, 404, 409,
422, 429, 5xx), so every message the bot shows keeps its meaning whatever the host. The 403
says "the oCore token lacks manage:instances" in those words, because that is the one thing
an operator has to change. Two errors are oCore's own, both subclasses of `OecError`:

- `OcoreUnsupported` (an `OecInvalidRequest`: nothing was sent): deploy and redeploy, which
  oCore's API does not offer.
- `OcoreOutcomeUnknown`: a control POST whose answer was lost (timeout, broken connection, 5xx).
  oCore has no idempotency key, so re-sending could restart twice; we fail closed and say the
  action may have been sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from oec_chatops.httpapi.statuses import STATUS_CLASSES
from oec_chatops.oec.errors import (
    OecError,
    OecInvalidRequest,
    OecRateLimited,
    OecResponseError,
    OecServerError,
)

LACKS_MANAGE = "the oCore token lacks manage:instances"
_MAX_MESSAGE = 300
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited",
}


class OcoreUnsupported(OecInvalidRequest):
    """An action oCore's API does not offer (deploy, redeploy): refused before sending."""


class OcoreOutcomeUnknown(OecError):
    """A control request was sent but its answer was lost; it was deliberately not re-sent.

    `status` is the HTTP status of the answer when one came (a 5xx), else None.
    """

    def __init__(
        self, message: str, *, status: int | None, endpoint: str = "", request_id: str = ""
    ) -> None:
        super().__init__(message, endpoint=endpoint, request_id=request_id)
        self.status = status


@dataclass(frozen=True, slots=True)
class OcoreErrorBody:
    """What an error answer said: a code (oCore's or one derived from the status) and text."""

    code: str
    message: str | None


def parse_error_body(status: int, content: bytes, content_type: str = "") -> OcoreErrorBody:
    """Read `{"error","message"}`, plain text, or anything else (an HTML proxy page). Never raises."""
    text = content.decode("utf-8", errors="replace").strip()
    default = _CODES.get(status, "server_error" if status >= 500 else f"http_{status}")
    if "html" in content_type.lower() or text.startswith("<"):
        return OcoreErrorBody(default, None)
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        return OcoreErrorBody(default, _clean(text) or None)
    if isinstance(body, dict):
        code = body.get("error")
        message = body.get("message")
        return OcoreErrorBody(
            code.strip() if isinstance(code, str) and code.strip() else default,
            _clean(message) if isinstance(message, str) and message.strip() else None,
        )
    if isinstance(body, str) and body.strip():
        return OcoreErrorBody(default, _clean(body))
    return OcoreErrorBody(default, None)


def build_error(
    status: int,
    body: OcoreErrorBody,
    *,
    endpoint: str,
    request_id: str = "",
    retry_after: float | None = None,
) -> OecResponseError:
    """The exception for an oCore error answer, by HTTP status, with a sentence that says why."""
    said = f" (oCore said: {body.message})" if body.message else ""
    kwargs: dict[str, Any] = {
        "status": status,
        "code": body.code,
        "endpoint": endpoint,
        "request_id": request_id,
    }
    if status == 429:
        wait = retry_after if retry_after is not None else 60.0
        return OecRateLimited(
            f"oCore is rate limiting the bot; retry in {wait:g} s{said}.",
            retry_after=wait,
            **kwargs,
        )
    if status >= 500:
        return OecServerError(f"oCore failed with HTTP {status}{said}.", **kwargs)
    message = {
        401: f"oCore refused the token: missing, invalid or expired JWT{said}.",
        403: f"Refused: {LACKS_MANAGE} permission{said}.",
        404: f"oCore does not know that instance, or the token cannot see it{said}.",
        409: f"oCore refused because of a conflicting operation on the instance{said}.",
    }.get(status)
    if message is None:
        message = body.message or f"oCore refused the request with HTTP {status}."
    return STATUS_CLASSES.get(status, OecResponseError)(message, **kwargs)


def _clean(text: str) -> str:
    return " ".join(text.split())[:_MAX_MESSAGE]
