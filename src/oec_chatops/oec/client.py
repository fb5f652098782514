"""The oec.sh Public API client: typed resource methods over one `ApiSession`.

`OecClient` is the constructor, lifecycle and key introspection; its routes come from one mixin
per resource family, each in its own module: `oec.environments_api` (projects, servers,
environments, logs, task history), `oec.tasks_api` (a task, waiting for one), `oec.actions_api`
(deploy, restart, start, stop, quick update), `oec.webhooks_api` and `oec.org_api` (org, key
probe), over the shared plumbing of `oec.resource` (keys, routes, decoding, paging).

What is safe to retry (CONTRACT.md §9.4): GETs, and POSTs that carry an idempotency key. The
caller passes one key per user intent (a Slack interaction, an approval id) and the client sends
the same key on every retry, so a retried deploy is the same deploy. Actions and quick-update
use the `Idempotency-Key` header, creates `X-Idempotency-Key`, never both.

Odoo operations (quick updates, backups and restore, runtime logs, metrics) are on `client.ops`
(`oec.operations.Operations`, over the same session). The request loop, rate limiter, error
mapping and logging live in `oec.session`; the pure parts
in `oec.keys`, `oec.pagination`, `oec.errorbody`, `oec.backoff` and `oec.polling`.
"""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.httpapi.lifecycle import AsyncClosing, new_http_client
from oec_chatops.oec.actions_api import ActionsApi
from oec_chatops.oec.arguments import check_base_url
from oec_chatops.oec.environments_api import EnvironmentsApi
from oec_chatops.oec.errors import OecConfigError
from oec_chatops.oec.keys import KeyReport, KeySlot, KeyTier
from oec_chatops.oec.operations import Operations
from oec_chatops.oec.org_api import OrgApi
from oec_chatops.oec.polling import poll_interval
from oec_chatops.oec.ratelimit import RateLimiter
from oec_chatops.oec.resource import configured_key
from oec_chatops.oec.session import ApiSession, AttemptHook, RetryHook
from oec_chatops.oec.tasks_api import TasksApi
from oec_chatops.oec.webhooks_api import WebhooksApi

__all__ = ["DEFAULT_BASE_URL", "KeyReport", "OecClient", "poll_interval"]

DEFAULT_BASE_URL = "https://api.oec.sh/api/public/v1"


class OecClient(AsyncClosing, EnvironmentsApi, TasksApi, ActionsApi, WebhooksApi, OrgApi):
    """Async client for the oec.sh Public API (v1). Use `async with`, or call `aclose()`."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        rw_key: SecretStr | None,
        ro_key: SecretStr | None = None,
        clock: Clock | None = None,
        timeout: float = 15.0,
        max_attempts: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: RetryHook | None = None,
        max_retry_wait: float = 120.0,
        on_attempt: AttemptHook | None = None,
    ) -> None:
        """Check the keys and the base URL locally; nothing is sent until the first call.

        `on_attempt(endpoint, status, seconds)` is told after every HTTP attempt (metrics).
        `on_retry(reason, wait_seconds)` is awaited before every wait between attempts (see
        `oec.session.RetryHook`). A wait longer than `max_retry_wait` (an `ip_blocked` 900 s,
        say) is not slept: the `OecRateLimited` goes to the caller with its `retry_after`.
        """
        self._rw = configured_key(rw_key, KeySlot.RW)
        self._ro = configured_key(ro_key, KeySlot.RO)
        if self._rw is None and self._ro is None:
            raise OecConfigError("No oec.sh API key is configured (neither RW nor RO).")
        self.base_url, self._root = check_base_url(base_url)
        self._clock: Clock = clock or SystemClock()
        self._limiter = RateLimiter(self._clock)
        self._http = new_http_client(timeout=timeout, transport=transport)
        self._session = ApiSession(
            http=self._http,
            clock=self._clock,
            limiter=self._limiter,
            timeout=timeout,
            max_attempts=max_attempts,
            max_retry_wait=max_retry_wait,
            on_retry=on_retry,
            on_attempt=on_attempt,
        )
        # Quick updates, backups, runtime logs, metrics: same session, keys and budgets.
        self.ops = Operations(
            self._session,
            base_url=self.base_url,
            clock=self._clock,
            read_key=self._read_key,
            write_key=self._write_key,
            read_limit=self.read_limit,
            wait_for_task=self.wait_for_task,
        )

    # -- lifecycle and introspection ----------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        tiers = {slot.value: tier.value for slot, tier in self.tiers.items()}
        return f"OecClient(base_url={self.base_url!r}, keys={tiers!r})"

    @property
    def tiers(self) -> dict[KeySlot, KeyTier]:
        """The configured keys' tiers by slot, for `check`: read-only vs full access."""
        return {key.slot: key.tier for key in (self._rw, self._ro) if key is not None}

    @property
    def can_write(self) -> bool:
        """True when a full-access key is configured, so actions can be sent at all."""
        return self._rw is not None
