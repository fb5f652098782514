"""Failures the oCore simulator can be told to produce (`POST /_sim/faults`, any subset).

Counters are used up one request (or one control call) at a time; `POST /_sim/reset` clears all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(slots=True)
class OcoreFaults:
    latency_ms: int = 0  # added to every API answer (real time)
    error_next: int = 0  # the next N API requests are answered 500 before anything runs
    force_429: int = 0  # the next N authenticated API requests are answered 429
    retry_after: int = 2  # the Retry-After of those 429s, in seconds
    lose_next_answers: int = 0  # the next N control calls are carried out, then answered 504
    fail_next_controls: int = 0  # the next N control calls end with the instance in `error`
    plain_text_errors: bool = False  # error bodies as text/plain instead of JSON

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update; raises ValueError naming the first bad field."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"Unknown fault field(s): {', '.join(unknown)}.")
        for name, value in changes.items():
            if name == "plain_text_errors":
                if not isinstance(value, bool):
                    raise ValueError("plain_text_errors must be true or false.")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number, 0 or more.")
        for name, value in changes.items():
            setattr(self, name, value)
