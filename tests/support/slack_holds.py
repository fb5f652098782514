"""A Slack that hangs: named Web API methods get no answer until the test lets them through.

The fake Slack answers at once or with an error; Slack on a bad day also just does not answer.
`HeldMethods` sits in front of the fake Slack's ASGI app (`running_stack(slack_app=...)`): a
call of a held method waits, with its connection open, until `release()`; a call of a cut
method loses its connection halfway through the answer; everything else passes straight
through. `stack_with_holds` releases them before the stack stops, so no server
waits on a held call at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.support.stack import Stack, running_stack


class HeldMethods:
    def __init__(self) -> None:
        self.methods: set[str] = set()
        self.cut_methods: set[str] = set()
        self.waiting = 0  # calls held right now
        self._released = asyncio.Event()
        self._app: ASGIApp | None = None

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The fake Slack's app, with this hold in front of it."""
        self._app = app
        return self

    def hold(self, *methods: str) -> None:
        """From now on, calls of `methods` get no answer until `release()`."""
        self.methods.update(methods)
        self._released.clear()

    def cut(self, *methods: str) -> None:
        """From now on, calls of `methods` lose their connection halfway through the answer."""
        self.cut_methods.update(methods)

    def release(self) -> None:
        """Let every held call through, and hold nothing more."""
        self.methods.clear()
        self._released.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._app is not None, "wrap() the fake Slack's app first"
        method = str(scope.get("path", "")).removeprefix("/api/")
        if scope["type"] == "http" and method in self.cut_methods:
            # A promised body that never comes: the server drops the connection.
            headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"ok": tr', "more_body": True})
            raise ConnectionResetError("cut by the test")
        if scope["type"] != "http" or method not in self.methods:
            await self._app(scope, receive, send)
            return
        # The request is read before the hold, so that the call can still be answered after
        # it (to nobody, if the bot gave up waiting) instead of failing on a gone client.
        messages: list[Message] = []
        while not messages or messages[-1].get("more_body", False):
            messages.append(await receive())
        self.waiting += 1
        try:
            await self._released.wait()
        finally:
            self.waiting -= 1

        async def replay() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        await self._app(scope, replay, send)


@contextlib.asynccontextmanager
async def stack_with_holds(
    tmp_path: Path, **kwargs: Any
) -> AsyncIterator[tuple[Stack, HeldMethods]]:
    """`running_stack(**kwargs)` whose fake Slack can be told to hang (`holds.hold(method)`)."""
    holds = HeldMethods()
    async with running_stack(tmp_path, slack_app=holds.wrap, **kwargs) as stack:
        try:
            yield stack, holds
        finally:
            holds.release()
