"""What every simulated deployERP request goes through before and after its handler.

In order: record the request (never the key), apply due transitions, authenticate (401), refuse
a write from a Read key (403 `forbidden`), the forced-429 fault, the key's hourly budget and
per-minute burst (429 with `Retry-After`), the 500 fault, then the idempotency cache or the
handler; finally `X-RateLimit-*` headers and added latency. The `lose_next_answers` fault lets a
write happen and answers 504, so a client re-sending the same `Idempotency-Key` meets the first
answer again (and the action runs once).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from oec_chatops.deployerp_sim.errors import DerpApiError
from oec_chatops.deployerp_sim.keys import Caller, Level, authenticate
from oec_chatops.deployerp_sim.limits import Decision
from oec_chatops.deployerp_sim.state import DerpSimState
from oec_chatops.simkit.gateway import bearer_header, log_request
from oec_chatops.simkit.records import iso


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any = None


Handler = Callable[[Request, bytes], Awaitable[Reply]]
Endpoint = Callable[[Request], Awaitable[Response]]


def encode(body: Any) -> bytes:
    return b"" if body is None else json.dumps(body, separators=(",", ":")).encode()


class Gateway:
    def __init__(self, state: DerpSimState) -> None:
        self._state = state

    def endpoint(self, handler: Handler, *, write: bool = False) -> Endpoint:
        """A Starlette endpoint running `handler` behind the gateway; writes honour
        `Idempotency-Key`."""

        async def serve(request: Request) -> Response:
            return await self._serve(request, handler, write)

        return serve

    async def _serve(self, request: Request, handler: Handler, write: bool) -> Response:
        state = self._state
        entry, raw = await log_request(
            state.requests, request, at=iso(state.now()), auth_header=bearer_header(request)
        )
        state.tick()
        headers: dict[str, str] = {}
        try:
            caller = authenticate(request.headers, state.keyring)
            entry.tier = caller.level.name.lower()
            decision = self._admit(caller, write)
            headers.update(decision.headers())
            if state.faults.error_next > 0:
                state.faults.error_next -= 1
                raise DerpApiError(500, "internal_error", "Internal server error.")
            status, content, replayed = await self._answer(request, raw, caller, handler, write)
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            elif write and 200 <= status < 300 and state.faults.lose_next_answers:
                state.faults.lose_next_answers -= 1
                raise DerpApiError(504, "gateway_timeout", "The upstream did not answer in time.")
        except DerpApiError as exc:
            status, content = exc.status, encode(exc.body())
            headers.update(exc.headers)
        if state.faults.latency_ms:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        entry.status = status
        return Response(content, status, headers, media_type="application/json")

    def _admit(self, caller: Caller, write: bool) -> Decision:
        state, settings, now = self._state, self._state.settings, self._state.now()
        if write and caller.level < Level.WRITE:
            raise DerpApiError(
                403,
                "forbidden",
                "This API key has the Read level and may only view resources.",
                details={"required_level": "write", "key_level": "read"},
            )
        if state.faults.force_429 > 0:
            state.faults.force_429 -= 1
            seen = state.limits.peek(caller.fingerprint, hourly=settings.hourly_limit, now=now)
            raise _too_many(seen, state.faults.retry_after)
        decision = state.limits.take(
            caller.fingerprint, hourly=settings.hourly_limit, burst=settings.burst_limit, now=now
        )
        if not decision.allowed:
            raise _too_many(decision, decision.retry_after)
        return decision

    async def _answer(
        self, request: Request, raw: bytes, caller: Caller, handler: Handler, write: bool
    ) -> tuple[int, bytes, bool]:
        """The handler's answer, or the one remembered under the request's idempotency key."""
        state = self._state
        key = request.headers.get("idempotency-key") if write else None
        if not key:
            reply = await handler(request, raw)
            return reply.status, encode(reply.body), False
        scope = (caller.fingerprint, key, request.method, request.url.path)
        cached = state.idempotency.get(scope, now=state.now())
        if cached is not None:
            return cached.status, cached.content, True
        reply = await handler(request, raw)
        content = encode(reply.body)
        if 200 <= reply.status < 300:
            state.idempotency.put(scope, status=reply.status, content=content, now=state.now())
        return reply.status, content, False


def _too_many(decision: Decision, retry_after: int) -> DerpApiError:
    return DerpApiError(
        429,
        "rate_limit_exceeded",
        f"Rate limit exceeded ({decision.limit} requests per hour, with a per-minute burst). "
        f"Retry in {retry_after} s.",
        details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after), **decision.headers()},
    )
