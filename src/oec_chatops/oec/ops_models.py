"""What oec.sh answers to the Odoo-operations routes (CONTRACT.md §9.2): backups, runtime logs,
metrics. Parsed tolerantly, like `oec.models`: unknown fields ignored, everything but ids optional.

The backup's size fields (`database_size`, `filestore_size`, `total_size`, `compressed_size`,
bytes) are those of the vendor's own client; the API reference shows none, so `size_bytes` is
the first of them that is set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field

from oec_chatops.oec.models import ActionAccepted, ApiModel

# §9.2: backup statuses and types. `completed` is the only one a restore accepts.
BACKUP_STATUSES = (
    "pending",
    "in_progress",
    "uploading",
    "completed",
    "failed",
    "cancelled",
    "expired",
)
BACKUP_TERMINAL = frozenset({"completed", "failed", "cancelled", "expired"})
BACKUP_TYPES = ("manual", "scheduled", "pre_restore", "pre_upgrade", "pre_destroy")
RUNTIME_SOURCES = ("odoo", "postgres", "container")
MAX_RUNTIME_LINES = 1000
MAX_BACKUP_NOTE = 500


class Backup(ApiModel):
    """A backup, as listed, created (201) or read (`GET /backups/{id}`)."""

    id: str
    environment_id: str | None = None
    task_id: str | None = None
    status: str = "unknown"
    backup_type: str | None = None
    include_filestore: bool | None = None
    database_size: int | None = None
    filestore_size: int | None = None
    total_size: int | None = Field(
        default=None, validation_alias=AliasChoices("total_size", "size_bytes", "size")
    )
    compressed_size: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime | None = None
    duration_seconds: float | None = None
    retention_type: str | None = None
    error_message: str | None = None
    notes: str | None = None
    environment_snapshot: dict[str, Any] | None = None

    @property
    def terminal(self) -> bool:
        return self.status.strip().lower() in BACKUP_TERMINAL

    @property
    def completed(self) -> bool:
        return self.status.strip().lower() == "completed"

    @property
    def size_bytes(self) -> int | None:
        """The backup's size: total, else compressed, else database + filestore."""
        if self.total_size is not None:
            return self.total_size
        if self.compressed_size is not None:
            return self.compressed_size
        if self.database_size is None and self.filestore_size is None:
            return None
        return (self.database_size or 0) + (self.filestore_size or 0)

    @property
    def kind(self) -> str:
        """`full`, `database only`, or `contents unknown`: what a restore would bring back.

        Never guessed: an approver deciding on a restore must not read "full" for a backup
        whose filestore nobody knows was included.
        """
        if self.include_filestore is False or self.filestore_size == 0:
            return "database only"
        if self.include_filestore or (self.filestore_size or 0) > 0:
            return "full"
        return "contents unknown"


class RestoreAccepted(ActionAccepted):
    """The 202 answer of `POST /backups/{id}/restore`: a task, and the backup it restores."""

    backup_id: str | None = None


class RuntimeLog(ApiModel):
    """`GET /environments/{id}/runtime-logs`: the live container log, most recent lines."""

    environment_id: str | None = None
    source: str = "odoo"
    lines: int | None = None
    truncated: bool = False
    log: str = ""
    fetched_at: datetime | None = None


class ContainerMetrics(ApiModel):
    status: str | None = None
    cpu_percent: float | None = None
    memory_used_bytes: int | None = None
    memory_limit_bytes: int | None = None
    memory_percent: float | None = None

    @property
    def memory_share(self) -> float | None:
        """Memory in use, in percent: the API's figure, else used over limit."""
        if self.memory_percent is not None:
            return self.memory_percent
        if self.memory_used_bytes is not None and self.memory_limit_bytes:
            return 100.0 * self.memory_used_bytes / self.memory_limit_bytes
        return None


class DiskMetrics(ApiModel):
    allocated_gb: float | None = None
    database_bytes: int | None = None
    filestore_bytes: int | None = None
    addons_bytes: int | None = None
    measured_at: datetime | None = None

    @property
    def used_bytes(self) -> int | None:
        parts = (self.database_bytes, self.filestore_bytes, self.addons_bytes)
        if all(p is None for p in parts):
            return None
        return sum(p or 0 for p in parts)


class EnvironmentMetrics(ApiModel):
    """`GET /environments/{id}/metrics`; a container is None when it is not running."""

    environment_id: str | None = None
    status: str | None = None
    odoo: ContainerMetrics | None = None
    postgres: ContainerMetrics | None = None
    disk: DiskMetrics | None = None
    queried_at: datetime | None = None
