"""oec.sh API keys: their format, their tier, and keeping them out of every text we produce.

The tier is read from the prefix (CONTRACT.md §9.8): `oec_live_rw_` is full access, `oec_live_ro_`
read only. The blog's plain `oec_live_<token>` (§8 #6) is accepted with an unknown tier. The scope
(organisation or project) is not in the key; only 403/404 answers reveal it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import SecretStr

from oec_chatops.oec.errors import OecConfigError

_KEY_TAIL = r"[A-Za-z0-9_-]{20,200}"
_TIERED = re.compile(rf"oec_live_(?P<tier>ro|rw)_(?P<token>{_KEY_TAIL})")
_TIERED_PREFIX = re.compile(r"oec_live_(?:ro|rw)_")
_PLAIN = re.compile(rf"oec_live_{_KEY_TAIL}")
# Anything that looks like a key, wherever it appears (an error text echoing our header, say).
_ANY_KEY = re.compile(r"oec_live_[A-Za-z0-9_-]+")


class KeyTier(StrEnum):
    """What a key may do, spelled as oec.sh spells it."""

    FULL_ACCESS = "full_access"
    READ_ONLY = "read_only"
    UNKNOWN = "unknown"


class KeySlot(StrEnum):
    """Which configured key: the full-access one for actions, the read-only one for queries."""

    RW = "rw"
    RO = "ro"

    @property
    def label(self) -> str:
        return "full-access (RW)" if self is KeySlot.RW else "read-only (RO)"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A validated key, its slot and tier. The secret stays a `SecretStr` and out of the repr."""

    slot: KeySlot
    tier: KeyTier
    secret: SecretStr = field(repr=False)

    @property
    def can_write(self) -> bool:
        return self.tier is not KeyTier.READ_ONLY

    def authorization(self) -> str:
        """The `Authorization` header value; the only place the secret is unwrapped."""
        return "Bearer " + self.secret.get_secret_value()


def parse_tier(value: str) -> KeyTier | None:
    """The tier of a well-formed key, or None when the text is not an oec.sh key."""
    value = value.strip()
    tiered = _TIERED.fullmatch(value)
    if tiered:
        return KeyTier.FULL_ACCESS if tiered["tier"] == "rw" else KeyTier.READ_ONLY
    if _TIERED_PREFIX.match(value):
        return None  # a tier prefix with a bad token is malformed, not a plain key
    if _PLAIN.fullmatch(value):
        return KeyTier.UNKNOWN
    return None


def parse_key(secret: SecretStr, *, slot: KeySlot) -> ApiKey:
    """Check a configured key locally, before any request, and put it in its slot.

    The message names the slot, never the value: it ends up in logs and in `check` output.
    A read-only key in the full-access slot (or the reverse) is refused the same way, because
    the bot would otherwise find out only when the first deploy fails.
    """
    value = secret.get_secret_value().strip()
    tier = parse_tier(value)
    if tier is None:
        raise OecConfigError(
            f"The {slot.label} oec.sh API key is malformed: expected oec_live_{slot.value}_ "
            "followed by 20-200 letters, digits, '_' or '-'."
        )
    if slot is KeySlot.RW and tier is KeyTier.READ_ONLY:
        raise OecConfigError(
            "The full-access (RW) oec.sh API key is a read-only key (oec_live_ro_...): "
            "configure an oec_live_rw_ key there, and the read-only key as the RO key."
        )
    if slot is KeySlot.RO and tier is KeyTier.FULL_ACCESS:
        raise OecConfigError(
            "The read-only (RO) oec.sh API key is a full-access key (oec_live_rw_...): "
            "configure an oec_live_ro_ key there, and the full-access key as the RW key."
        )
    return ApiKey(slot=slot, tier=tier, secret=SecretStr(value))


def redact_keys(text: str) -> str:
    """Replace anything shaped like an oec.sh key, so a server echoing our header leaks nothing."""
    return _ANY_KEY.sub("oec_live_[redacted]", text)


@dataclass(frozen=True, slots=True)
class KeyReport:
    """What one probe request with one configured key showed, for `oec-chatops check`.

    `ok` is false when the key was refused (`status`/`code`/`message` say why) or oec.sh could
    not be reached (`status` None). The rate-limit fields are the X-RateLimit-* headers seen.
    """

    slot: KeySlot
    tier: KeyTier
    ok: bool
    status: int | None
    code: str | None = None
    message: str | None = None
    rate_limit: int | None = None
    rate_remaining: int | None = None
    rate_window: float | None = None
