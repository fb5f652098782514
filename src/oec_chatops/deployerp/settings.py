"""Every value the deployERP adapter pins where the public docs are silent, in one place.

The seed (`shared/seeds/003_*`) documents resources, pagination parameters, error codes, key
levels, "requests per hour with a per-minute burst" and Standard Webhooks, but not the numbers
a client has to choose. `shared/platforms/CONTRACT.md` §3 pins them; each pinned value is a
field here with its default, so an operator (or the coordinator's platforms file) changes it in
one place and nowhere else:

- `page_size` 100: the documented maximum of `per_page`; every list is walked over all pages.
- `production_environment` "production": an instance with that `environment` is production.
- `burst_per_minute` None: take the burst from the plan table (a tenth of the hourly limit the
  `X-RateLimit-Limit` header reports: Starter 1,000/h → 100/min, Professional 5,000/h →
  500/min); set it when the plan says otherwise (Enterprise "custom").
- `fallback_burst_per_minute` 100: Starter's burst, used until the first answer carries
  `X-RateLimit-Limit` (the hourly budget itself is only ever taken from the headers).
- `webhook_tolerance` 300 s: how far a signature's timestamp may be from now (Standard Webhooks'
  own recommendation).
"""

from __future__ import annotations

from dataclasses import dataclass

from oec_chatops.settings_rules import at_least_one, positive

DEFAULT_BASE_URL = "https://api.deployerp.com/v1"


@dataclass(frozen=True, slots=True)
class DerpSettings:
    """How the deployERP client talks to the API; every pinned value has its default here."""

    base_url: str = DEFAULT_BASE_URL
    page_size: int = 100
    production_environment: str = "production"
    burst_per_minute: int | None = None
    fallback_burst_per_minute: int = 100
    burst_share_of_hourly: float = 0.1
    webhook_tolerance: int = 300
    timeout: float = 15.0
    max_attempts: int = 4
    max_retry_wait: float = 120.0
    max_pages: int = 1000

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 100:
            raise ValueError("DerpSettings.page_size must be from 1 to 100 (the API's maximum).")
        at_least_one(
            self, "fallback_burst_per_minute", "max_attempts", "max_pages", "webhook_tolerance"
        )
        positive(self, "timeout")
        if self.burst_per_minute is not None and self.burst_per_minute < 1:
            raise ValueError("DerpSettings.burst_per_minute must be at least 1 when set.")
        if not 0 < self.burst_share_of_hourly <= 1:
            raise ValueError("DerpSettings.burst_share_of_hourly must be in (0, 1].")
