"""Every value the oCore adapter assumes where the seed is silent, in one place.

CONTRACT.md §2 pins these (the seed documents neither a polling pace nor a production rule nor
server names); each is a field here with the pinned default, so an operator or a test changes
it in one place and nothing else in `oec_chatops.ocore` carries a copy of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from oec_chatops.settings_rules import at_least_one, not_negative, positive


def _no_servers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class OcoreSettings:
    """How the oCore adapter behaves. All pinned values of CONTRACT.md §2 live here.

    - `poll_interval` (pinned 3 s): how often `/health` is read while a control action settles
      (`OcoreAdapter.pace` hands it to the tracker, `wait_for_task` sleeps it on the clock).
    - `settle_limit` (pinned 5 minutes): after this long without the expected status, the
      action's task is reported failed, with a sentence saying it timed out.
    - `production_suffixes` (pinned `-prod`, `-production`): an instance whose slug or name ends
      in one of them has `environment_type="production"`, which policy always protects.
    - `server_name_chars` (pinned 8): the group shown for a server missing from `servers` is the
      first this-many characters of its id.
    - `servers`: the platform entry's `servers = { "uuid" = "eu-1" }` table, id to name.
    - `restart_skew`: how far oCore's clock may be behind ours when `lastRestartAt` is compared
      with the moment a restart was accepted (see `ocore.tasks`).
    - `read_limit`: oCore documents no rate limit; the tracker spends a fifth of this, and 120
      a minute lets it read `/health` every 3 s for one action.
    - `timeout`, `max_attempts`, `max_retry_wait`: per-request timeout in seconds, attempts for
      a GET, and the longest `Retry-After` or backoff we wait before trying again.
    """

    poll_interval: float = 3.0
    settle_limit: float = 300.0
    production_suffixes: tuple[str, ...] = ("-prod", "-production")
    server_name_chars: int = 8
    servers: Mapping[str, str] = field(default_factory=_no_servers)
    restart_skew: float = 30.0
    read_limit: int = 120
    timeout: float = 10.0
    max_attempts: int = 3
    max_retry_wait: float = 30.0

    def __post_init__(self) -> None:
        positive(self, "poll_interval", "settle_limit", "timeout")
        at_least_one(self, "server_name_chars", "read_limit", "max_attempts")
        not_negative(self, "restart_skew", "max_retry_wait")
        # A frozen copy: a caller's dict changing later must not change the names shown.
        object.__setattr__(self, "servers", MappingProxyType(dict(self.servers)))
