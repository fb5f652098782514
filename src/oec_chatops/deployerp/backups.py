"""deployERP's backups as a `backup_host.BackupHost`, with only what CONTRACT.md §3 pins.

Pinned: `GET /backups?instance_id=` (list) and `POST /backups` `{"instance_id"}` with an
`Idempotency-Key` (202, pending). Not pinned, so never sent: a single-backup read (a backup is
found in its instance's list), any option of the create (no "without filestore", no note: the
command says so instead of dropping them silently), and a restore (`restores` is False, and
the restore command refuses before any approval card).

A backup has no task of its own. Its task id for the tracker is `<instance>~backup:<backup>`
(`adapter.encode_task_id` with `BACKUP_TASK` before the backup id), which
`DerpPlatform.get_task` answers from the instance's list, so the living message follows a
deployERP backup the same way it follows an oec.sh one.
"""

from __future__ import annotations

from oec_chatops.backup_host import BackupHost
from oec_chatops.deployerp.adapter import BACKUP_TASK, DerpPlatform, encode_task_id
from oec_chatops.deployerp.models import DerpBackup
from oec_chatops.errors import CommandError
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.oec.ops_models import Backup

NO_RESTORE = "deployERP's API, as the bot knows it, offers no restore."
NO_OPTIONS = (
    "deployERP's backups take no options: it keeps the whole instance and no note. "
    "Run `/oec backup` without `--no-filestore` and without a note."
)


def as_backup(b: DerpBackup) -> Backup:
    """deployERP's backup in the bot's terms; what it does not say stays unknown."""
    return Backup(
        id=b.id,
        environment_id=b.instance_id,
        status=b.status,
        total_size=b.size_bytes,
        created_at=b.created_at,
        completed_at=b.completed_at,
        error_message=b.error,
    )


class DerpBackups:
    """The backups of one deployERP account."""

    def __init__(self, platform: DerpPlatform) -> None:
        self._platform = platform

    def __repr__(self) -> str:
        return "DerpBackups()"

    @property
    def restores(self) -> bool:
        return False

    async def take(
        self, env_id: str, *, include_filestore: bool, notes: str | None, key: str
    ) -> Backup:
        if not include_filestore or (notes and notes.strip()):
            raise CommandError(NO_OPTIONS)
        return as_backup(await self._platform.create_backup(env_id, idempotency_key=key))

    async def get(self, env_id: str, backup_id: str) -> Backup:
        return as_backup(await self._platform.get_backup(env_id, backup_id))

    async def latest(self, env_id: str, *, limit: int) -> list[Backup]:
        found = [as_backup(b) for b in await self._platform.list_backups(env_id)]
        found.sort(key=lambda b: b.created_at.timestamp() if b.created_at else 0.0, reverse=True)
        return found[:limit]

    async def restore(self, backup_id: str, *, key: str) -> ActionAccepted:
        raise CommandError(NO_RESTORE)

    def task_id(self, env_id: str, backup: Backup) -> str | None:
        return encode_task_id(env_id, BACKUP_TASK + backup.id)


def _conforms(backups: DerpBackups) -> BackupHost:
    return backups  # mypy checks here that deployERP's backups are a `BackupHost`
