"""Failures the deployERP simulator can be told to produce (`POST /_sim/faults`).

Counters are used up one request (or action, or backup) at a time; `reset` clears them all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(slots=True)
class DerpFaults:
    latency_ms: int = 0  # added to every API answer (real time, after the handler ran)
    error_next: int = 0  # the next N authenticated API requests are answered 500
    force_429: int = 0  # the next N authenticated API requests are answered 429
    retry_after: int = 7  # the Retry-After of a forced 429
    fail_next_deploys: int = 0  # the next N deploys end failed
    fail_next_backups: int = 0  # the next N backups end failed
    lose_next_answers: int = 0  # the next N successful writes are applied, then answered 504

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update, all or nothing; ValueError names the first bad field."""
        current = self.as_dict()
        unknown = sorted(set(changes) - set(current))
        if unknown:
            raise ValueError(f"Unknown fault field(s): {', '.join(unknown)}.")
        for name, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number, 0 or more.")
        for name, value in changes.items():
            setattr(self, name, value)
