"""How long the bot keeps what it stores, as pure values: durations and the cut-offs they give.

Deliveries, sent outbox rows and audit rows would otherwise grow forever. Two promises shape the
rules here. A delivery's payload goes after `deliveries`; its dedupe key stays until `dedupe`
(never shorter than `deliveries` nor than the signature tolerance) so the key always outlives the
payload. And no key is dropped while its delivery could still be replayed: a replay is accepted
only while its signed timestamp is within the tolerance of now, so a key also waits until its
own signed timestamp is older than that (and a delivery signed without a timestamp, which can be
replayed at any time, keeps its key for good).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAY = 86_400.0
DEFAULT_DELIVERIES = 30 * DAY
DEFAULT_AUDIT = 365 * DAY
MIN_RETENTION = 3_600.0  # an hour: shorter would prune what an operator is still looking at

_UNITS = {"s": 1.0, "m": 60.0, "h": 3_600.0, "d": DAY, "w": 7 * DAY}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(value: object) -> float:
    """Seconds from `30d`, `12h`, `90m`, `45s`, `2w` or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 30d, 12h or 3600")
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if match is None:
        raise ValueError("must be a duration such as 30d, 12h or 3600")
    return float(match[1]) * _UNITS[(match[2] or "s").lower()]


def format_duration(seconds: float) -> str:
    """`30d`, `12h`, ... for messages: the largest unit that divides it, else seconds."""
    for unit in ("w", "d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


def default_dedupe(deliveries: float, tolerance: float) -> float:
    """A day longer than the payloads are kept (and never shorter than the tolerance)."""
    return max(deliveries, tolerance) + DAY


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Retention in seconds, and the signature rules the dedupe keys must outlive."""

    deliveries: float = DEFAULT_DELIVERIES
    dedupe: float = DEFAULT_DELIVERIES + DAY
    audit: float = DEFAULT_AUDIT
    tolerance: float = 300.0
    untimestamped_accepted: bool = False

    def __post_init__(self) -> None:
        if self.dedupe < max(self.deliveries, self.tolerance):
            raise ValueError("dedupe keys must be kept at least as long as payloads and tolerance")

    def cutoffs(self, now: float) -> Cutoffs:
        return Cutoffs(
            payloads=now - self.deliveries,
            outbox=now - self.deliveries,
            keys=now - self.dedupe,
            signed=now - self.tolerance,
            audit=now - self.audit,
            keep_unsigned_keys=self.untimestamped_accepted,
        )


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Rows older than these instants (unix seconds) may go."""

    payloads: float
    outbox: float
    keys: float
    signed: float  # a key goes only once its delivery's signed timestamp is older than this
    audit: float
    keep_unsigned_keys: bool
