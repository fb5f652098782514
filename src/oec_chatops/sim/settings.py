"""How a simulator instance behaves: its keys, its limits and its pace.

One frozen value, built by whoever starts the simulator (the CLI, the embedded demo, a test).
Keys and the webhook secret are kept out of `repr()` so that printing the settings never
shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oec_chatops.settings_rules import at_least_one, not_negative, positive
from oec_chatops.sim.keys import KEY_PATTERN


@dataclass(frozen=True, slots=True)
class SimSettings:
    """Settings of one simulator.

    `webhook_secret`, when set, signs the deliveries of every webhook created through
    `POST /webhooks` (and is returned once in its 201 answer, as the API returns a generated
    one); when None each created webhook gets its own random secret. `task_seconds` is how long
    an action takes from queued to terminal, on the injected clock.
    """

    rw_keys: tuple[str, ...] = field(default=(), repr=False)
    ro_keys: tuple[str, ...] = field(default=(), repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    allow_loopback_webhooks: bool = False
    task_seconds: float = 8.0
    read_limit: int = 120
    write_limit: int = 20
    webhook_mutation_limit: int = 10
    target_limit: int = 6  # runtime-log and metrics calls a minute per environment (§9.2)
    delivery_attempts: int = 5
    delivery_backoff: float = 1.0
    seed: bool = True

    def __post_init__(self) -> None:
        for name, keys, tier in (("rw_keys", self.rw_keys, "rw"), ("ro_keys", self.ro_keys, "ro")):
            for position, key in enumerate(keys):
                match = KEY_PATTERN.fullmatch(key)
                if match is None or match.group(1) != tier:
                    raise ValueError(
                        f"SimSettings.{name}[{position}] is not an oec_live_{tier}_<token> key "
                        "(token: 20-200 URL-safe characters)."
                    )
        positive(self, "task_seconds")
        at_least_one(
            self,
            "read_limit",
            "write_limit",
            "webhook_mutation_limit",
            "target_limit",
            "delivery_attempts",
        )
        not_negative(self, "delivery_backoff")
