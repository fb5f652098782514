"""One request to deployERP, done properly: key, budget, retries, error mapping, logging.

The deployERP twin of `oec.session`, kept apart because its limits (an hourly budget with a
per-minute burst) and its error bodies differ, while the waits themselves come from
`oec.backoff` unchanged. What is retried: GETs, and POSTs that carry an `Idempotency-Key` (the
caller's one key per intent is sent again on every attempt, so a POST whose answer was lost is
re-sent and deployERP runs it once). A 429 waits `Retry-After`; a 5xx, a timeout or a lost
connection waits a capped, jittered backoff. Every wait is on the injected clock.

The key is a `DerpKey`: its value is unwrapped only into the `Authorization` header and
redacted from every text taken from an answer.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
from pydantic import SecretStr

from oec_chatops.clock import Clock
from oec_chatops.context import current_request_id
from oec_chatops.deployerp.budget import Budget, LimitHeaders
from oec_chatops.deployerp.errors import build_error, parse_error_body
from oec_chatops.deployerp.settings import DerpSettings
from oec_chatops.httpapi.attempts import (
    RetryPacer,
    log_attempt,
    redirect_refused,
    request_headers,
    transport_errors,
)
from oec_chatops.httpapi.backoff import parse_retry_after
from oec_chatops.httpapi.secret import BearerSecret
from oec_chatops.oec.errors import OecConfigError, OecRequestError

log = logging.getLogger("oec_chatops.deployerp.client")


@dataclass(frozen=True, slots=True)
class DerpKey(BearerSecret):
    """A deployERP API key. Its format is not documented, so only emptiness is refused."""

    @classmethod
    def of(cls, value: SecretStr | str) -> DerpKey:
        secret = value if isinstance(value, SecretStr) else SecretStr(value)
        text = secret.get_secret_value().strip()
        if not text or any(c.isspace() for c in text):
            raise OecConfigError(
                "The deployERP API key is missing or malformed (empty, or with spaces)."
            )
        return cls(SecretStr(text))


@dataclass(frozen=True, slots=True)
class Request:
    """One logical request; the same value is re-sent on every retry."""

    method: str
    url: str
    endpoint: str  # method and path template, never ids: "GET /instances/{instance_id}"
    params: Mapping[str, str | int] | None = None
    json: Any = None
    idempotency_key: str | None = None

    @property
    def retry_safe(self) -> bool:
        return self.method == "GET" or self.idempotency_key is not None


@dataclass(kw_only=True, repr=False, eq=False)
class DerpSession:
    """Sends `Request`s through one `httpx.AsyncClient` within the budget, retrying what is safe."""

    http: httpx.AsyncClient
    key: DerpKey
    clock: Clock
    settings: DerpSettings
    rand: Callable[[], float] = random.random
    budget: Budget = field(init=False)
    pacer: RetryPacer = field(init=False)
    last_limits: LimitHeaders = field(init=False, default_factory=LimitHeaders)

    def __post_init__(self) -> None:
        self.budget = Budget(self.clock, self.settings)
        self.pacer = RetryPacer(log, "deployerp.retry", self.clock, self.rand)

    async def send(self, req: Request) -> httpx.Response:
        """A 2xx answer, or the `OecError` the failure maps to once retries are used up."""
        request_id = current_request_id()
        headers = request_headers(self.key.authorization(), request_id)
        if req.idempotency_key is not None:
            headers["Idempotency-Key"] = req.idempotency_key
        note = partial(
            log_attempt,
            log,
            "deployerp.request",
            method=req.method,
            endpoint=req.endpoint,
            request_id=request_id,
        )
        attempts = self.settings.max_attempts
        attempt = 0
        while True:
            attempt += 1
            await self.budget.acquire()
            started = time.perf_counter()
            try:
                with transport_errors(
                    platform="deployERP",
                    endpoint=req.endpoint,
                    request_id=request_id,
                    timeout=self.settings.timeout,
                    redact=self.key.redact,
                ):
                    response = await self.http.request(
                        req.method, req.url, params=req.params, json=req.json, headers=headers
                    )
            except OecRequestError as exc:
                note(attempt=attempt, started=started, status=None, error=type(exc).__name__)
                if req.retry_safe and attempt < attempts:
                    await self.pacer.pause(
                        req.endpoint, attempt, "no_answer", self.pacer.backoff(attempt)
                    )
                    continue
                raise
            now = self.clock.time()
            self.last_limits = LimitHeaders.read(response.headers, now=now)
            self.budget.observe(self.last_limits, now=now)
            status = response.status_code
            note(attempt=attempt, started=started, status=status)
            if 200 <= status < 300:
                return response
            if 300 <= status < 400:
                raise redirect_refused(
                    platform="deployERP",
                    endpoint=req.endpoint,
                    status=status,
                    request_id=request_id,
                    credential="key",
                    where="the platform's URL",
                )
            body = parse_error_body(status, response.content, redact=self.key.redact)
            wait: float | None = None
            if status == 429:
                hinted = parse_retry_after(response.headers.get("retry-after"), now=now)
                reset = self.last_limits.reset_in
                wait = hinted if hinted is not None else (reset if reset is not None else 60.0)
                self.budget.pause(wait)
            elif status >= 500:
                hinted = parse_retry_after(response.headers.get("retry-after"), now=now)
                wait = hinted if hinted is not None else self.pacer.backoff(attempt)
            error = build_error(
                status,
                body,
                method=req.method,
                endpoint=req.endpoint,
                request_id=request_id,
                retry_after=wait,
            )
            if (
                wait is not None
                and req.retry_safe
                and attempt < attempts
                and wait <= self.settings.max_retry_wait
            ):
                reason = "rate_limited" if status == 429 else "server"
                await self.pacer.pause(req.endpoint, attempt, reason, wait)
                continue
            raise error
