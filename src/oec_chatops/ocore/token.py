"""The oCore JWT: kept as a `SecretStr`, unwrapped only for the `Authorization` header.

oCore authenticates with `Authorization: Bearer <JWT>` (seed 004). The token is checked for the
JWT shape before any request, so a pasted API key of another platform fails at start-up with a
sentence instead of a 401 later; the message never quotes the value. `redact` removes the token
(and anything else shaped like a JWT) from text we did not write, such as an error body echoing
our header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import SecretStr

from oec_chatops.httpapi.secret import REDACTED, BearerSecret
from oec_chatops.oec.errors import OecConfigError

_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# A JWT anywhere in a text: the header and payload are base64url JSON, so they start with "eyJ".
_ANY_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class OcoreToken(BearerSecret):
    """A validated oCore token. Neither `repr` nor `str` shows it."""

    @classmethod
    def parse(cls, value: str | SecretStr) -> OcoreToken:
        """Check the JWT shape (three base64url parts), refusing without quoting the value."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        raw = raw.strip()
        if raw.lower().startswith("bearer "):
            raw = raw[7:].strip()
        if not _JWT.fullmatch(raw):
            raise OecConfigError(
                "The oCore token is not a JWT (three base64url parts joined by dots): "
                "configure the token oCore issued, without quotes or spaces."
            )
        return cls(SecretStr(raw))

    def redact(self, text: str) -> str:
        """`text` without this token or anything shaped like a JWT."""
        return _ANY_JWT.sub(REDACTED, BearerSecret.redact(self, text))

    def __str__(self) -> str:
        return "OcoreToken(**********)"
