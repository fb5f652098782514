"""Backups of the simulated environments (CONTRACT.md §9.2): records, their status and sizes.

A manual backup is a task of type `backup` (§9.7) plus this record; the record's status is read
from its task at the instant asked for (`pending` while queued, `in_progress`, `uploading` in the
last step, then `completed` / `failed` / `cancelled`), so `GET /backups/{id}` and
`GET /deployments/{task_id}` can never disagree. Seeded (scheduled) backups have no task and a
fixed status. Sizes are known only once a backup completed, as on the real platform, and are
derived from the environment's id so they stay the same across calls.

Field names follow the vendor's client (`database_size`, `filestore_size`, `total_size`,
`compressed_size` in bytes, `backup_type`, `retention_type`, `environment_snapshot`); the API
reference does not show them.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from oec_chatops.sim.records import Environment, Task
from oec_chatops.simkit.records import iso

DAY = 86_400.0
MIB = 1024 * 1024
_TASK_STATUS = {"queued": "pending", "running": "in_progress"}
_SEED_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://api.oec.sh/simulator/backups")


@dataclass(frozen=True, slots=True)
class Sizes:
    database: int
    filestore: int

    @property
    def total(self) -> int:
        return self.database + self.filestore

    @property
    def compressed(self) -> int:
        return self.total * 38 // 100


def sizes_of(env_id: str, *, include_filestore: bool) -> Sizes:
    """Plausible sizes for an environment: 120-900 MiB of database, 0.5-5.5 GiB of files."""
    h = zlib.crc32(env_id.encode())
    database = (120 + h % 780) * MIB
    filestore = (512 + (h >> 10) % 5120) * MIB if include_filestore else 0
    return Sizes(database, filestore)


@dataclass(slots=True)
class Backup:
    id: str
    environment_id: str
    backup_type: str
    include_filestore: bool
    created_at: float
    snapshot: dict[str, Any]
    task: Task | None = None  # None: a seeded backup, `fixed_status` says how it ended
    fixed_status: str = "completed"
    notes: str | None = None
    retention_type: str = "permanent"

    def status(self, now: float) -> str:
        if self.task is None:
            return self.fixed_status
        if self.task.status == "running" and self.task.timeline.current_step(now) == "upload":
            return "uploading"
        return _TASK_STATUS.get(self.task.status, self.task.status)

    def to_json(self, *, now: float, detail: bool = False) -> dict[str, Any]:
        status = self.status(now)
        done = status == "completed"
        sizes = sizes_of(self.environment_id, include_filestore=self.include_filestore)
        started = self.task.started_at if self.task else self.created_at
        ended = self.task.completed_at if self.task else self.created_at + 95.0
        body: dict[str, Any] = {
            "id": self.id,
            "environment_id": self.environment_id,
            "task_id": self.task.id if self.task else None,
            "status": status,
            "backup_type": self.backup_type,
            "include_filestore": self.include_filestore,
            "database_size": sizes.database if done else None,
            "filestore_size": sizes.filestore if done else None,
            "total_size": sizes.total if done else None,
            "compressed_size": sizes.compressed if done else None,
            "started_at": iso(started),
            "completed_at": iso(ended) if status in ("completed", "failed", "cancelled") else None,
            "duration_seconds": self.task.duration_seconds if self.task else 95.0,
            "retention_type": self.retention_type,
            "expires_at": None,
            "is_verified": done,
            "error_message": self.task.error_message if self.task else None,
            "notes": self.notes,
            "created_at": iso(self.created_at),
        }
        if detail:
            body["environment_snapshot"] = self.snapshot
        return body


def snapshot_of(env: Environment, project_name: str, server_name: str) -> dict[str, Any]:
    """The environment, project and server as they were when the backup was taken."""
    return {
        "environment": {"id": env.id, "name": env.name, "branch": env.branch, "url": env.url},
        "project": {"id": env.project_id, "name": project_name},
        "server": {"id": env.server_id, "name": server_name},
    }


@dataclass(slots=True)
class BackupBook:
    """Every backup by id; lists are newest first."""

    backups: dict[str, Backup] = field(default_factory=dict)

    @classmethod
    def seeded(cls, environments: Iterable[Environment], *, now: float) -> BackupBook:
        """Two scheduled nightly backups per environment (1 and 2 days old), both completed."""
        book = cls()
        for env in environments:
            for days in (1, 2):
                backup_id = str(uuid.uuid5(_SEED_NAMESPACE, f"{env.id}/{days}"))
                book.backups[backup_id] = Backup(
                    id=backup_id,
                    environment_id=env.id,
                    backup_type="scheduled",
                    include_filestore=True,
                    created_at=now - days * DAY,
                    snapshot={"environment": {"id": env.id, "name": env.name}},
                    retention_type="daily",
                )
        return book

    def add(self, backup: Backup) -> Backup:
        self.backups[backup.id] = backup
        return backup

    def of(
        self,
        env_id: str,
        *,
        now: float,
        status: str | None = None,
        backup_type: str | None = None,
    ) -> list[Backup]:
        found = [
            b
            for b in self.backups.values()
            if b.environment_id == env_id
            and (status is None or b.status(now) == status)
            and (backup_type is None or b.backup_type == backup_type)
        ]
        return sorted(found, key=lambda b: b.created_at, reverse=True)
