"""Error answers of the simulated deployERP API: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from typing import Any

from oec_chatops.errors import ChatopsError


class DerpApiError(ChatopsError):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def not_found(what: str, ident: str) -> DerpApiError:
    return DerpApiError(404, "not_found", f"{what} not found.", details={"id": ident})


def invalid(field: str, message: str) -> DerpApiError:
    return DerpApiError(
        422, "validation_error", "The request is invalid.", details={field: message}
    )
