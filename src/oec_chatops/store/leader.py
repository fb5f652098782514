"""`Leadership`: one replica at a time runs the singleton loops (expiry, tracking, pruning).

On PostgreSQL, the leader is the replica holding a session-level advisory lock on a dedicated
session (not the one the repositories use, so a failed statement there cannot drop it). When
the leader dies its session ends and PostgreSQL releases the lock at once; the others try for
it every `check_every` seconds, so one takes over within about that. The holder checks its
session on the same beat: if PostgreSQL restarted (the lock went with the session) it stops
leading and competes again like the others. Between a session's loss and its holder's next
check, two replicas may both believe they lead for up to `check_every` seconds: the loops' own
writes are conditional updates (an approval expires once, a deployment's rank only grows), so
an overlap costs a duplicate read, never a duplicate action.

On SQLite one process owns the database: it always leads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg

from oec_chatops.store.dialect import is_postgres_url
from oec_chatops.store.pg import LEADER_LOCK, PgRow, open_session

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0


class Leadership:
    def __init__(
        self,
        target: str,
        *,
        check_every: float = CHECK_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = target if is_postgres_url(target) else None
        self._check_every = check_every
        self._monotonic = monotonic
        self._session: psycopg.Connection[PgRow] | None = None
        self._held = self._url is None
        self._checked_at = float("-inf")

    def is_leader(self) -> bool:
        """Does this replica lead now? Talks to PostgreSQL at most once per `check_every`."""
        if self._url is None:
            return True
        now = self._monotonic()
        if now - self._checked_at < self._check_every:
            return self._held
        self._checked_at = now
        was = self._held
        try:
            self._held = self._check(self._url)
        except psycopg.Error as exc:
            log.warning("leader.session_lost", extra={"error": type(exc).__name__})
            self._drop()
        if self._held != was:
            log.info("leader.changed", extra={"leading": self._held})
        return self._held

    def _check(self, url: str) -> bool:
        session = self._session
        if session is None or session.closed or session.broken:
            self._drop()
            session = self._session = open_session(url, name="oec-chatops-leader")
        if self._held:
            session.execute("SELECT 1")
            return True
        row = session.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
        return bool(row is not None and row[0])

    def _drop(self) -> None:
        self._held = False
        if self._session is not None:
            self._session.close()
        self._session = None

    def close(self) -> None:
        """Step down (closing the session releases the lock for the next replica)."""
        self._drop()
