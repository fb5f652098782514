"""Failures the simulator can be told to produce, so clients are tested against them.

Set through `POST /_sim/faults` with any subset of the fields; `POST /_sim/reset` clears them.
Counters (`force_429`, `error_next`, `fail_next_*`, `lose_next_answers`,
`target_unreachable`) are used up one request or task at a time. `error_rate` strictly between 0 and 1 draws at random; use `error_next` when a test
needs to know exactly which request fails.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from oec_chatops.sim.timeline import TaskKind

PAGINATION_SHAPES = ("cursor", "page", "offset", "array")


@dataclass(slots=True)
class Faults:
    latency_ms: int = 0  # added to every API answer (real time, not the injected clock)
    error_rate: float = 0.0  # share of API requests answered 5xx
    error_next: int = 0  # the next N API requests are answered 5xx
    force_429: int = 0  # the next N authenticated API requests are answered 429
    bare_429: bool = False  # 429 answers carry no Retry-After / X-RateLimit-* headers (§9.4)
    fail_next_deploys: int = 0  # the next N deploy / quick-update tasks fail
    fail_next_module_updates: int = 0  # the next N quick updates of modules fail at that step
    fail_next_backups: int = 0  # the next N backups fail (pg_dump)
    fail_next_restores: int = 0  # the next N restores fail
    target_unreachable: int = 0  # the next N runtime-log / metrics calls answer 502
    lose_next_answers: int = 0  # the next N successful writes are done, then answered 504
    projects_pagination: str = "cursor"  # the shape GET /projects answers in (§4, §9.5)

    def take_failure(self, kind: TaskKind, mode: str | None) -> bool:
        """Whether the task being created fails, using up the counter that says so."""
        counters = {
            TaskKind.DEPLOY: "fail_next_deploys",
            TaskKind.BACKUP: "fail_next_backups",
            TaskKind.RESTORE: "fail_next_restores",
        }
        names = [counters[kind]] if kind in counters else []
        if kind is TaskKind.QUICK_UPDATE:
            names = ["fail_next_deploys"]
            if mode not in (None, "pull_restart"):
                names.insert(0, "fail_next_module_updates")
        for name in names:
            if getattr(self, name) > 0:
                setattr(self, name, getattr(self, name) - 1)
                return True
        return False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update; raises ValueError naming the first bad field."""
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"Unknown fault field(s): {', '.join(unknown)}.")
        staged = Faults(**self.as_dict())
        for name, value in changes.items():
            setattr(staged, name, _checked(name, value))
        for name in known:
            setattr(self, name, getattr(staged, name))


def _checked(name: str, value: Any) -> Any:
    if name == "bare_429":
        if not isinstance(value, bool):
            raise ValueError("bare_429 must be true or false.")
        return value
    if name == "projects_pagination":
        if value not in PAGINATION_SHAPES:
            raise ValueError(f"projects_pagination must be one of {', '.join(PAGINATION_SHAPES)}.")
        return value
    if name == "error_rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError("error_rate must be a number from 0 to 1.")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number, 0 or more.")
    return value
