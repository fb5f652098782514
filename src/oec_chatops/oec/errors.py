"""Errors of the oec.sh API client, grouped by what the caller does next::

    OecError                      (a ChatopsError). Every one has .endpoint and .request_id
      OecConfigError              the key itself is malformed, or missing: refused before any request
      OecInvalidRequest           an argument was refused locally (module name, mode): nothing sent
      OecRequestError             no answer: connection refused, DNS, TLS. Retry may help.
        OecTimeout
      OecResponseError            oec.sh answered and said no. Has .status, .code, .message,
        |                         .extra, .request_id, .endpoint
        OecAuthError              401: missing / invalid / expired key. Tell the operator.
        OecPaymentRequired        402: the subscription is blocked.
        OecForbidden              403: tell the user what the key may not do
          OecReadOnlyKey          403 read_only_key: the configured key is read-only
        OecNotFound               404: unknown, or outside the key's project scope
        OecConflict               409: another action runs (.task_id) or is being queued
        OecValidationError        400/422: the request was refused as invalid (.fields)
        OecRateLimited            429: has .retry_after (seconds)
        OecServerError            5xx: retry with backoff
      OecContractError            an answer that matches no documented shape (or a redirect)
      OecWaitTimeout              a task did not finish within the wait; has .task_id, .last_status

Messages never contain an API key. Unknown error codes are mapped by HTTP status.
`endpoint` is the method and path template ("POST /environments/{env_id}/deploy"), never a URL
with ids or query; `request_id` is the X-Request-ID the client sent.
"""

from __future__ import annotations

from typing import Any

from oec_chatops.errors import ChatopsError


class OecError(ChatopsError):
    """Base of every oec.sh client error."""

    host: str = "oec.sh"  # the platform named in sentences; `hosts.Hosts` sets it per host

    def __init__(self, message: str, *, endpoint: str = "", request_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.request_id = request_id


class OecConfigError(OecError):
    """The client cannot be used as configured (for example a malformed key)."""


class OecInvalidRequest(OecError):
    """An argument was refused before sending (module name, quick-update mode, idempotency key).

    Distinct from OecValidationError, which oec.sh raised: here nothing reached the API.
    `fields` has the same shape as OecValidationError.fields.
    """

    def __init__(
        self,
        message: str,
        *,
        fields: list[dict[str, Any]] | None = None,
        endpoint: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(message, endpoint=endpoint, request_id=request_id)
        self.fields: list[dict[str, Any]] = list(fields or [])


class OecRequestError(OecError):
    """No HTTP answer came back from oec.sh."""


class OecTimeout(OecRequestError):
    """oec.sh did not answer in time."""


class OecResponseError(OecError):
    """oec.sh answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        endpoint: str = "",
        request_id: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, request_id=request_id)
        self.status = status
        self.code = code
        self.extra: dict[str, Any] = dict(extra or {})

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"endpoint={self.endpoint!r})"
        )


class OecAuthError(OecResponseError):
    """401: the key is missing, invalid, expired or revoked."""


class OecPaymentRequired(OecResponseError):
    """402: the organisation's subscription blocks API access."""


class OecForbidden(OecResponseError):
    """403: the key may not do this (read-only, project-scoped, plan)."""


class OecReadOnlyKey(OecForbidden):
    """403 read_only_key: an action was sent with a read-only key."""


class OecNotFound(OecResponseError):
    """404: not found, or not visible to this key."""


class OecConflict(OecResponseError):
    """409: another action is queued or running on the environment."""

    @property
    def task_id(self) -> str | None:
        value = self.extra.get("task_id")
        return str(value) if value else None


class OecValidationError(OecResponseError):
    """400/422: the request was refused as invalid."""

    @property
    def fields(self) -> list[dict[str, Any]]:
        value = self.extra.get("fields", [])
        return list(value) if isinstance(value, list) else []


class OecRateLimited(OecResponseError):
    """429: too many requests. `retry_after` is how long to wait, in seconds."""

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class OecServerError(OecResponseError):
    """5xx: oec.sh (or the customer's server behind it) failed."""


class OecContractError(OecError):
    """An answer that fits no documented shape; names the endpoint and the keys seen."""


class OecWaitTimeout(OecError):
    """A task was still not finished when the wait ran out; the task itself goes on."""

    def __init__(
        self,
        message: str,
        *,
        task_id: str,
        last_status: str | None,
        endpoint: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(message, endpoint=endpoint, request_id=request_id)
        self.task_id = task_id
        self.last_status = last_status
