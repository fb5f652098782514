"""Read an oec.sh error answer into one code, one message and the extra keys; pick the exception.

oec.sh is FastAPI and its error bodies come in five shapes (CONTRACT.md §9.3), plus the older
documented envelope with a `detail` list of `{field, message}` (§2.1) and whatever a proxy puts in
front (HTML, plain text). Pure functions: the client hands in status, body bytes and content type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from oec_chatops.httpapi.statuses import STATUS_CLASSES
from oec_chatops.oec.errors import (
    OecPaymentRequired,
    OecRateLimited,
    OecReadOnlyKey,
    OecResponseError,
    OecServerError,
)
from oec_chatops.oec.keys import redact_keys

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "rate_limit_exceeded",
}
_STATUS_CLASSES: dict[int, type[OecResponseError]] = {
    **STATUS_CLASSES,
    402: OecPaymentRequired,  # oec.sh's plan limits; the other platforms have none
}
_MAX_MESSAGE = 500
_MAX_EXCERPT = 200


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error answer says: a code (documented or `http_<status>`), text, other keys.

    deployERP's parser (`deployerp.errors`) reads its `{"error": {code, message, details}}`
    into this same value (`details` as `extra`): one shape for every host's error answer.
    """

    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


def default_code(status: int) -> str:
    """The code to use when the body names none."""
    if status >= 500:
        return "server_error"
    return _STATUS_CODES.get(status, f"http_{status}")


def parse_error_body(status: int, content: bytes, content_type: str = "") -> ErrorBody:
    """Parse any error body oec.sh (or a proxy in front of it) may send. Never raises."""
    text = content.decode("utf-8", errors="replace").strip()
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        return _non_json(status, text, content_type)
    if isinstance(body, dict):
        return _from_object(status, body)
    if isinstance(body, str) and body.strip():
        return ErrorBody(default_code(status), _clean(body), {})
    return ErrorBody(default_code(status), _fallback_message(status), {})


def _from_object(status: int, body: dict[str, Any]) -> ErrorBody:
    top_code = _str(body.get("error")) or _str(body.get("reason"))
    top_message = _str(body.get("message"))
    if "detail" not in body:
        extra = _extra(body, drop=("error", "reason", "message"))
        code = top_code or default_code(status)
        return ErrorBody(code, _clean(top_message or _fallback_message(status, code)), extra)

    detail = body["detail"]
    outer = _extra(body, drop=("error", "reason", "message", "detail"))
    if isinstance(detail, list):
        fields = [_field(item) for item in detail]
        code = top_code or "validation_error"
        message = top_message or _validation_message(fields)
        return ErrorBody(code, _clean(message), {**outer, "fields": fields})
    if isinstance(detail, dict):
        code = (
            _str(detail.get("error"))
            or _str(detail.get("reason"))
            or top_code
            or default_code(status)
        )
        text = _str(detail.get("message")) or _str(detail.get("detail")) or top_message
        inner = _extra(detail, drop=("error", "reason", "message", "detail"))
        return ErrorBody(code, _clean(text or _fallback_message(status, code)), {**outer, **inner})
    if isinstance(detail, str) and detail.strip():
        return ErrorBody(top_code or default_code(status), _clean(detail), outer)
    code = top_code or default_code(status)
    return ErrorBody(code, _clean(top_message or _fallback_message(status, code)), outer)


def _field(item: Any) -> dict[str, Any]:
    """One validation entry as `{field, message, type}`, from FastAPI's or the documented form."""
    if not isinstance(item, dict):
        return {"field": "", "message": _clean(str(item)), "type": ""}
    loc = item.get("loc")
    if isinstance(loc, list):
        parts = [str(p) for p in loc]
        if parts and parts[0] in {"body", "query", "path", "header"}:
            parts = parts[1:]
        name = ".".join(parts)
    else:
        name = _str(item.get("field")) or ""
    message = _str(item.get("msg")) or _str(item.get("message")) or ""
    return {"field": name, "message": _clean(message), "type": _str(item.get("type")) or ""}


def _validation_message(fields: list[dict[str, Any]]) -> str:
    described = [f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in fields]
    described = [d for d in described if d]
    if not described:
        return "oec.sh refused the request as invalid."
    return "oec.sh refused the request as invalid: " + "; ".join(described[:5]) + "."


def _non_json(status: int, text: str, content_type: str) -> ErrorBody:
    """A proxy page or a plain-text error: keep a short excerpt for the logs, not the message."""
    extra: dict[str, Any] = {"content_type": content_type.split(";")[0].strip()}
    if text:
        extra["body_excerpt"] = _clean(text)[:_MAX_EXCERPT]
    message = f"oec.sh answered HTTP {status} with a body that is not JSON"
    if content_type:
        message += f" ({extra['content_type']})"
    return ErrorBody(default_code(status), message + ".", extra)


def _fallback_message(status: int, code: str | None = None) -> str:
    return f"oec.sh answered HTTP {status} ({code or default_code(status)})."


def _extra(obj: dict[str, Any], *, drop: tuple[str, ...]) -> dict[str, Any]:
    """The keys worth keeping (task_id, retry_after, required_plan...); empty `details` dropped."""
    return {k: v for k, v in obj.items() if k not in drop and v not in ({}, [], None)}


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _clean(text: str) -> str:
    return redact_keys(" ".join(text.split()))[:_MAX_MESSAGE]


def build_error(
    status: int,
    body: ErrorBody,
    *,
    endpoint: str,
    request_id: str,
    retry_after: float | None = None,
) -> OecResponseError:
    """The exception for an error answer: by code where the code says more, else by status."""
    kwargs: dict[str, Any] = {
        "status": status,
        "code": body.code,
        "endpoint": endpoint,
        "request_id": request_id,
        "extra": body.extra,
    }
    if status == 429:
        wait = retry_after if retry_after is not None else 60.0
        return OecRateLimited(body.message, retry_after=wait, **kwargs)
    if status == 403 and body.code == "read_only_key":
        return OecReadOnlyKey(body.message, **kwargs)
    if status >= 500:
        return OecServerError(body.message, **kwargs)
    cls = _STATUS_CLASSES.get(status, OecResponseError)
    return cls(body.message, **kwargs)
