"""oec.sh's backups as a `backup_host.BackupHost`, over the client's `ops` (CONTRACT.md §9.2).

A create carries no idempotency key (the route takes none, §9.4): `Operations.create_backup`
never re-sends it and reads a lost answer back from the listing, so `key` is not used here.
A restore carries the key and `X-Confirm-Restore: true`.
"""

from __future__ import annotations

from oec_chatops.backup_host import BackupHost
from oec_chatops.oec.ops_models import Backup, RestoreAccepted
from oec_chatops.oec.ops_protocol import OdooOperations


class OecBackups:
    """The backups of one oec.sh account."""

    def __init__(self, ops: OdooOperations) -> None:
        self._ops = ops

    def __repr__(self) -> str:
        return "OecBackups()"

    @property
    def restores(self) -> bool:
        return True

    async def take(
        self, env_id: str, *, include_filestore: bool, notes: str | None, key: str
    ) -> Backup:
        return await self._ops.create_backup(
            env_id, include_filestore=include_filestore, notes=notes
        )

    async def get(self, env_id: str, backup_id: str) -> Backup:
        return await self._ops.get_backup(backup_id)

    async def latest(self, env_id: str, *, limit: int) -> list[Backup]:
        return await self._ops.list_backups(env_id, limit=limit)

    async def restore(self, backup_id: str, *, key: str) -> RestoreAccepted:
        return await self._ops.restore_backup(backup_id, idempotency_key=key)

    def task_id(self, env_id: str, backup: Backup) -> str | None:
        return backup.task_id


def _conforms(backups: OecBackups) -> BackupHost:
    return backups  # mypy checks here that oec.sh's backups are a `BackupHost`
