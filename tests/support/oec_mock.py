"""The oec.sh client answered in-process: for tests of what the client sends and how it reads
each answer (errors, retries, pages, tasks), where a scripted handler says more than the
simulator could. The tests of the client against the simulator use `tests.support.stack`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from oec_chatops.clock import Clock, ManualClock
from oec_chatops.oec.client import OecClient

BASE = "https://api.oec.test/api/public/v1"
RW = "oec_live_rw_" + "r" * 43

Handler = Callable[[httpx.Request], httpx.Response]


def answered_by(
    handler: Handler,
    *,
    clock: Clock | None = None,
    rw: str | None = RW,
    ro: str | None = None,
    **kwargs: Any,
) -> OecClient:
    """A client on `BASE` whose every request `handler` answers, on `clock` (a fresh
    `ManualClock` by default, so a `Retry-After` or a backoff is never waited for)."""
    return OecClient(
        base_url=BASE,
        rw_key=SecretStr(rw) if rw else None,
        ro_key=SecretStr(ro) if ro else None,
        clock=clock or ManualClock(),
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def recording(handler: Handler, seen: list[httpx.Request]) -> Handler:
    """`handler`, keeping every request it is asked in `seen`."""

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return record
