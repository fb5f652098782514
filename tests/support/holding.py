"""`HoldingSlack`: a Slack that applies a request and then holds its answer, for crash tests."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HoldingSlack:
    """The fake Slack, except that once armed it applies one `chat.postMessage` (or a request
    to any path holding `path_part`, like "/response/") and then holds its answer until told
    to let go: the bot dies not knowing that its message exists."""

    def __init__(self, app: ASGIApp, *, path_part: str = "/chat.postMessage") -> None:
        self.app = app
        self.path_part = path_part
        self.posts = 0
        self.hold_after: int | None = None
        self.caught = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.path_part in scope["path"]:
            self.posts += 1
            if (
                self.hold_after is not None
                and self.posts > self.hold_after
                and not self.caught.is_set()
            ):
                held: list[Message] = []

                async def keep(message: Message) -> None:
                    held.append(message)

                await self.app(scope, receive, keep)
                self.caught.set()
                await self.release.wait()
                with contextlib.suppress(Exception):
                    for message in held:
                        await send(message)
                return
        await self.app(scope, receive, send)
