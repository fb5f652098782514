"""`OdooOperations`: what a chat command may ask of a hosting platform's Odoo operations.

Separate from `platform.Platform` on purpose: not every platform has quick updates, backups or
runtime logs, and which ones do is decided where the platforms are wired. The oec.sh client's
`client.ops` (`oec.operations.Operations`) satisfies it; `_conforms` makes mypy check that.
"""

from __future__ import annotations

from typing import Protocol

from oec_chatops.env_operations import EnvironmentOperations, QuickUpdateOperations
from oec_chatops.oec.operations import BackupCallback, Operations, TaskCallback
from oec_chatops.oec.ops_models import Backup, EnvironmentMetrics, RestoreAccepted, RuntimeLog


class OdooOperations(QuickUpdateOperations, Protocol):
    """The Odoo operations a chat command may ask of a hosting platform."""

    async def create_backup(
        self, env_id: str, *, include_filestore: bool = True, notes: str | None = None
    ) -> Backup: ...

    async def list_backups(
        self,
        env_id: str,
        *,
        limit: int = 10,
        status: str | None = None,
        backup_type: str | None = None,
    ) -> list[Backup]: ...

    async def get_backup(self, backup_id: str) -> Backup: ...

    async def wait_for_backup(
        self,
        backup: Backup,
        *,
        on_task: TaskCallback | None = None,
        on_update: BackupCallback | None = None,
        timeout: float = 3600.0,
    ) -> Backup: ...

    async def restore_backup(self, backup_id: str, *, idempotency_key: str) -> RestoreAccepted: ...

    async def runtime_logs(
        self, env_id: str, *, source: str = "odoo", lines: int = 100
    ) -> RuntimeLog: ...

    async def metrics(self, env_id: str) -> EnvironmentMetrics: ...


def _conforms(ops: Operations) -> OdooOperations:
    """mypy checks here that `Operations` is an `OdooOperations`."""
    return ops


def _reads(ops: Operations) -> EnvironmentOperations:
    """mypy checks here that `Operations` is an `EnvironmentOperations` (the services' seam)."""
    return ops
