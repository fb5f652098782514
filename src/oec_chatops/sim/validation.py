"""Request parsing as FastAPI does it: pydantic models, and 422 `{loc, msg, type}` on failure.

Query strings, path ids and JSON bodies are checked here; any failure becomes a
`RequestInvalid` whose items carry `loc` prefixed with "query", "path" or "body", as FastAPI
reports them (CONTRACT.md §9.3). Unknown body fields are ignored, as FastAPI ignores them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from oec_chatops.oec.models import ENV_STATUS_FILTERS
from oec_chatops.sim.errors import RequestInvalid
from oec_chatops.sim.webhooks import EVENTS

M = TypeVar("M", bound=BaseModel)

ModuleName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]


def _known_event(name: str) -> str:
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}; known events: {', '.join(EVENTS)}")
    return name


EventName = Annotated[str, AfterValidator(_known_event)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CursorQuery(_Model):
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None


class OffsetQuery(_Model):
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0)


class PageQuery(_Model):
    page: int = Field(1, ge=1)
    page_size: int | None = Field(None, ge=1, le=100)
    limit: int | None = Field(None, ge=1, le=100)


def _status_filter(status: str) -> str:
    if status not in ENV_STATUS_FILTERS:
        raise ValueError(f"status must be one of {', '.join(ENV_STATUS_FILTERS)}")
    return status


class EnvironmentListQuery(_Model):
    status: Annotated[str, AfterValidator(_status_filter)] | None = None


class LogsQuery(_Model):
    task_id: uuid.UUID | None = None
    lines: int = Field(200, ge=1, le=5000)


class DeployBody(_Model):
    update_modules: list[ModuleName] | None = Field(None, max_length=50)


class QuickUpdateBody(_Model):
    mode: Literal["pull_restart", "update_all", "update_specific", "reinitialize_specific"]
    modules: list[ModuleName] | None = Field(None, max_length=50)

    @model_validator(mode="after")
    def _modules_when_specific(self) -> QuickUpdateBody:
        if self.mode.endswith("_specific") and not self.modules:
            raise ValueError(f"modules is required (at least one) for mode {self.mode}")
        return self


MAX_RUNTIME_LINES = 1000


class RuntimeLogsQuery(_Model):
    source: Literal["odoo", "container", "postgres"] = "odoo"
    lines: int = Field(100, ge=1, le=MAX_RUNTIME_LINES)


BackupStatus = Literal[
    "pending", "in_progress", "uploading", "completed", "failed", "cancelled", "expired"
]
BackupType = Literal["manual", "scheduled", "pre_restore", "pre_upgrade", "pre_destroy"]


class BackupListQuery(_Model):
    status: BackupStatus | None = None
    backup_type: BackupType | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class BackupCreate(_Model):
    backup_type: Literal["manual"] = "manual"
    include_filestore: bool = True
    retention_type: Literal["daily", "weekly", "monthly", "yearly", "permanent"] | None = None
    storage_config_id: uuid.UUID | None = None
    notes: str | None = Field(None, max_length=500)


class EnvironmentCreate(_Model):
    name: str = Field(min_length=1, max_length=255)
    environment_type: Literal["development", "staging", "production"] = "development"
    branch: str | None = Field(None, min_length=1, max_length=255)
    vm_id: uuid.UUID | None = None
    domain: str | None = Field(None, max_length=255)
    cpu_cores: float | None = Field(None, gt=0, le=64)
    ram_mb: int | None = Field(None, ge=256)
    disk_gb: int | None = Field(None, ge=1)


class EnvironmentPatch(_Model):
    name: str | None = Field(None, min_length=1, max_length=255)
    branch: str | None = Field(None, min_length=1, max_length=255)
    domain: str | None = Field(None, max_length=255)
    cpu_cores: float | None = Field(None, gt=0, le=64)
    ram_mb: int | None = Field(None, ge=256)
    disk_gb: int | None = Field(None, ge=1)


class WebhookCreate(_Model):
    url: str = Field(min_length=1, max_length=2048)
    events: list[EventName] = Field(min_length=1)
    description: str | None = Field(None, max_length=500)
    project_id: uuid.UUID | None = None
    format: Literal["raw", "slack", "teams", "discord"] = "raw"
    is_active: bool = True


class WebhookPatch(_Model):
    url: str | None = Field(None, min_length=1, max_length=2048)
    events: list[EventName] | None = Field(None, min_length=1)
    description: str | None = Field(None, max_length=500)
    format: Literal["raw", "slack", "teams", "discord"] | None = None
    is_active: bool | None = None


def _errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(exc.json(include_url=False))
    for item in items:
        item["loc"] = [where, *item["loc"]]
    return items


def parse_query(model: type[M], params: Mapping[str, str], *, lower: tuple[str, ...] = ()) -> M:
    """Validate query parameters; names in `lower` are matched case-insensitively."""
    values = {k: (v.lower() if k in lower else v) for k, v in params.items() if v != ""}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise RequestInvalid(_errors(exc, "query")) from None


def parse_body(model: type[M], raw: bytes, *, optional: bool = False) -> M:
    """Validate a JSON body; with `optional`, an empty body (or `null`) means `{}`."""
    if not raw.strip():
        if optional:
            return model()
        raise RequestInvalid(
            [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
        )
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RequestInvalid(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", getattr(exc, "pos", 0)],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": getattr(exc, "msg", str(exc))},
                }
            ]
        ) from None
    if data is None and optional:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestInvalid(_errors(exc, "body")) from None


def parse_id(value: str, name: str) -> str:
    """A path id as the canonical lower-case UUID string, or 422 `uuid_parsing`."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise RequestInvalid(
            [
                {
                    "type": "uuid_parsing",
                    "loc": ["path", name],
                    "msg": "Input should be a valid UUID",
                    "input": value,
                }
            ]
        ) from None
