"""One request to oec.sh, done properly: key, rate budget, retries, error mapping, logging.

`ApiSession.send()` is the only place that touches httpx. It translates httpx exceptions
(`httpapi.attempts.transport_errors`, as httpx's own `_transports/default.py` does) and error
answers into the `OecError` tree, so the resource methods of `OecClient` read like the API
reference.

Why a hand-written retry loop and not `stamina` (the same holds for `deployerp.session` and
`ocore.http`): stamina (26.1) sleeps with `asyncio.sleep` (`stamina._core._smart_sleep`) and
offers no way to inject a clock, and its `timeout` budget runs on the real monotonic clock.
Its backoff hooks (an `on` that returns a wait, since 25.1) could carry the wait a 429 dictates
(`Retry-After`, the next full minute, 900 s for `ip_blocked`), but not the rest of an attempt:
the limiter's tickets, the refusal of a wait longer than `max_retry_wait`, the `on_retry`
hook in the caller's context. Every wait here goes through `Clock.sleep`, so tests assert the
exact waits with `ManualClock.slept` and run instantly; `stamina.set_testing` would only turn
the sleeps off, process-wide, and take those assertions with it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from oec_chatops.clock import Clock
from oec_chatops.context import current_request_id
from oec_chatops.httpapi.attempts import request_headers, transport_errors
from oec_chatops.httpapi.backoff import backoff_delay, parse_retry_after
from oec_chatops.oec.backoff import CONCURRENT_ACTION_WAIT
from oec_chatops.oec.backoff import rate_limit_wait as compute_rate_limit_wait
from oec_chatops.oec.errorbody import ErrorBody, build_error, parse_error_body
from oec_chatops.oec.errors import (
    OecContractError,
    OecRequestError,
    OecTimeout,
)
from oec_chatops.oec.keys import ApiKey, redact_keys
from oec_chatops.oec.ratelimit import Budget, RateLimiter, RateLimitHeaders, Ticket

log = logging.getLogger("oec_chatops.oec.client")

AttemptHook = Callable[[str, int | None, float], None]
"""`on_attempt(endpoint, status, seconds)`: told after every HTTP attempt (status None: no
answer). The endpoint is the template, e.g. `GET /environments/{env_id}`, never an id: what
the bot's API-call metrics are labelled with."""

RetryHook = Callable[[str, float], Awaitable[None]]
"""`on_retry(reason, wait_seconds)`: told before every wait between attempts.

Reasons: `rate_limited`, `timeout`, `connection_error`, `server_error`, `concurrent_action`.
The hook runs in the caller's context, so `current_request_id()` says whose command it is.
"""


@dataclass(frozen=True, slots=True)
class Call:
    """Everything about one logical request; the same `Call` is re-sent on every retry.

    `retry_safe` is true only for GETs and for POSTs carrying an idempotency key: re-sending
    anything else could run an action twice.
    """

    method: str
    url: str
    endpoint: str
    key: ApiKey
    budgets: tuple[Budget, ...]
    retry_safe: bool
    params: Mapping[str, str | int] | None = None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    max_attempts: int | None = None
    retry_concurrent_action: bool = False


class ApiSession:
    """Sends `Call`s through one `httpx.AsyncClient`, within the limiter, retrying what is safe."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        clock: Clock,
        limiter: RateLimiter,
        timeout: float,
        max_attempts: int,
        max_retry_wait: float,
        on_retry: RetryHook | None = None,
        on_attempt: AttemptHook | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self._clock = clock
        self._limiter = limiter
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._max_retry_wait = max_retry_wait
        self._on_retry = on_retry
        self._on_attempt = on_attempt
        self._rand = rand
        self._last_rate_limit: dict[str, RateLimitHeaders] = {}

    def last_rate_limit(self, key_slot: str) -> RateLimitHeaders:
        """The X-RateLimit-* headers of the last answer received with this key."""
        return self._last_rate_limit.get(key_slot, RateLimitHeaders())

    async def send(self, call: Call) -> httpx.Response:
        """Send `call` until it succeeds, fails for good, or runs out of attempts.

        Returns a 2xx answer; raises an `OecError` for anything else. A 3xx is never followed:
        oec.sh does not redirect, so it means a proxy or a wrong base URL, and the key would go
        along to wherever it points.
        """
        request_id = current_request_id()
        attempts = call.max_attempts or self._max_attempts
        headers = {**request_headers(call.key.authorization(), request_id), **call.headers}
        attempt = 0
        while True:
            attempt += 1
            tickets = [await self._limiter.acquire(call.key.slot, b) for b in call.budgets]
            started = time.perf_counter()
            try:
                with transport_errors(
                    platform="oec.sh",
                    endpoint=call.endpoint,
                    request_id=request_id,
                    timeout=self._timeout,
                    redact=redact_keys,
                ):
                    response = await self._http.request(
                        call.method, call.url, params=call.params, json=call.json, headers=headers
                    )
            except OecRequestError as exc:
                self._log(call, attempt, request_id, started, status=None, error=exc)
                reason = "timeout" if isinstance(exc, OecTimeout) else "connection_error"
                if call.retry_safe and attempt < attempts:
                    await self._pause(call, attempt, request_id, reason, self._backoff(attempt))
                    continue
                raise

            self._observe(call, tickets[0], response)
            self._log(call, attempt, request_id, started, status=response.status_code)
            status = response.status_code
            if 200 <= status < 300:
                return response
            if 300 <= status < 400:
                raise _redirect_error(call, response, request_id)

            body = parse_error_body(
                status, response.content, response.headers.get("content-type", "")
            )
            now = self._clock.time()
            if status == 429:
                wait = compute_rate_limit_wait(
                    response.headers,
                    code=body.code,
                    body_retry_after=body.extra.get("retry_after"),
                    now=now,
                )
                if body.code == "rate_limit_exceeded":
                    # The key's budget is spent: hold back this key's other requests too.
                    self._limiter.pause(call.key.slot, call.budgets[0], until=now + wait)
                error = build_error(
                    status, body, endpoint=call.endpoint, request_id=request_id, retry_after=wait
                )
                if self._may_retry(call, attempt, attempts, wait):
                    await self._pause(call, attempt, request_id, "rate_limited", wait)
                    continue
                raise error
            error = build_error(status, body, endpoint=call.endpoint, request_id=request_id)
            if status >= 500:
                hinted = parse_retry_after(response.headers.get("retry-after"), now=now)
                wait = hinted if hinted is not None else self._backoff(attempt)
                if self._may_retry(call, attempt, attempts, wait):
                    await self._pause(call, attempt, request_id, "server_error", wait)
                    continue
                raise error
            if self._is_concurrent_action(call, status, body) and attempt < attempts:
                # Older API versions answer a retried action this way while the first
                # request's lock lasts; the same idempotency key then gets the same task.
                await self._pause(
                    call, attempt, request_id, "concurrent_action", CONCURRENT_ACTION_WAIT
                )
                continue
            raise error

    def _may_retry(self, call: Call, attempt: int, attempts: int, wait: float) -> bool:
        return call.retry_safe and attempt < attempts and wait <= self._max_retry_wait

    @staticmethod
    def _is_concurrent_action(call: Call, status: int, body: ErrorBody) -> bool:
        return status == 409 and body.code == "concurrent_action" and call.retry_concurrent_action

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, rand=self._rand())

    def _observe(self, call: Call, ticket: Ticket, response: httpx.Response) -> None:
        seen = RateLimitHeaders.from_headers(response.headers)
        self._last_rate_limit[call.key.slot] = seen
        refused = response.status_code == 429
        self._limiter.observe(call.key.slot, call.budgets[0], ticket, seen, refused=refused)

    async def _pause(
        self, call: Call, attempt: int, request_id: str, reason: str, wait: float
    ) -> None:
        log.warning(
            "oec.retry",
            extra={
                "method": call.method,
                "endpoint": call.endpoint,
                "attempt": attempt,
                "reason": reason,
                "wait_s": round(wait, 3),
                "request_id": request_id,
            },
        )
        if self._on_retry is not None:
            try:
                await self._on_retry(reason, wait)
            except Exception:
                # Telling a Slack user about the wait must never break the request itself.
                log.warning("oec.retry_hook_failed", extra={"request_id": request_id})
        await self._clock.sleep(wait)

    def _log(
        self,
        call: Call,
        attempt: int,
        request_id: str,
        started: float,
        *,
        status: int | None,
        error: Exception | None = None,
    ) -> None:
        seconds = time.perf_counter() - started
        if self._on_attempt is not None:
            self._on_attempt(call.endpoint, status, seconds)
        fields: dict[str, Any] = {
            "method": call.method,
            "endpoint": call.endpoint,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "attempt": attempt,
            "request_id": request_id,
            "key_slot": call.key.slot.value,
        }
        if error is not None:
            fields["error"] = type(error).__name__
            log.warning("oec.request_failed", extra=fields)
        elif status is not None and status >= 400:
            log.warning("oec.request", extra=fields)
        else:
            log.info("oec.request", extra=fields)


def _redirect_error(call: Call, response: httpx.Response, request_id: str) -> OecContractError:
    location = response.headers.get("location", "")
    target = ""
    if location:
        try:
            host = httpx.URL(location).host
        except httpx.InvalidURL:
            host = ""
        target = f" to {host}" if host else ""
    return OecContractError(
        f"oec.sh answered {call.endpoint} with an unexpected redirect (HTTP "
        f"{response.status_code}{target}); it was not followed, so the key stayed here. "
        "Check OEC_API_URL.",
        endpoint=call.endpoint,
        request_id=request_id,
    )
