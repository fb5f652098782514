"""A bearer credential that never shows itself: the base of deployERP's key and oCore's token.

Why one type: the secret must be unwrapped in exactly one place (the `Authorization` header)
and taken out of any text an answer echoes back; a second copy of that code is a second
place to get it wrong. `repr` and `str` never show the value (`SecretStr`, `repr=False`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class BearerSecret:
    """A checked bearer secret; subclasses add the platform's own shape check."""

    secret: SecretStr = field(repr=False)

    def authorization(self) -> str:
        """The `Authorization` header value: the only place the secret is unwrapped."""
        return "Bearer " + self.secret.get_secret_value()

    def redact(self, text: str) -> str:
        """`text` with every occurrence of the secret replaced (a server echoing our header)."""
        value = self.secret.get_secret_value()
        return text.replace(value, REDACTED) if value else text
