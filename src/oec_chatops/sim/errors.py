"""Error answers of the simulated API, in the shapes oec.sh really sends (CONTRACT.md §9.3).

FastAPI gives the API several error bodies, and a client must read all of them::

    Shape.DETAIL     {"detail": {"error": code, "message": text, ...extra}}   most errors
    Shape.STRING     {"detail": text}                                         see below
    Shape.TOP_LEVEL  {"error": code, "message": text, "details": {}, ...}     see below
    RequestInvalid   {"detail": [{"loc": [...], "msg": ..., "type": ...}]}    422 validation

Which route answers in which shape is listed in the package docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from oec_chatops.simkit.errors import SimApiError


class Shape(Enum):
    DETAIL = "detail"
    STRING = "string"
    TOP_LEVEL = "top_level"


class ApiError(SimApiError):
    """An error answer of the simulated API; raised by handlers, rendered by the gateway."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        shape: Shape = Shape.DETAIL,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status, code, message, headers=headers)
        self.shape = shape
        self.extra = extra

    def body(self) -> Any:
        if self.shape is Shape.STRING:
            return {"detail": self.message}
        if self.shape is Shape.TOP_LEVEL:
            return {"error": self.code, "message": self.message, "details": {}, **self.extra}
        return {"detail": {"error": self.code, "message": self.message, **self.extra}}


class RequestInvalid(ApiError):
    """422 request validation, as FastAPI reports it: a list of `{loc, msg, type}`."""

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__(422, "validation_error", "Request validation failed.")
        self.errors = list(errors)

    def body(self) -> Any:
        return {"detail": self.errors}


def invalid(
    loc: Sequence[str | int], msg: str, *, type_: str = "value_error", value: Any = None
) -> RequestInvalid:
    """One validation error, for checks pydantic cannot make (they need state or settings)."""
    item: dict[str, Any] = {"type": type_, "loc": list(loc), "msg": msg}
    if value is not None:
        item["input"] = value
    return RequestInvalid([item])


def not_found(what: str, *, shape: Shape = Shape.DETAIL) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.", shape=shape)
