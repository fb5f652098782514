"""The simulated resources and their JSON, exactly as CONTRACT.md §3 pins deployERP's answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from oec_chatops.simkit.records import as_json

ACTION_RUNNING_STATUS = {
    "deploy": "deploying",
    "start": "starting",
    "stop": "stopping",
    "restart": "starting",
}


class Record:
    """A simulated resource answers with the fields its `WIRE` names, in that order.

    Table-driven because every deployERP resource renders alike: CONTRACT.md §3's field order,
    and every `*_at` field an ISO 8601 time (no other field is one).
    """

    __slots__ = ()
    WIRE: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        times = " ".join(name for name in self.WIRE.split() if name.endswith("_at"))
        return as_json(self, self.WIRE, times=times)


@dataclass(slots=True)
class Server(Record):
    id: str
    name: str
    provider: str
    region: str
    ip_address: str
    created_at: float
    status: str = "active"

    WIRE: ClassVar[str] = "id name provider region status ip_address created_at"


@dataclass(slots=True)
class Instance(Record):
    id: str
    name: str
    server_id: str
    environment: str
    odoo_version: str
    url: str
    created_at: float
    updated_at: float
    status: str = "running"

    WIRE: ClassVar[str] = (
        "id name server_id status environment odoo_version url created_at updated_at"
    )


@dataclass(slots=True, kw_only=True)
class Job(Record):
    """What an action and a backup share: planned to end at `ends_at`, failing then if planned.

    One base, because both are the same thing to the simulator: a job on one instance that a
    fault may mark `will_fail` when it is created and that `finish` settles at its planned end.
    """

    id: str
    instance_id: str
    created_at: float
    ends_at: float
    will_fail: bool = False
    status: str = "pending"
    error: str | None = None
    completed_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")

    def finish(self, error: str) -> None:
        """Settle at the planned end: `failed` with `error` when planned to fail, else done."""
        self.completed_at = self.ends_at
        if self.will_fail:
            self.status, self.error = "failed", error
        else:
            self.status = "completed"


@dataclass(slots=True, kw_only=True)
class Action(Job):
    """A lifecycle action or deploy; `runs_at` / `ends_at` are its planned transitions."""

    action: str
    runs_at: float
    started_at: float | None = None

    WIRE: ClassVar[str] = "id instance_id action status error created_at started_at completed_at"


@dataclass(slots=True, kw_only=True)
class Backup(Job):
    size_bytes: int | None = None

    WIRE: ClassVar[str] = "id instance_id status size_bytes error created_at completed_at"
