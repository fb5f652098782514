"""How a deployERP simulator behaves: its keys, limits, pace and webhook targets.

One frozen value, built by whoever starts the simulator (the CLI, a test). Keys and the webhook
secret are kept out of `repr()`. Keys are opaque strings (deployERP documents no format); each
is configured at one of the documented levels Read, Write, Delete, Admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oec_chatops.settings_rules import at_least_one, not_negative, positive


@dataclass(frozen=True, slots=True)
class DerpSimSettings:
    """Settings of one simulator.

    `action_seconds` is how long an action takes from pending to its end (it runs from a
    quarter of that), `backup_seconds` likewise for a backup, both on the injected clock.
    `hourly_limit` and `burst_limit` are the plan's requests per hour and per minute, counted
    per key. `extra_instances` adds that many generated development instances on the second
    server, for pagination. Deliveries go to every `webhook_urls` entry, signed with
    `webhook_secret` (Standard Webhooks, a `whsec_` base64 secret).
    """

    read_keys: tuple[str, ...] = field(default=(), repr=False)
    write_keys: tuple[str, ...] = field(default=(), repr=False)
    delete_keys: tuple[str, ...] = field(default=(), repr=False)
    admin_keys: tuple[str, ...] = field(default=(), repr=False)
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str | None = field(default=None, repr=False)
    action_seconds: float = 8.0
    backup_seconds: float = 20.0
    hourly_limit: int = 1000
    burst_limit: int = 100
    default_per_page: int = 20
    max_per_page: int = 100
    delivery_attempts: int = 5
    delivery_backoff: float = 1.0
    extra_instances: int = 0
    seed: bool = True

    def __post_init__(self) -> None:
        for name in ("read_keys", "write_keys", "delete_keys", "admin_keys"):
            for position, key in enumerate(getattr(self, name)):
                if not key or any(c.isspace() for c in key):
                    raise ValueError(f"DerpSimSettings.{name}[{position}] is empty or has spaces.")
        positive(self, "action_seconds", "backup_seconds")
        at_least_one(self, "hourly_limit", "burst_limit", "default_per_page", "delivery_attempts")
        if not self.default_per_page <= self.max_per_page:
            raise ValueError("DerpSimSettings.default_per_page must not exceed max_per_page.")
        not_negative(self, "extra_instances", "delivery_backoff")
        if self.webhook_urls and not self.webhook_secret:
            raise ValueError("DerpSimSettings.webhook_urls need a webhook_secret to sign with.")
