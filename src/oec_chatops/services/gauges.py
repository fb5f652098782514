"""Database gauges for /metrics, computed off the event loop and served from a snapshot.

The Prometheus collector runs synchronously inside the scrape, so it must only read memory.
`refresh()`, awaited by the /metrics handler before it renders, computes the small indexed
numbers on a worker thread (concurrent scrapes share one computation); the whole-table counts
come from `refresh_retained()`, which the pruner calls after each round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from oec_chatops.clock import Clock
from oec_chatops.store.dbapi import DatabaseError
from oec_chatops.store.gauges import GaugeReader, LiveCounts, RetainedCounts
from oec_chatops.store.store import Store

T = TypeVar("T")
log = logging.getLogger(__name__)
Gauges = dict[str, float | dict[str, float]]


class StoreGauges:
    """The latest database numbers, and how to bring them up to date without blocking."""

    def __init__(self, *, store: Store, clock: Clock) -> None:
        self._inline = store.path == ":memory:"
        self._reader = GaugeReader(store.path, conn=store.conn if self._inline else None)
        self._clock = clock
        self._live: LiveCounts | None = None
        self._retained: RetainedCounts | None = None
        self._refreshing: asyncio.Future[LiveCounts] | None = None

    async def _off_loop(self, fn: Callable[[], T]) -> T:
        return fn() if self._inline else await asyncio.to_thread(fn)

    async def refresh(self) -> None:
        """Read the live numbers again (on a thread); a scrape already reading shares its read."""
        if self._refreshing is None or self._refreshing.done():
            # A read already finished (even one whose scrape went away) is not reused.
            self._refreshing = asyncio.ensure_future(self._off_loop(self._reader.live))
        try:
            self._live = await asyncio.shield(self._refreshing)
        except DatabaseError as exc:
            # A busy or unreadable database shows as the last numbers read, not as a failed
            # scrape: /readyz is what says the database is in trouble.
            log.warning("metrics.gauges_unread", extra={"error": type(exc).__name__})

    async def refresh_retained(self) -> RetainedCounts:
        """Count the tables retention keeps bounded (whole-table counts: after a prune round)."""
        self._retained = await self._off_loop(self._reader.retained)
        return self._retained

    def read(self) -> Gauges:
        """The collector's callback: the snapshot, no I/O."""
        out: Gauges = {}
        live = self._live
        if live is not None:
            oldest = live.outbox_oldest
            out["outbox_depth"] = float(live.outbox_depth)
            out["outbox_oldest_age_seconds"] = (
                max(0.0, self._clock.time() - oldest) if oldest is not None else 0.0
            )
            out["approvals"] = {k: float(v) for k, v in live.approvals.items()}
        retained = self._retained
        if retained is not None:
            out["outbox_rows"] = {k: float(v) for k, v in retained.outbox_rows.items()}
            out["deliveries_stored"] = float(retained.deliveries)
            out["audit_rows"] = float(retained.audit)
        return out

    def close(self) -> None:
        self._reader.close()
