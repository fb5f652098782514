"""One request to oCore, done properly: the token, timeouts, retries, error mapping, logging.

What is retried, and why:

- GET: timeouts, connection failures and 5xx, with capped jittered backoff
  (`httpapi.backoff.backoff_delay`), or the wait a 5xx's `Retry-After` names; and 429 after
  its `Retry-After` (`oec.backoff.parse_retry_after`), when that wait is within
  `max_retry_wait`. Reading twice changes nothing.
- POST (`/control`): only when oCore surely did nothing: a 429, or a connection that was never
  established. oCore has no idempotency key, so a control call whose answer is lost (timeout
  after sending, broken connection, any 5xx) might have been carried out; re-sending it could
  restart a production instance twice. It raises `OcoreOutcomeUnknown`, which says the action
  may have been sent and is not sent again (fail closed).

Redirects are never followed (the token would travel with them). Every wait goes through the
injected `Clock`, so tests see the exact waits and run instantly. Logs carry the method, the
path template, the status and the attempt, never the token or an id.
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

from oec_chatops.clock import Clock
from oec_chatops.context import current_request_id
from oec_chatops.httpapi.attempts import (
    RetryPacer,
    log_attempt,
    redirect_refused,
    request_headers,
    transport_error,
)
from oec_chatops.httpapi.backoff import parse_retry_after
from oec_chatops.ocore.errors import (
    OcoreErrorBody,
    OcoreOutcomeUnknown,
    build_error,
    parse_error_body,
)
from oec_chatops.ocore.settings import OcoreSettings
from oec_chatops.ocore.token import OcoreToken
from oec_chatops.oec.errors import OecContractError, OecError

log = logging.getLogger("oec_chatops.ocore")

# No request reached the server: re-sending cannot do anything twice.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(kw_only=True, repr=False, eq=False)
class OcoreHttp:
    """Sends requests to one oCore base URL with one token."""

    base_url: str
    token: OcoreToken
    settings: OcoreSettings
    clock: Clock
    http: httpx.AsyncClient
    rand: Callable[[], float] = random.random

    pacer: RetryPacer = field(init=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.pacer = RetryPacer(log, "ocore.retry", self.clock, self.rand)

    def __repr__(self) -> str:
        return f"OcoreHttp(base_url={self.base_url!r})"

    async def get(self, endpoint: str, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET `path` and return its JSON; `endpoint` is the template named in logs and errors."""
        return await self._send("GET", endpoint, path, params=params)

    async def post(self, endpoint: str, path: str, body: Any) -> Any:
        """POST `body`: re-sent only when oCore surely did nothing (see the module docstring)."""
        return await self._send("POST", endpoint, path, json=body)

    async def _send(
        self,
        method: str,
        endpoint: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> Any:
        request_id = current_request_id()
        headers = request_headers(self.token.authorization(), request_id)
        note = partial(
            log_attempt,
            log,
            "ocore.request",
            method=method,
            endpoint=endpoint,
            request_id=request_id,
        )
        safe = method == "GET"
        attempts = self.settings.max_attempts
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = await self.http.request(
                    method,
                    self.base_url + path,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.settings.timeout,
                )
            except httpx.RequestError as exc:
                note(attempt=attempt, started=started, status=None)
                retry = (safe or isinstance(exc, _NOT_SENT)) and attempt < attempts
                if retry:
                    await self.pacer.pause(
                        endpoint, attempt, "no_answer", self.pacer.backoff(attempt)
                    )
                    continue
                raise self._no_answer(exc, method, endpoint, request_id) from exc
            status = response.status_code
            note(attempt=attempt, started=started, status=status)
            if 200 <= status < 300:
                return self._json(response, endpoint, request_id)
            if 300 <= status < 400:
                raise redirect_refused(
                    platform="oCore",
                    endpoint=endpoint,
                    status=status,
                    request_id=request_id,
                    credential="token",
                    where="the oCore URL",
                )
            body = self._error_body(response)
            now = self.clock.time()
            hinted = parse_retry_after(response.headers.get("retry-after"), now=now)
            if status == 429:
                wait = hinted if hinted is not None else self.pacer.backoff(attempt)
                error = build_error(
                    status, body, endpoint=endpoint, request_id=request_id, retry_after=wait
                )
                # A 429 was refused before anything ran: safe to re-send, even a POST.
                if attempt < attempts and wait <= self.settings.max_retry_wait:
                    await self.pacer.pause(endpoint, attempt, "rate_limited", wait)
                    continue
                raise error
            if status >= 500:
                if not safe:
                    raise OcoreOutcomeUnknown(
                        f"oCore answered HTTP {status} to {endpoint}: the action may have been "
                        "sent and carried out, or not. It was not sent again (oCore has no "
                        "idempotency key); check the instance's status before retrying.",
                        status=status,
                        endpoint=endpoint,
                        request_id=request_id,
                    )
                wait = hinted if hinted is not None else self.pacer.backoff(attempt)
                if attempt < attempts and wait <= self.settings.max_retry_wait:
                    await self.pacer.pause(endpoint, attempt, "server_error", wait)
                    continue
            raise build_error(status, body, endpoint=endpoint, request_id=request_id)

    def _no_answer(
        self, exc: httpx.RequestError, method: str, endpoint: str, request_id: str
    ) -> OecError:
        if method != "GET" and not isinstance(exc, _NOT_SENT):
            return OcoreOutcomeUnknown(
                f"oCore's answer to {endpoint} was lost ({type(exc).__name__}): the action may "
                "have been sent and carried out, or not. It was not sent again (oCore has no "
                "idempotency key); check the instance's status before retrying.",
                status=None,
                endpoint=endpoint,
                request_id=request_id,
            )
        return transport_error(
            exc,
            platform="oCore",
            endpoint=endpoint,
            request_id=request_id,
            timeout=self.settings.timeout,
            redact=self.token.redact,
        )

    def _error_body(self, response: httpx.Response) -> OcoreErrorBody:
        body = parse_error_body(
            response.status_code, response.content, response.headers.get("content-type", "")
        )
        message = self.token.redact(body.message) if body.message else None
        return OcoreErrorBody(self.token.redact(body.code), message)

    @staticmethod
    def _json(response: httpx.Response, endpoint: str, request_id: str) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise OecContractError(
                f"oCore answered {endpoint} with a body that is not JSON.",
                endpoint=endpoint,
                request_id=request_id,
            ) from exc
