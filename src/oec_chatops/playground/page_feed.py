"""The page's live feed: `FakeSlack` changes as server-sent events.

Each change the page could see (a message posted, updated or deleted, an ephemeral, a modal, a
reset) is one `change` event carrying the change's number and where it happened; the page then
reads the state again. API calls the bot makes are not sent: they change nothing on screen.
The stream ends when the playground closes, so a server can stop while a browser is connected,
and a comment line every `keepalive` seconds lets proxies and dead sockets notice each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from oec_chatops.playground.fake_slack import FakeSlack
from oec_chatops.playground.traffic import Change

UNSEEN_KINDS = frozenset({"call"})
QUEUE_SIZE = 1000
RECONNECT_MS = 1000


def sse(event: str, data: object) -> bytes:
    """One server-sent event; `data` is JSON on one line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def change_events(
    fake: FakeSlack, *, closing: asyncio.Event, keepalive: float = 15.0
) -> AsyncIterator[bytes]:
    """Yield `hello` (the current version), then one `change` event per visible change.

    Subscribes before the first yield, so no change between the page's state read and its
    feed connection is lost; if the page falls more than QUEUE_SIZE changes behind, it gets a
    `resync` event and reads the whole state again.
    """
    queue: asyncio.Queue[Change | None] = asyncio.Queue(QUEUE_SIZE)

    def on_change(change: Change) -> None:
        if change.kind in UNSEEN_KINDS:
            return
        try:
            queue.put_nowait(change)
        except asyncio.QueueFull:
            _overflow(queue)

    unsubscribe = fake.subscribe(on_change)
    try:
        yield f"retry: {RECONNECT_MS}\n\n".encode() + sse("hello", {"version": fake.version})
        while not closing.is_set():
            got = await _next(queue, closing, keepalive)
            if closing.is_set():
                break
            if isinstance(got, Change):
                yield sse("change", got.to_dict())
            elif got is _MISSED:
                yield sse("resync", {"version": fake.version})
            else:
                yield b": keepalive\n\n"
    finally:
        unsubscribe()


class _Quiet:
    """Nothing arrived within `keepalive` seconds (or the feed is closing)."""


_QUIET = _Quiet()
_MISSED = None  # queued by `_overflow`: some changes were dropped


def _overflow(queue: asyncio.Queue[Change | None]) -> None:
    """Drop what is queued and leave one `_MISSED`: "you missed some, read everything again"."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(_MISSED)


async def _next(
    queue: asyncio.Queue[Change | None], closing: asyncio.Event, keepalive: float
) -> Change | _Quiet | None:
    """The next queued item, or `_QUIET` when `keepalive` s pass or the feed closes."""
    getter = asyncio.ensure_future(queue.get())
    closer = asyncio.ensure_future(closing.wait())
    try:
        await asyncio.wait({getter, closer}, timeout=keepalive, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (getter, closer):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if getter.done() and not getter.cancelled():
        return getter.result()
    return _QUIET
