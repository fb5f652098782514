"""API keys as the simulator checks them (CONTRACT.md §1.1, §9.8).

`Authorization: Bearer <key>` wins over `X-API-Key` when both are sent. The tier comes from the
list the key was configured in, and the settings make sure that matches its prefix. Keys are
looked up by fingerprint, so the state never needs to hold a key to recognise it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from oec_chatops.sim.errors import ApiError

KEY_PATTERN = re.compile(r"oec_live_(ro|rw)_[A-Za-z0-9_-]{20,200}")


class Tier(StrEnum):
    """Key tiers, spelled as the API spells them in prose (§1.2)."""

    READ_ONLY = "read_only"
    FULL_ACCESS = "full_access"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: the key's tier and a fingerprint that stands for the key."""

    tier: Tier
    fingerprint: str


def fingerprint(key: str) -> str:
    """A stable, non-reversible stand-in for a key, for per-key buckets and caches."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def build_keyring(*, rw_keys: Iterable[str], ro_keys: Iterable[str]) -> dict[str, Tier]:
    """Fingerprint -> tier for every configured key."""
    ring = {fingerprint(k): Tier.READ_ONLY for k in ro_keys}
    ring.update({fingerprint(k): Tier.FULL_ACCESS for k in rw_keys})
    return ring


def presented_key(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(the header the key came from, the key as sent), honouring Authorization's precedence."""
    authorization = headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        return "authorization", token.strip() if scheme.lower() == "bearer" else ""
    api_key = headers.get("x-api-key")
    if api_key is not None:
        return "x-api-key", api_key.strip()
    return None, None


def authenticate(headers: Mapping[str, str], keyring: Mapping[str, Tier]) -> Caller:
    """The caller behind a request, or a 401 in the §2.3 / §9.3 codes."""
    source, key = presented_key(headers)
    if source is None or key is None:
        raise ApiError(
            401,
            "missing_auth",
            "No API key: send Authorization: Bearer <key> or X-API-Key: <key>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(
            401,
            "invalid_key_format",
            "The API key does not have the expected format oec_live_<ro|rw>_<token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    fp = fingerprint(key)
    tier = keyring.get(fp)
    if tier is None:
        raise ApiError(
            401,
            "invalid_key",
            "The API key is not valid: it is unknown, revoked or expired.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Caller(tier=tier, fingerprint=fp)
