"""The approval request's state machine as data: (state, event) → next state, or why not.

Pure: no store, no clock. `services.approvals` asks this table which states an event may
leave (`sources`) and where it leads (`target`), and applies the move as one conditional
UPDATE (`store.approvals.transition`), so that of concurrent callers only one moves a request.
A request whose change must be preceded by a backup (policy `backup_before`) leaves
`approved` by BACK_UP rather than START, waits in `backing_up`, and reaches `executing` only by
BACKED_UP: no move leads from `backing_up` to the change without the backup having completed.

Kept as a table so that every allowed move, and every refused one, can be read (and tested)
in one place rather than found across the service's branches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from oec_chatops.domain import ApprovalState

S = ApprovalState


class Event(StrEnum):
    """What can happen to a request."""

    QUORUM = "quorum"  # the vote that reaches the required number of approvals
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"  # its time ran out while pending
    START = "start"  # the one caller that will send the action to the platform
    SUCCEED = "succeed"  # the platform accepted the action
    FAIL = "fail"  # the platform refused it, never answered, or it is too late to ask
    # Change control: approved while a freeze (or someone else's lock) forbids the change, it
    # waits (HOLD, again to note a new end), and goes back to approved when that ends (RELEASE).
    HOLD = "hold"
    RELEASE = "release"
    # Policy `backup_before`: a backup is taken first, and the change waits for it.
    BACK_UP = "back_up"  # the one caller that starts the backup instead of the change
    BACKED_UP = "backed_up"  # the backup completed: the one caller that will send the change
    BACKUP_FAILED = "backup_failed"  # the backup failed or timed out: the change is never sent


TRANSITIONS: Mapping[tuple[ApprovalState, Event], ApprovalState] = {
    (S.PENDING, Event.QUORUM): S.APPROVED,
    (S.PENDING, Event.REJECT): S.REJECTED,
    (S.PENDING, Event.CANCEL): S.CANCELLED,
    (S.PENDING, Event.EXPIRE): S.EXPIRED,
    (S.APPROVED, Event.START): S.EXECUTING,
    (S.EXECUTING, Event.SUCCEED): S.DONE,
    (S.EXECUTING, Event.FAIL): S.FAILED,
    (S.APPROVED, Event.HOLD): S.WAITING,
    (S.WAITING, Event.HOLD): S.WAITING,
    (S.WAITING, Event.RELEASE): S.APPROVED,
    (S.WAITING, Event.EXPIRE): S.EXPIRED,
    (S.APPROVED, Event.BACK_UP): S.BACKING_UP,
    (S.BACKING_UP, Event.BACKED_UP): S.EXECUTING,
    (S.BACKING_UP, Event.BACKUP_FAILED): S.FAILED,
}


@dataclass(frozen=True, slots=True)
class Refused:
    """The event does not apply in this state; `reason` is said to the person who tried."""

    reason: str


def step(state: ApprovalState, event: Event) -> ApprovalState | Refused:
    """The state `event` leads to from `state`, or the refusal to show."""
    to = TRANSITIONS.get((state, event))
    if to is not None:
        return to
    return Refused(f"This request is already {state.value}; nothing changed.")


def sources(event: Event) -> list[ApprovalState]:
    """The states `event` may leave: the WHERE of the conditional UPDATE that applies it."""
    return [state for (state, e) in TRANSITIONS if e is event]


def target(event: Event) -> ApprovalState:
    """The state `event` leads to (each event has exactly one)."""
    (to,) = {to for (_, e), to in TRANSITIONS.items() if e is event}
    return to
