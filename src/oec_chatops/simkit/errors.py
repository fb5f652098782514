"""The base of every simulator's error answer: a status, a code, a message, extra headers.

Handlers raise it and the simulator's gateway renders it; each platform subclass says, in
`body()`, which of that platform's error shapes goes on the wire.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from oec_chatops.errors import ChatopsError


class SimApiError(ChatopsError, ABC):
    """An error answer of a simulated API; `body()` is the platform's JSON shape."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    @abstractmethod
    def body(self) -> Any:
        """The error as this platform puts it on the wire."""
