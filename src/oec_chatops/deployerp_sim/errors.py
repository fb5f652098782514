"""Error answers of the simulated deployERP API: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from typing import Any

from oec_chatops.simkit.errors import SimApiError


class DerpApiError(SimApiError):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, code, message, headers=headers)
        self.details = dict(details or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def not_found(what: str, ident: str) -> DerpApiError:
    return DerpApiError(404, "not_found", f"{what} not found.", details={"id": ident})


def invalid(field: str, message: str) -> DerpApiError:
    return DerpApiError(
        422, "validation_error", "The request is invalid.", details={field: message}
    )
