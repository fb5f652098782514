"""Every request the simulated API received, in order, for tests to assert on.

It records what a client chose to send (method, path, query, idempotency headers, body, which
auth header and which key tier) and the status it got back, never the key itself.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

MAX_ENTRIES = 10_000
MAX_BODY_CHARS = 10_000


@dataclass(slots=True)
class RequestEntry:
    seq: int
    at: str
    method: str
    path: str
    query: dict[str, str]
    idempotency_key: str | None
    x_idempotency_key: str | None
    auth_header: str | None  # "authorization" or "x-api-key": the one that counted
    tier: str | None  # None until the key was accepted
    body: Any
    status: int | None = None
    key_fingerprint: str | None = None  # which accepted key (its fingerprint, never the key)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decode_body(raw: bytes) -> Any:
    """The body as JSON when it is JSON, else as (truncated) text; None when empty."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:MAX_BODY_CHARS]


class RequestLog:
    def __init__(self) -> None:
        self._entries: deque[RequestEntry] = deque(maxlen=MAX_ENTRIES)
        self._seq = 0

    def add(self, **fields: Any) -> RequestEntry:
        self._seq += 1
        entry = RequestEntry(seq=self._seq, **fields)
        self._entries.append(entry)
        return entry

    def since(self, seq: int) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self._entries if e.seq > seq]

    def clear(self) -> None:
        self._entries.clear()
