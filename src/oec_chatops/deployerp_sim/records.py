"""The simulated resources and their JSON, exactly as CONTRACT.md §3 pins deployERP's answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oec_chatops.simkit.records import as_json

ACTION_RUNNING_STATUS = {
    "deploy": "deploying",
    "start": "starting",
    "stop": "stopping",
    "restart": "starting",
}


@dataclass(slots=True)
class Server:
    id: str
    name: str
    provider: str
    region: str
    ip_address: str
    created_at: float
    status: str = "active"

    def to_json(self) -> dict[str, Any]:
        return as_json(
            self, "id name provider region status ip_address created_at", times="created_at"
        )


@dataclass(slots=True)
class Instance:
    id: str
    name: str
    server_id: str
    environment: str
    odoo_version: str
    url: str
    created_at: float
    updated_at: float
    status: str = "running"

    def to_json(self) -> dict[str, Any]:
        return as_json(
            self,
            "id name server_id status environment odoo_version url created_at updated_at",
            times="created_at updated_at",
        )


@dataclass(slots=True)
class Action:
    """A lifecycle action or deploy; `runs_at` / `ends_at` are its planned transitions."""

    id: str
    instance_id: str
    action: str
    created_at: float
    runs_at: float
    ends_at: float
    will_fail: bool = False
    status: str = "pending"
    error: str | None = None
    started_at: float | None = None
    completed_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")

    def to_json(self) -> dict[str, Any]:
        return as_json(
            self,
            "id instance_id action status error created_at started_at completed_at",
            times="created_at started_at completed_at",
        )


@dataclass(slots=True)
class Backup:
    id: str
    instance_id: str
    created_at: float
    ends_at: float
    will_fail: bool = False
    status: str = "pending"
    size_bytes: int | None = None
    error: str | None = None
    completed_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return as_json(
            self,
            "id instance_id status size_bytes error created_at completed_at",
            times="created_at completed_at",
        )
