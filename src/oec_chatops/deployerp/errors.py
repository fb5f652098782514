"""deployERP error answers → the same `OecError` tree oec.sh's answers become. Pure.

deployERP answers `{"error": {"code", "message", "details"}}` (seed 003, CONTRACT.md §3). The
class is chosen by code where the code is documented and by HTTP status otherwise, so that
`services.explain` says the same sentence whatever the host: `unauthorized` → OecAuthError,
`forbidden` → OecForbidden (on a write: OecReadOnlyKey, because the only writes the bot sends
are actions and backups, which a Read key is the one documented level that may not make),
`not_found` → OecNotFound, `conflict` → OecConflict, `validation_error` → OecValidationError,
`rate_limit_exceeded` → OecRateLimited, `internal_error` and any 5xx → OecServerError.

A proxy's HTML page or an empty body still maps by status. Our own key never appears in a
message: the caller passes it to `redact` and every text taken from the body goes through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from oec_chatops.httpapi.statuses import STATUS_CLASSES
from oec_chatops.oec.errorbody import ErrorBody
from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecForbidden,
    OecNotFound,
    OecRateLimited,
    OecReadOnlyKey,
    OecResponseError,
    OecServerError,
    OecValidationError,
)

_BY_CODE: dict[str, type[OecResponseError]] = {
    "unauthorized": OecAuthError,
    "forbidden": OecForbidden,
    "not_found": OecNotFound,
    "conflict": OecConflict,
    "validation_error": OecValidationError,
    "internal_error": OecServerError,
}
_DEFAULT_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "validation_error",
    429: "rate_limit_exceeded",
}
_MAX_MESSAGE = 500

READ_ONLY_MESSAGE = (
    "deployERP refused the action: the configured API key has the Read level, which may only "
    "view resources. Configure a key with the Write level."
)


def default_code(status: int) -> str:
    return "internal_error" if status >= 500 else _DEFAULT_CODES.get(status, f"http_{status}")


def parse_error_body(
    status: int, content: bytes, *, redact: Callable[[str], str] = lambda s: s
) -> ErrorBody:
    """The code, message and details of an error answer, whatever its shape. Never raises."""
    text = content.decode("utf-8", errors="replace").strip()
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = _text(error.get("code")) or default_code(status)
        message = _text(error.get("message")) or f"deployERP answered HTTP {status} ({code})."
        details = error.get("details")
        return ErrorBody(
            code, _clean(message, redact), dict(details) if isinstance(details, dict) else {}
        )
    if isinstance(error, str) and error.strip():  # a flatter `{"error": "code", "message"}`
        flat = _text(body.get("message")) if isinstance(body, dict) else None
        return ErrorBody(
            error.strip(), _clean(flat or f"deployERP answered HTTP {status}.", redact)
        )
    return ErrorBody(
        default_code(status),
        f"deployERP answered HTTP {status} ({default_code(status)}) with no error body it "
        "documents.",
    )


def build_error(
    status: int,
    body: ErrorBody,
    *,
    method: str,
    endpoint: str,
    request_id: str,
    retry_after: float | None = None,
) -> OecResponseError:
    """The exception for one error answer; `method` tells a refused write from a refused read."""
    extra: dict[str, Any] = dict(body.extra)
    if body.code == "validation_error" and "fields" not in extra:
        extra["fields"] = _fields(body.extra)
    kwargs: dict[str, Any] = {
        "status": status,
        "code": body.code,
        "endpoint": endpoint,
        "request_id": request_id,
        "extra": extra,
    }
    if status == 429 or body.code == "rate_limit_exceeded":
        wait = retry_after if retry_after is not None else 60.0
        return OecRateLimited(body.message, retry_after=wait, **kwargs)
    if status >= 500:
        return OecServerError(body.message, **kwargs)
    if status == 403 and method != "GET":
        return OecReadOnlyKey(READ_ONLY_MESSAGE + f" ({body.message})", **kwargs)
    cls = STATUS_CLASSES.get(status) or _BY_CODE.get(body.code, OecResponseError)
    return cls(body.message, **kwargs)


def _fields(details: dict[str, Any]) -> list[dict[str, Any]]:
    """`details` as `{field: message}` (or a list) → OecValidationError's `{field, message}`."""
    out: list[dict[str, Any]] = []
    for name, value in details.items():
        text = value if isinstance(value, str) else "; ".join(map(str, value or []))
        out.append({"field": str(name), "message": text, "type": ""})
    return out


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _clean(text: str, redact: Callable[[str], str]) -> str:
    return redact(" ".join(text.split()))[:_MAX_MESSAGE]
