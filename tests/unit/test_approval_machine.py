"""The approval state machine read as a table: every (state, event) pair, allowed or refused."""

from __future__ import annotations

import pytest

from oec_chatops.approval_machine import TRANSITIONS, Event, Refused, sources, step, target
from oec_chatops.domain import ApprovalState as S

# The whole table, written out: what each event does in each state. None = refused.
TABLE: dict[S, dict[Event, S | None]] = {
    S.PENDING: {
        Event.QUORUM: S.APPROVED,
        Event.REJECT: S.REJECTED,
        Event.CANCEL: S.CANCELLED,
        Event.EXPIRE: S.EXPIRED,
        Event.START: None,
        Event.SUCCEED: None,
        Event.FAIL: None,
        Event.HOLD: None,
        Event.RELEASE: None,
        Event.BACK_UP: None,
        Event.BACKED_UP: None,
        Event.BACKUP_FAILED: None,
    },
    S.APPROVED: {
        e: {Event.START: S.EXECUTING, Event.HOLD: S.WAITING, Event.BACK_UP: S.BACKING_UP}.get(e)
        for e in Event
    },
    S.BACKING_UP: {
        e: {Event.BACKED_UP: S.EXECUTING, Event.BACKUP_FAILED: S.FAILED}.get(e) for e in Event
    },
    S.EXECUTING: {e: {Event.SUCCEED: S.DONE, Event.FAIL: S.FAILED}.get(e) for e in Event},
    # Approved while a freeze or lock forbids it: waits, runs when released, or expires.
    S.WAITING: {
        e: {Event.HOLD: S.WAITING, Event.RELEASE: S.APPROVED, Event.EXPIRE: S.EXPIRED}.get(e)
        for e in Event
    },
    **{ended: dict.fromkeys(Event) for ended in S if ended.ended},
}


def test_the_table_covers_every_state_and_event() -> None:
    assert set(TABLE) == set(S)
    assert all(set(row) == set(Event) for row in TABLE.values())


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [(s, e, to) for s, row in TABLE.items() for e, to in row.items()],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_step(state: S, event: Event, expected: S | None) -> None:
    result = step(state, event)
    if expected is None:
        assert result == Refused(f"This request is already {state.value}; nothing changed.")
    else:
        assert result is expected


def test_ended_states_are_left_by_no_event() -> None:
    """A decided request stays decided: no event leads out of done, failed, rejected ..."""
    assert not [key for key in TRANSITIONS if key[0].ended]


def test_executing_is_entered_by_start_or_after_the_backup_only() -> None:
    """The action is sent by whoever applies START, or BACKED_UP once the backup taken first
    completed: no other move leads into executing, and none skips the backup."""
    into = [key for key, to in TRANSITIONS.items() if to is S.EXECUTING]
    assert into == [(S.APPROVED, Event.START), (S.BACKING_UP, Event.BACKED_UP)]


@pytest.mark.parametrize("event", list(Event), ids=lambda e: e.value)
def test_sources_and_target_are_the_conditional_update(event: Event) -> None:
    """What the service's UPDATE uses: WHERE state IN sources(event), SET state = target(event)."""
    expected_sources = [s for s, row in TABLE.items() if row[event] is not None]
    assert sources(event) == expected_sources
    assert {TABLE[s][event] for s in expected_sources} == {target(event)}
