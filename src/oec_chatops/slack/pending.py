"""`Pending`: an acknowledged `/oec` command not yet answered, as the workers hold it.

Its own module so that the desk, the queue, the listener and the answers all share it without
importing each other.
"""

from __future__ import annotations

import asyncio
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from oec_chatops.services.types import Invocation
from oec_chatops.store.commands import CommandRow


@dataclass(eq=False, repr=False, slots=True)
class Pending:
    """An acknowledged command not yet answered, as workers hold it in memory.

    `uses` mirrors the database's count of POSTs to the response_url; `note` is the kind of
    the note last shown (a second note of the same kind would only repeat it); `answer` is set
    for a command a previous life had already answered, possibly without it arriving. Compared
    by identity: two commands with the same text are still two commands.
    """

    inv: Invocation
    _: KW_ONLY
    response_url: str
    request_id: str
    received_at: float
    uses: int = 0
    answer: dict[str, Any] | None = None
    resumed_from: str | None = None
    note: str | None = field(default=None, init=False)
    finished: bool = field(default=False, init=False)
    _lock: asyncio.Lock | None = field(default=None, init=False)

    @classmethod
    def from_row(cls, row: CommandRow) -> Pending:
        inv = Invocation(
            user_id=row.user_id,
            channel_id=row.channel_id,
            text=row.text,
            trigger_id=row.trigger_id,
            user_name=row.user_name,
        )
        return cls(
            inv,
            response_url=row.response_url,
            request_id=row.request_id,
            received_at=row.received_at,
            uses=row.uses,
            answer=row.answer,
            resumed_from=row.state,
        )

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    @property
    def verb(self) -> str:
        return self.inv.text.split(" ", 1)[0] or "help"

    def __repr__(self) -> str:  # never the response_url: it is a capability
        return f"Pending(request_id={self.request_id!r}, verb={self.verb!r}, uses={self.uses})"
