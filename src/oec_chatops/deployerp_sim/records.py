"""The simulated resources and their JSON, exactly as CONTRACT.md §3 pins deployERP's answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oec_chatops.sim.records import iso

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
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "region": self.region,
            "status": self.status,
            "ip_address": self.ip_address,
            "created_at": iso(self.created_at),
        }


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
        return {
            "id": self.id,
            "name": self.name,
            "server_id": self.server_id,
            "status": self.status,
            "environment": self.environment,
            "odoo_version": self.odoo_version,
            "url": self.url,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


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
        return {
            "id": self.id,
            "instance_id": self.instance_id,
            "action": self.action,
            "status": self.status,
            "error": self.error,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
        }


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
        return {
            "id": self.id,
            "instance_id": self.instance_id,
            "status": self.status,
            "size_bytes": self.size_bytes,
            "error": self.error,
            "created_at": iso(self.created_at),
            "completed_at": iso(self.completed_at),
        }
