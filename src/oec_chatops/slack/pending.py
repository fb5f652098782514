"""`Pending`: an acknowledged `/oec` command not yet answered, as the workers hold it.

Its own module so that the desk, the queue, the listener and the answers all share it without
importing each other.
"""

from __future__ import annotations

import asyncio
from typing import Any

from oec_chatops.services.types import Invocation
from oec_chatops.store.commands import CommandRow


class Pending:
    """An acknowledged command not yet answered, as workers hold it in memory.

    `uses` mirrors the database's count of POSTs to the response_url; `note` is the kind of
    the note last shown (a second note of the same kind would only repeat it); `answer` is set
    for a command a previous life had already answered, possibly without it arriving.
    """

    __slots__ = (
        "_lock",
        "answer",
        "finished",
        "inv",
        "note",
        "received_at",
        "request_id",
        "response_url",
        "resumed_from",
        "uses",
    )

    def __init__(
        self,
        inv: Invocation,
        *,
        response_url: str,
        request_id: str,
        received_at: float,
        uses: int = 0,
        answer: dict[str, Any] | None = None,
        resumed_from: str | None = None,
    ) -> None:
        self.inv = inv
        self.response_url = response_url
        self.request_id = request_id
        self.received_at = received_at
        self.uses = uses
        self.answer = answer
        self.resumed_from = resumed_from
        self.note: str | None = None
        self.finished = False
        self._lock: asyncio.Lock | None = None

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
