"""`EnvironmentOperations`: the read-only Odoo operations a chat command may ask of a host, and
`QuickUpdateOperations`: the module updates (quick-update modes) one may send.

Separate from `platform.Platform` on purpose: not every host offers backups, metrics or live
logs (oCore and deployERP's adapters do not), so the services get these calls only for the
hosts that have them, keyed by host name, and say plainly when a host has none instead of
sending a `name:`-prefixed id to the wrong API. The oec.sh client's `client.ops` satisfies it
(`oec.ops_protocol` makes mypy check that). Pure: a protocol over `oec.ops_models` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oec_chatops.oec.models import ActionAccepted
from oec_chatops.oec.ops_models import Backup, EnvironmentMetrics, RuntimeLog


class EnvironmentOperations(Protocol):
    """Backups listed, live logs and metrics of one environment."""

    async def list_backups(
        self,
        env_id: str,
        *,
        limit: int = 10,
        status: str | None = None,
        backup_type: str | None = None,
    ) -> list[Backup]: ...

    async def runtime_logs(
        self, env_id: str, *, source: str = "odoo", lines: int = 100
    ) -> RuntimeLog: ...

    async def metrics(self, env_id: str) -> EnvironmentMetrics: ...


class QuickUpdateOperations(Protocol):
    """oec.sh's quick-update modes (§9.6), each a `deploy` task under the caller's key."""

    async def update_specific(
        self, env_id: str, modules: Sequence[str] | str, *, idempotency_key: str
    ) -> ActionAccepted: ...

    async def update_all(self, env_id: str, *, idempotency_key: str) -> ActionAccepted: ...

    async def pull_restart(self, env_id: str, *, idempotency_key: str) -> ActionAccepted: ...

    async def reinitialize_specific(
        self, env_id: str, modules: Sequence[str] | str, *, idempotency_key: str
    ) -> ActionAccepted: ...
