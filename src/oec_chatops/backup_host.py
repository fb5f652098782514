"""`BackupHost`: the backups of one hosting platform, as the backup commands need them.

Separate from `platform.Platform` and from `env_operations` on purpose: oec.sh and deployERP
both keep backups but with different rules (oec.sh's create takes options and no idempotency
key and restores with a confirmation header; deployERP's create takes an idempotency key and
nothing else, and its API, as CONTRACT.md §3 pins it, has no restore and no single-backup
read), and oCore has none. Each host's adapter maps its API onto these calls and says in
`restores` whether a restore can be sent at all, so the services never learn which API they
talk to and never send a host a call it does not have. Pure: a protocol over values.
"""

from __future__ import annotations

from typing import Protocol

from oec_chatops.oec.models import ActionAccepted
from oec_chatops.oec.ops_models import Backup


class BackupHost(Protocol):
    """Take, read, list and restore the backups of one platform's environments (own ids)."""

    @property
    def restores(self) -> bool:
        """Can this platform's API restore a backup?"""
        ...

    async def take(
        self, env_id: str, *, include_filestore: bool, notes: str | None, key: str
    ) -> Backup:
        """Start a backup; `key` is the caller's idempotency key where the API takes one."""
        ...

    async def get(self, env_id: str, backup_id: str) -> Backup:
        """One backup of the environment as it is now; `OecNotFound` when there is none."""
        ...

    async def latest(self, env_id: str, *, limit: int) -> list[Backup]:
        """The environment's latest backups, newest first, at most `limit`."""
        ...

    async def restore(self, backup_id: str, *, key: str) -> ActionAccepted:
        """Overwrite the backup's environment with it, at most once per `key`."""
        ...

    def task_id(self, env_id: str, backup: Backup) -> str | None:
        """The task id the platform's `get_task` follows this backup by, or None."""
        ...
