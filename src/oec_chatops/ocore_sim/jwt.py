"""The simulator's JWTs: HS256, minted here for tests and the CLI, verified on every request.

Real oCore tokens are JWTs whose claims say what the bearer may do; the simulator reads the
`permissions` claim (a list, e.g. `["read:instances", "manage:instances"]`) and `exp`. Only the
tokens configured at start are accepted, and each must verify against the simulator's signing
secret, so a tampered payload (adding `manage:instances`) is refused like a wrong token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

# Public on purpose: it signs test tokens for a simulator that guards nothing.
DEFAULT_SIGNING_SECRET = "ocore-simulator-signing-secret"  # noqa: S105
MANAGE = "manage:instances"
READ = "read:instances"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_token(
    *,
    subject: str,
    permissions: tuple[str, ...],
    secret: str = DEFAULT_SIGNING_SECRET,
    expires_at: float | None = None,
) -> str:
    """An HS256 JWT with `sub`, `permissions` and, when given, `exp` (unix seconds)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims: dict[str, Any] = {"sub": subject, "permissions": list(permissions)}
    if expires_at is not None:
        claims["exp"] = int(expires_at)
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64(signature.digest())}"


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str
    permissions: frozenset[str]
    expires_at: float | None


def verify(token: str, *, secret: str) -> Claims | None:
    """The claims of a well-formed token with a valid HS256 signature, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header, payload, signature = parts
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    try:
        if not hmac.compare_digest(_unb64(signature), expected.digest()):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    permissions = claims.get("permissions", [])
    exp = claims.get("exp")
    return Claims(
        subject=str(claims.get("sub", "")),
        permissions=frozenset(p for p in permissions if isinstance(p, str))
        if isinstance(permissions, list)
        else frozenset(),
        expires_at=float(exp) if isinstance(exp, int | float) else None,
    )
