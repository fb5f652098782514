"""The conditional updates exactly-once rests on, raced from separate connections to one file
(as two bot processes would be): one transition wins, a vote counts once, an ended request
never moves again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oec_chatops.domain import Approval, ApprovalState
from oec_chatops.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RACERS = 8


def new_request(path: Path, approval_id: str = "apr-1") -> None:
    store = Store(path)
    try:
        with store.tx():
            store.approvals.create(
                Approval(
                    approval_id=approval_id,
                    verb="deploy",
                    env_label="acme-shop/production",
                    env_id="env-1",
                    requested_by="U0DEV1",
                    channel_id="C0DEPLOYS",
                    state=ApprovalState.PENDING,
                    required=1,
                    created_at=NOW,
                    expires_at=NOW + timedelta(minutes=30),
                ),
                self_approval=False,
                now=NOW.timestamp(),
            )
    finally:
        store.close()


def race(path: Path, attempt: object) -> list[bool]:
    """Run `attempt(store, i)` in RACERS threads, each with its own connection, all at once."""
    barrier = threading.Barrier(RACERS)
    results: list[bool] = [False] * RACERS

    def run(i: int) -> None:
        store = Store(path)
        try:
            barrier.wait()
            results[i] = attempt(store, i)  # type: ignore[operator]
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    return results


def test_exactly_one_connection_moves_pending_to_approved(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    new_request(db)

    def approve(store: Store, i: int) -> bool:
        with store.tx():
            store.approvals.add_vote("apr-1", f"U0APR{i:02d}", NOW.timestamp())
            return store.approvals.transition(
                "apr-1",
                from_states=[ApprovalState.PENDING],
                to=ApprovalState.APPROVED,
                now=NOW.timestamp(),
                decided_by=f"U0APR{i:02d}",
            )

    assert sum(race(db, approve)) == 1

    def claim(store: Store, i: int) -> bool:
        with store.tx():
            return store.approvals.transition(
                "apr-1",
                from_states=[ApprovalState.APPROVED],
                to=ApprovalState.EXECUTING,
                now=NOW.timestamp(),
            )

    assert sum(race(db, claim)) == 1


def test_a_vote_counts_once_per_person(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    new_request(db)

    def vote(store: Store, i: int) -> bool:
        with store.tx():
            return store.approvals.add_vote("apr-1", "U0LEAD1", NOW.timestamp())

    assert sum(race(db, vote)) == 1
    store = Store(db)
    try:
        assert store.approvals.vote_count("apr-1") == 1
    finally:
        store.close()


@pytest.mark.parametrize(
    "ended",
    [
        ApprovalState.DONE,
        ApprovalState.FAILED,
        ApprovalState.REJECTED,
        ApprovalState.EXPIRED,
        ApprovalState.CANCELLED,
    ],
)
def test_an_ended_request_never_moves_again(tmp_path: Path, ended: ApprovalState) -> None:
    db = tmp_path / "bot.db"
    new_request(db)
    store = Store(db)
    try:
        path = {
            ApprovalState.DONE: [ApprovalState.APPROVED, ApprovalState.EXECUTING],
            ApprovalState.FAILED: [ApprovalState.APPROVED, ApprovalState.EXECUTING],
        }.get(ended, [])
        current = ApprovalState.PENDING
        for step in [*path, ended]:
            assert store.approvals.transition(
                "apr-1", from_states=[current], to=step, now=NOW.timestamp()
            )
            current = step
        for target in ApprovalState:
            assert not store.approvals.transition(
                "apr-1",
                from_states=[s for s in ApprovalState if s.ended is False],
                to=target,
                now=NOW.timestamp(),
            )
        a = store.approvals.get("apr-1")
        assert a is not None
        assert a.state is ended
        assert a.state.ended
    finally:
        store.close()
