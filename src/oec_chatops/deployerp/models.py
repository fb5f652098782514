"""What deployERP answers, as CONTRACT.md §3 pins it, parsed tolerantly.

Unknown fields are ignored and everything but ids is optional: the seed shows no schema, so the
adapter must not break on a field it does not use. Unknown status strings are kept as they are
and shown raw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

INSTANCE_STATUSES = ("running", "stopped", "deploying", "starting", "stopping", "error")
ENVIRONMENTS = ("production", "staging", "development")
ACTIONS = ("start", "stop", "restart", "deploy")
ACTION_STATUSES = ("pending", "running", "completed", "failed")


class DerpModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DerpServer(DerpModel):
    id: str
    name: str
    provider: str | None = None
    region: str | None = None
    status: str | None = None
    ip_address: str | None = None
    created_at: datetime | None = None


class DerpInstance(DerpModel):
    id: str
    name: str
    server_id: str | None = None
    status: str = "unknown"
    environment: str | None = None
    odoo_version: str | None = None
    url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class DerpAction(DerpModel):
    """A lifecycle action or deploy: 202 of `POST /instances/{id}/{action}`, or its status."""

    id: str
    instance_id: str
    action: str | None = None
    status: str = "pending"
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


class DerpBackup(DerpModel):
    id: str
    instance_id: str | None = None
    status: str = "pending"
    size_bytes: int | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = None


class ListMeta(DerpModel):
    page: int = 1
    per_page: int | None = None
    total: int | None = None
    total_pages: int = 1


class ListPage(DerpModel):
    """One page of a list answer: `{"data": [...], "meta": {...}}`."""

    data: list[dict[str, Any]] = Field(default_factory=list)
    meta: ListMeta = Field(default_factory=ListMeta)
