"""`Pruner`: deletes what retention no longer keeps, in the background, a small batch at a time.

Every round (at start, then every `interval` seconds) it empties delivery payloads older than
the delivery retention, then deletes delivery rows (their dedupe keys) past the dedupe
retention once no replay of them could pass the signature check, then sent and dead outbox
rows, then old audit rows, then answered slash commands. Each batch is one short statement on
the loop's own connection, and
the loop is yielded to between batches, so a backlog of millions (the first round after an
upgrade) delays a command or a webhook by one batch at most, never by the whole backlog. The
cut-offs come from the injectable clock. Each round that removed anything leaves an audit row
and a log line with its counts; afterwards the whole-table gauges are recounted off the loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TypeVar

from oec_chatops.clock import Clock
from oec_chatops.retention import RetentionPolicy
from oec_chatops.services.gauges import StoreGauges
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.store import Store
from oec_chatops.store.retention import START, Batch, Cursor, Retention

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 600.0
BATCH = 500
PAUSE = 0.005  # seconds between two batches: 200 batches (100k rows) a second at most
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one round removed."""

    payloads: int = 0
    dedupe_keys: int = 0
    outbox_rows: int = 0
    audit_rows: int = 0
    commands: int = 0

    @property
    def total(self) -> int:
        return self.payloads + self.dedupe_keys + self.outbox_rows + self.audit_rows + self.commands


@dataclass(kw_only=True, eq=False)
class Pruner(WorkerLoop):
    name = "pruner"

    store: Store
    clock: Clock
    policy: RetentionPolicy
    gauges: StoreGauges | None = None
    interval: float = PRUNE_INTERVAL
    batch: int = BATCH
    pause: float = PAUSE

    def __post_init__(self) -> None:
        super().__init__()
        self.repo = Retention(self.store.conn)
        self._lock = asyncio.Lock()
        # Where the payload pass stopped: the next round goes on from there instead of reading
        # again through the rows whose payload is gone but whose key is kept. (The key pass
        # starts over each round: a key kept because its signature could still be replayed
        # must be looked at again once it cannot.)
        self._payloads_after: Cursor = START

    async def round(self) -> bool:
        await self.run_once()
        return False

    def idle_wait(self) -> float:
        return self.interval

    async def run_once(self) -> Pruned:
        """One pruning round; then the gauges that count whole tables are brought up to date."""
        async with self._lock:
            pruned = await self._prune()
        if pruned.total:
            self.store.audit.record(
                at=self.clock.time(),
                actor="oec-chatops",
                action="retention.prune",
                result="ok",
                detail=asdict(pruned),
            )
        log.log(
            logging.INFO if pruned.total else logging.DEBUG,
            "retention.pruned",
            extra=asdict(pruned),
        )
        if self.gauges is not None:
            await self.gauges.refresh_retained()
        return pruned

    async def _prune(self) -> Pruned:
        cut = self.policy.cutoffs(self.clock.time())
        payloads, self._payloads_after = await self._deliveries(
            lambda after: self.repo.drop_payloads(cut.payloads, after=after, limit=self.batch),
            self._payloads_after,
        )
        keys, _ = await self._deliveries(
            lambda after: self.repo.drop_keys(
                cut.keys,
                signed_before=cut.signed,
                keep_unsigned=cut.keep_unsigned_keys,
                after=after,
                limit=self.batch,
            ),
            START,
        )
        outbox = await self._batches(lambda: self.repo.drop_outbox(cut.outbox, limit=self.batch))
        audit = await self._batches(lambda: self.repo.drop_audit(cut.audit, limit=self.batch))
        # Answered commands are kept as long as sent outbox rows: both say what reached Slack.
        commands = await self._batches(
            lambda: self.repo.drop_commands(cut.outbox, limit=self.batch)
        )
        return Pruned(
            payloads=payloads,
            dedupe_keys=keys,
            outbox_rows=outbox,
            audit_rows=audit,
            commands=commands,
        )

    async def _run(self, step: Callable[[], T]) -> T:
        """One batch, committed with whatever webhooks arrive meanwhile (group commit, which
        also keeps the background checkpointer running), then a pause: commands and webhooks
        go in between two batches, and the checkpointer keeps the WAL short, so no batch pays
        for an inline checkpoint of the batches before it."""
        result = await self.store.write(lambda _repos: step())
        await asyncio.sleep(self.pause)
        return result

    async def _deliveries(
        self, step: Callable[[Cursor], Batch], after: Cursor
    ) -> tuple[int, Cursor]:
        total = 0
        while not self.stopping:
            batch = await self._run(functools.partial(step, after))
            total += batch.count
            after = batch.after
            if batch.done:
                break
        return total, after

    async def _batches(self, step: Callable[[], int]) -> int:
        total = 0
        while not self.stopping:
            n = await self._run(step)
            total += n
            if n < self.batch:
                break
        return total
