"""What every public API request goes through before and after its handler.

In order: record the request (never the key), apply due task transitions, authenticate
(401), refuse writes with a read-only key (403), the forced-429 fault, the per-key read/write
limit and, for webhook changes, the webhook limit (429), the 5xx faults, then the idempotency
cache or the handler; finally rate-limit headers, the `bare_429` fault and added latency.
Latency is added after the handler ran, so a client that times out and retries with the same
idempotency key meets the answer the first request already produced, as on the real platform.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from oec_chatops.sim.errors import ApiError, Shape
from oec_chatops.sim.keys import Caller, Tier, authenticate, presented_key
from oec_chatops.sim.ratelimit import WINDOW_SECONDS, Decision, seconds_to_next_minute
from oec_chatops.sim.state import SimState
from oec_chatops.sim.validation import parse_id
from oec_chatops.simkit.gateway import log_request
from oec_chatops.simkit.records import iso


class Access(Enum):
    READ = "read"
    WRITE = "write"
    WEBHOOK_CHANGE = "webhook_change"  # a write that also counts against the webhook limit


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request, as a handler sees it."""

    request: Request
    caller: Caller
    raw_body: bytes

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def path_id(self, name: str) -> str:
        """The path parameter `name` as a canonical UUID, or the 422 oec.sh answers."""
        return parse_id(self.path(name), name)

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query_params


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any = None


Handler = Callable[[Call], Awaitable[Reply]]
Endpoint = Callable[[Request], Awaitable[Response]]


def encode(body: Any) -> bytes:
    return b"" if body is None else json.dumps(body, separators=(",", ":")).encode()


def _limit_headers(decision: Decision) -> dict[str, str]:
    return {**decision.headers(), "X-RateLimit-Window": str(WINDOW_SECONDS)}


def _too_many(decision: Decision) -> ApiError:
    return ApiError(
        429,
        "rate_limit_exceeded",
        f"Rate limit exceeded. You have made {decision.limit} requests in the last "
        f"{WINDOW_SECONDS} seconds. Please wait before retrying.",
        shape=Shape.TOP_LEVEL,
        headers={"Retry-After": str(decision.retry_after), **_limit_headers(decision)},
        retry_after=decision.retry_after,
    )


def over_own_limit(decision: Decision, code: str, what: str) -> ApiError:
    """A 429 for one of the simulator's own per-minute limits (webhook changes, one target).

    Unlike oec.sh's general limit (`_too_many`) these answer only `Retry-After`, no
    `X-RateLimit-*` headers; one builder keeps the two such limits saying it the same way.
    """
    return ApiError(
        429,
        code,
        f"{what}: at most {decision.limit} a minute.",
        headers={"Retry-After": str(decision.retry_after)},
        retry_after=decision.retry_after,
    )


class Gateway:
    def __init__(self, state: SimState) -> None:
        self._state = state

    def endpoint(
        self, handler: Handler, access: Access, *, idempotency: str | None = None
    ) -> Endpoint:
        """A Starlette endpoint running `handler` behind the gateway.

        `idempotency` names the header this route honours (`Idempotency-Key` on actions,
        `X-Idempotency-Key` on creates, §9.4); the other name is ignored, as the API ignores it.
        """

        async def serve(request: Request) -> Response:
            return await self._serve(request, handler, access, idempotency)

        return serve

    async def _serve(
        self, request: Request, handler: Handler, access: Access, idempotency: str | None
    ) -> Response:
        state = self._state
        entry, raw = await log_request(
            state.requests,
            request,
            at=iso(state.now()),
            auth_header=presented_key(request.headers)[0],
            x_idempotency=True,
        )
        state.tick()
        headers: dict[str, str] = {}
        try:
            caller = authenticate(request.headers, state.keyring)
            entry.tier = caller.tier.value
            entry.key_fingerprint = caller.fingerprint
            decision = self._admit(request, caller, access)
            headers.update(_limit_headers(decision))
            self._maybe_fail(access)
            status, content, replayed = await self._answer(
                Call(request, caller, raw), handler, idempotency
            )
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            elif (
                access is not Access.READ and 200 <= status < 300 and state.faults.lose_next_answers
            ):
                # The action ran (and its answer is cached under its idempotency key), but the
                # caller hears only a gateway timeout: the case exactly-once has to survive.
                state.faults.lose_next_answers -= 1
                raise ApiError(504, "gateway_timeout", "The upstream did not answer in time.")
        except ApiError as exc:
            status, content = exc.status, encode(exc.body())
            headers.update(exc.headers)
        if status == 429 and state.faults.bare_429:
            headers = {}
        if state.faults.latency_ms:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        entry.status = status
        return Response(
            content, status, headers, media_type="application/json" if content else None
        )

    def _admit(self, request: Request, caller: Caller, access: Access) -> Decision:
        """Permission and rate limits; the key's read or write bucket decision when admitted."""
        state, settings, now = self._state, self._state.settings, self._state.now()
        if request.method != "GET" and caller.tier is Tier.READ_ONLY:
            raise ApiError(
                403,
                "read_only_key",
                "This API key is read-only; use a full-access key (oec_live_rw_...) to change things.",
            )
        kind = "read" if access is Access.READ else "write"
        limit = settings.read_limit if kind == "read" else settings.write_limit
        if state.faults.force_429 > 0:
            state.faults.force_429 -= 1
            raise _too_many(Decision(False, limit, 0, seconds_to_next_minute(now)))
        decision = state.limits.take(caller.fingerprint, kind, limit=limit, now=now)
        if not decision.allowed:
            raise _too_many(decision)
        if access is Access.WEBHOOK_CHANGE:
            hooks = state.webhook_limits.take(
                caller.fingerprint, limit=settings.webhook_mutation_limit, now=now
            )
            if not hooks.allowed:
                raise over_own_limit(
                    hooks, "webhook_mutation_rate_limit", "Too many webhook changes"
                )
        return decision

    def _maybe_fail(self, access: Access) -> None:
        faults = self._state.faults
        if faults.error_next > 0:
            faults.error_next -= 1
        elif not (faults.error_rate and self._state.random.random() < faults.error_rate):
            return
        if access is Access.READ:
            raise ApiError(500, "internal_error", "Internal server error.", shape=Shape.TOP_LEVEL)
        raise ApiError(
            503,
            "enqueue_failed",
            "The request could not be queued; try again shortly.",
            headers={"Retry-After": "1"},
        )

    async def _answer(
        self, call: Call, handler: Handler, idempotency: str | None
    ) -> tuple[int, bytes, bool]:
        """The handler's answer, or the one remembered under the request's idempotency key
        (then the last item is True)."""
        state = self._state
        key = call.request.headers.get(idempotency) if idempotency else None
        if not key:
            reply = await handler(call)
            return reply.status, encode(reply.body), False
        scope = (call.caller.fingerprint, key, call.request.method, call.request.url.path)
        cached = state.idempotency.get(scope, now=state.now())
        if cached is not None:
            return cached.status, cached.content, True
        reply = await handler(call)
        content = encode(reply.body)
        if 200 <= reply.status < 300:
            state.idempotency.put(scope, status=reply.status, content=content, now=state.now())
        return reply.status, content, False
