"""`SecretBox`: what the bot stores of a workspace's secrets is sealed with a key from the environment.

A database backup, a replica's disk or a stray `SELECT` must not hand out working Slack bot
tokens and oec.sh API keys, so they are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256,
`cryptography`), keyed by `OEC_CHATOPS_ENCRYPTION_KEY`. Several comma-separated keys rotate it
(`MultiFernet`): the first seals, every one opens, and `oec-chatops workspace rotate-key`
re-seals what is stored under the first so the old key can then be removed.

Fail closed, never plaintext: a malformed key is a `ConfigError` at start-up; a value no key
opens (the key was changed or lost) raises `SecretUnreadable` naming the variable, and nothing
falls back to reading or writing the secret in clear. The keys never appear in a repr or a message.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from oec_chatops.errors import ConfigError

KEY_VARIABLE = "OEC_CHATOPS_ENCRYPTION_KEY"


class SecretUnreadable(ConfigError):
    """A stored secret that none of the configured keys opens."""


def parse_keys(raw: str) -> tuple[str, ...]:
    """The comma-separated keys, each checked to be a Fernet key; `ConfigError` otherwise.

    The message says which position is wrong, never the value."""
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    if not keys:
        raise ConfigError(f"{KEY_VARIABLE} is empty")
    for n, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{KEY_VARIABLE}: key #{n} is not a Fernet key (32 url-safe base64-encoded "
                "bytes; make one with `oec-chatops workspace new-key`)"
            ) from None
    return keys


def new_key() -> str:
    """A fresh key for `OEC_CHATOPS_ENCRYPTION_KEY`."""
    return Fernet.generate_key().decode()


class SecretBox:
    """Seals and opens short secrets with the configured keys (the first one seals)."""

    __slots__ = ("_fernet",)

    def __init__(self, raw_keys: str) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in parse_keys(raw_keys)])

    def __repr__(self) -> str:
        return "SecretBox(keys=<hidden>)"

    def seal(self, secret: str) -> str:
        """The stored form of `secret`: a Fernet token (text, never containing the secret)."""
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str, *, what: str = "a stored secret") -> str:
        """The secret sealed in `sealed`; `SecretUnreadable` when no configured key opens it."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError, TypeError):
            raise SecretUnreadable(
                f"{what} cannot be decrypted with {KEY_VARIABLE}: the key is wrong, or the key "
                "it was sealed with has been removed (add it back after the new one to rotate)"
            ) from None

    def reseal(self, sealed: str, *, what: str = "a stored secret") -> str:
        """`sealed`, sealed again under the first key (key rotation)."""
        self.open(sealed, what=what)
        return self._fernet.rotate(sealed.encode()).decode()
