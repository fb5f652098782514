"""The oec.sh Public API client: typed resource methods over one `ApiSession`.

Which key: queries go with the read-only key when one is configured (it has the larger read
budget on older API versions), else with the full-access key; actions, creates and deletes always
go with the full-access key, and without one they are refused before any request.

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

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, SecretStr

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.context import current_request_id, request_id_var
from oec_chatops.oec.answers import parse_answer as _parse
from oec_chatops.oec.answers import send_json
from oec_chatops.oec.arguments import (
    action_name,
    check_base_url,
    check_idempotency_key,
    check_modules,
    invalid,
    path_segment,
    quick_update_body,
)
from oec_chatops.oec.errors import (
    OecConfigError,
    OecContractError,
    OecError,
    OecRateLimited,
    OecRequestError,
    OecResponseError,
    OecServerError,
    OecWaitTimeout,
)
from oec_chatops.oec.keys import ApiKey, KeyReport, KeySlot, KeyTier, parse_key
from oec_chatops.oec.models import (
    ActionAccepted,
    Environment,
    EnvironmentStatus,
    Project,
    Server,
    Task,
    TaskLog,
    Webhook,
    WebhookCreated,
    WebhookTestResult,
)
from oec_chatops.oec.operations import Operations
from oec_chatops.oec.pagination import Params, read_page
from oec_chatops.oec.polling import poll_interval
from oec_chatops.oec.ratelimit import Budget, RateLimiter
from oec_chatops.oec.session import ApiSession, AttemptHook, Call, RetryHook

__all__ = ["DEFAULT_BASE_URL", "KeyReport", "OecClient", "poll_interval"]

log = logging.getLogger("oec_chatops.oec.client")

DEFAULT_BASE_URL = "https://api.oec.sh/api/public/v1"

M = TypeVar("M", bound=BaseModel)
TaskCallback = Callable[[Task], Awaitable[None]]

_MAX_PAGES = 1000  # 100k items at 100 a page: past this the server is looping
_LIST_CONCURRENCY = 4
_RETRY_WHILE_WAITING: tuple[type[OecError], ...] = (
    OecRequestError,
    OecServerError,
    OecRateLimited,
)


class OecClient:
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
        self._rw = _configured(rw_key, KeySlot.RW)
        self._ro = _configured(ro_key, KeySlot.RO)
        if self._rw is None and self._ro is None:
            raise OecConfigError("No oec.sh API key is configured (neither RW nor RO).")
        self.base_url, self._root = check_base_url(base_url)
        self._clock: Clock = clock or SystemClock()
        self._limiter = RateLimiter(self._clock)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
        )
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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

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

    def read_limit(self) -> int:
        """Reads per window the query key is believed to have (from X-RateLimit-Limit once seen)."""
        return self._limiter.limit(self._read_key().slot, Budget.READ)

    # -- projects, servers, environments ------------------------------------------------------

    async def list_projects(self) -> list[Project]:
        return await self._list(Project, self._route("GET", "/projects"), {"limit": 100})

    async def get_project(self, project_id: str) -> Project:
        route = self._route("GET", "/projects/{project_id}", project_id=project_id)
        return await self._get(Project, route)

    async def list_servers(self) -> list[Server]:
        return await self._list(Server, self._route("GET", "/servers"), {"limit": 100})

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]:
        """A project's environments, oldest first; `status` filters (case-insensitive)."""
        params: dict[str, str | int] = {}
        if status:
            params["status"] = status.strip().lower()
        route = self._route("GET", "/projects/{project_id}/environments", project_id=project_id)
        return await self._list(Environment, route, params)

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]:
        """Every visible environment with its project, in project order.

        The API has no org-wide environment list, so this is one request per project, a few
        at a time; the rate limiter paces them when the org has many projects.
        """
        projects = await self.list_projects()
        gate = asyncio.Semaphore(_LIST_CONCURRENCY)

        async def one(project: Project) -> list[tuple[Project, Environment]]:
            async with gate:
                envs = await self.list_environments(project.id, status=status)
            return [(project, env) for env in envs]

        # return_exceptions: let every request finish (none is left running unobserved),
        # then raise the first failure as the OecError it is, not as an ExceptionGroup.
        groups = await asyncio.gather(*(one(p) for p in projects), return_exceptions=True)
        for group in groups:
            if isinstance(group, BaseException):
                raise group
        return [pair for group in groups if not isinstance(group, BaseException) for pair in group]

    async def get_environment(self, env_id: str) -> Environment:
        route = self._route("GET", "/environments/{env_id}", env_id=env_id)
        return await self._get(Environment, route)

    async def get_environment_status(self, env_id: str) -> EnvironmentStatus:
        route = self._route("GET", "/environments/{env_id}/status", env_id=env_id)
        return await self._get(EnvironmentStatus, route)

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog:
        """A task's step log (the latest task's by default); oec.sh keeps the last lines."""
        route = self._route("GET", "/environments/{env_id}/logs", env_id=env_id)
        if not 1 <= lines <= 5000:
            raise invalid("lines must be between 1 and 5000.", "lines", route.endpoint)
        params: dict[str, str | int] = {"lines": lines}
        if task_id:
            params["task_id"] = task_id
        return await self._get(TaskLog, route, params)

    async def list_deployments(self, env_id: str, *, limit: int = 20) -> list[Task]:
        """The environment's most recent tasks, newest first, at most `limit` of them."""
        route = self._route("GET", "/environments/{env_id}/deployments", env_id=env_id)
        if limit < 1:
            raise invalid("limit must be at least 1.", "limit", route.endpoint)
        tasks = await self._list(Task, route, {"limit": min(limit, 100)}, stop_at=limit)
        return tasks[:limit]

    # -- tasks --------------------------------------------------------------------------------

    async def get_task(self, task_id_or_poll_url: str) -> Task:
        """A task by id, or by the `poll_url` of a 202 answer.

        A relative `poll_url` already holds `/api/public/v1`, so it is joined to the host, not
        to the base URL. An absolute one is used as is, but only on the base URL's own origin:
        anywhere else the key would go along.
        """
        ref = task_id_or_poll_url.strip()
        route = _Route(url="", endpoint="GET /deployments/{task_id}")
        if ref.startswith(("http://", "https://")):
            route = _Route(self._same_origin(ref, route.endpoint), route.endpoint)
        elif ref.startswith("/"):
            route = _Route(self._root + ref, route.endpoint)
        else:
            route = self._route("GET", "/deployments/{task_id}", task_id=ref)
        return await self._get(Task, route)

    async def wait_for_task(
        self,
        task_id: str,
        *,
        on_update: TaskCallback | None = None,
        timeout: float = 1800.0,
    ) -> Task:
        """Poll a task until it is completed, failed or cancelled, at the pace of §9.7.

        `on_update` is awaited with the first answer and every answer that changed (status,
        progress, step). Transient failures of one poll (timeouts, 5xx, 429 left over after
        the client's own retries) are logged and the next poll goes ahead: a half-hour deploy
        should not be lost to a blip. Raises `OecWaitTimeout` after `timeout` seconds; the task
        itself goes on.
        """
        started = self._clock.monotonic()
        seen: tuple[Any, ...] | None = None
        last: Task | None = None
        while True:
            hold = 0.0
            try:
                task = await self.get_task(task_id)
            except _RETRY_WHILE_WAITING as exc:
                log.warning(
                    "oec.task_poll_failed",
                    extra={"task_id": task_id, "error": type(exc).__name__},
                )
                if isinstance(exc, OecRateLimited):
                    hold = exc.retry_after  # polling on would only prolong an ip_blocked
            else:
                last = task
                snapshot = (
                    task.status,
                    task.progress_percent,
                    task.current_step,
                    task.steps_completed,
                )
                if on_update is not None and snapshot != seen:
                    await on_update(task)
                seen = snapshot
                if task.terminal:
                    return task
            elapsed = self._clock.monotonic() - started
            if elapsed >= timeout:
                raise OecWaitTimeout(
                    f"Task {task_id} was still {last.status if last else 'unknown'} "
                    f"after {timeout:g} s of waiting.",
                    task_id=task_id,
                    last_status=last.status if last else None,
                    endpoint="GET /deployments/{task_id}",
                    request_id=current_request_id(),
                )
            wait = max(poll_interval(elapsed, self.read_limit()), hold)
            await self._clock.sleep(min(wait, timeout - elapsed))

    # -- actions ------------------------------------------------------------------------------

    async def deploy(
        self, env_id: str, *, idempotency_key: str, modules: Sequence[str] | None = None
    ) -> ActionAccepted:
        """Pull, rebuild and restart; with `modules`, also update those Odoo modules."""
        body = None
        if modules is not None:
            endpoint = "POST /environments/{env_id}/deploy"
            body = {"update_modules": check_modules(modules, endpoint)}
        return await self._action("deploy", env_id, idempotency_key, body)

    async def restart(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._action("restart", env_id, idempotency_key, None)

    async def start(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._action("start", env_id, idempotency_key, None)

    async def stop(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._action("stop", env_id, idempotency_key, None)

    async def quick_update(
        self,
        env_id: str,
        *,
        idempotency_key: str,
        mode: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """Pull and restart without a rebuild (§9.6); `*_specific` modes need `modules`.

        `reinitialize_specific` reinstalls the modules and can reset their data.
        """
        endpoint = "POST /environments/{env_id}/quick-update"
        body = quick_update_body(mode, modules, endpoint)
        return await self._action("quick-update", env_id, idempotency_key, body)

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """Dispatch a chat verb: deploy, redeploy (= deploy, §9.6), restart, start, stop."""
        name = action_name(verb)
        if name == "deploy":
            return await self.deploy(env_id, idempotency_key=idempotency_key, modules=modules)
        if modules:
            raise invalid(
                f"{name} takes no module list; only deploy updates modules.",
                "modules",
                f"POST /environments/{{env_id}}/{name}",
            )
        return await self._action(name, env_id, idempotency_key, None)

    async def _action(
        self, name: str, env_id: str, idempotency_key: str, body: Mapping[str, Any] | None
    ) -> ActionAccepted:
        route = self._route("POST", f"/environments/{{env_id}}/{name}", env_id=env_id)
        call = self._write_call(
            route,
            budgets=(Budget.WRITE,),
            json=dict(body) if body is not None else None,
            headers={"Idempotency-Key": check_idempotency_key(idempotency_key, route.endpoint)},
            retry_safe=True,
        )
        return await self._fetch(ActionAccepted, call)

    # -- webhooks -----------------------------------------------------------------------------

    async def list_webhooks(self) -> list[Webhook]:
        params = {"limit": 100, "offset": 0}
        return await self._list(Webhook, self._route("GET", "/webhooks"), params)

    async def get_webhook(self, webhook_id: str) -> Webhook:
        route = self._route("GET", "/webhooks/{webhook_id}", webhook_id=webhook_id)
        return await self._get(Webhook, route)

    async def create_webhook(
        self,
        *,
        url: str,
        events: Sequence[str],
        description: str | None = None,
        project_id: str | None = None,
        idempotency_key: str,
        format: str = "raw",
    ) -> WebhookCreated:
        """Register a webhook; the answer carries the signing secret, shown this once."""
        route = self._route("POST", "/webhooks")
        body: dict[str, Any] = {"url": url, "events": list(events), "format": format}
        body["is_active"] = True
        if description is not None:
            body["description"] = description
        if project_id is not None:
            body["project_id"] = project_id
        call = self._write_call(
            route,
            budgets=(Budget.WRITE, Budget.WEBHOOK),
            json=body,
            headers={"X-Idempotency-Key": check_idempotency_key(idempotency_key, route.endpoint)},
            retry_safe=True,
        )
        return await self._fetch(WebhookCreated, call)

    async def delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook and its delivery history. Not retried: a DELETE carries no key."""
        route = self._route("DELETE", "/webhooks/{webhook_id}", webhook_id=webhook_id)
        call = self._write_call(route, budgets=(Budget.WRITE, Budget.WEBHOOK), retry_safe=False)
        await self._session.send(call)

    async def test_webhook(self, webhook_id: str) -> WebhookTestResult:
        """Ask oec.sh to send a `ping`. Never retried: the POST has no idempotency key."""
        route = self._route("POST", "/webhooks/{webhook_id}/test", webhook_id=webhook_id)
        call = self._write_call(route, budgets=(Budget.WRITE,), retry_safe=False)
        return await self._fetch(WebhookTestResult, call)

    # -- organisation and keys ----------------------------------------------------------------

    async def get_org(self) -> dict[str, Any]:
        """`GET /org` as a plain mapping (id, name, slug, plan and limits)."""
        route = self._route("GET", "/org")
        body, request_id = await self._json(self._read_call(route))
        if not isinstance(body, dict):
            raise OecContractError(
                f"oec.sh answered {route.endpoint} with a {type(body).__name__}, not an object.",
                endpoint=route.endpoint,
                request_id=request_id,
            )
        return body

    async def probe(self) -> list[KeyReport]:
        """One GET with each configured key: does it work, and what limits does oec.sh report.

        Never raises for a refused key or an unreachable API; the report says so. No retry:
        `check` should show what a first request meets.
        """
        reports = []
        route = self._route("GET", "/projects")
        for key in (self._rw, self._ro):
            if key is None:
                continue
            call = Call(
                method="GET",
                url=route.url,
                endpoint=route.endpoint,
                key=key,
                budgets=(Budget.READ,),
                retry_safe=True,
                params={"limit": 1},
                max_attempts=1,
            )
            status: int | None = None
            code: str | None = None
            message: str | None = None
            try:
                status = (await self._session.send(call)).status_code
            except OecResponseError as exc:
                status, code, message = exc.status, exc.code, exc.message
            except OecError as exc:
                message = exc.message
            seen = self._session.last_rate_limit(key.slot)
            reports.append(
                KeyReport(
                    slot=key.slot,
                    tier=key.tier,
                    ok=status is not None and 200 <= status < 300,
                    status=status,
                    code=code,
                    message=message,
                    rate_limit=seen.limit,
                    rate_remaining=seen.remaining,
                    rate_window=seen.window,
                )
            )
        return reports

    # -- plumbing -----------------------------------------------------------------------------

    def _route(self, method: str, template: str, **ids: str) -> _Route:
        """The URL of a route and its endpoint label (method + template, never ids)."""
        endpoint = f"{method} {template}"
        segments = {name: path_segment(value, name, endpoint) for name, value in ids.items()}
        return _Route(self.base_url + template.format(**segments), endpoint)

    def _read_key(self) -> ApiKey:
        key = self._ro or self._rw
        if key is None:  # the constructor refuses a client without keys
            raise OecConfigError("No oec.sh API key is configured.")
        return key

    def _write_key(self, endpoint: str) -> ApiKey:
        if self._rw is None:
            raise OecConfigError(
                "No full-access oec.sh API key is configured: only queries are possible. "
                "Configure an oec_live_rw_ key to run actions.",
                endpoint=endpoint,
                request_id=request_id_var.get(),
            )
        return self._rw

    def _read_call(self, route: _Route, params: Mapping[str, str | int] | None = None) -> Call:
        return Call(
            method="GET",
            url=route.url,
            endpoint=route.endpoint,
            key=self._read_key(),
            budgets=(Budget.READ,),
            retry_safe=True,
            params=params,
        )

    def _write_call(
        self,
        route: _Route,
        *,
        budgets: tuple[Budget, ...],
        retry_safe: bool,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Call:
        return Call(
            method=route.endpoint.split(" ", 1)[0],
            url=route.url,
            endpoint=route.endpoint,
            key=self._write_key(route.endpoint),
            budgets=budgets,
            retry_safe=retry_safe,
            json=json,
            headers=dict(headers or {}),
            retry_concurrent_action=retry_safe,
        )

    async def _json(self, call: Call) -> tuple[Any, str]:
        """The decoded body of a 2xx answer, and the request id it was sent with."""
        return await send_json(self._session, call)

    async def _fetch(self, model: type[M], call: Call) -> M:
        body, request_id = await self._json(call)
        return _parse(model, body, call.endpoint, request_id)

    async def _get(
        self, model: type[M], route: _Route, params: Mapping[str, str | int] | None = None
    ) -> M:
        return await self._fetch(model, self._read_call(route, params))

    async def _list(
        self,
        model: type[M],
        route: _Route,
        params: Mapping[str, str | int],
        *,
        stop_at: int | None = None,
    ) -> list[M]:
        """Every item of a list endpoint, page after page, whatever the page shape.

        A server that hands back a continuation it already gave (same cursor, same offset)
        would loop forever; that is an `OecContractError` instead.
        """
        endpoint = route.endpoint
        items: list[M] = []
        seen: set[frozenset[tuple[str, str | int]]] = set()
        next_params: Params | None = None
        for _ in range(_MAX_PAGES):
            body, request_id = await self._json(
                self._read_call(route, {**params, **(next_params or {})})
            )
            try:
                page = read_page(body, endpoint=endpoint)
            except OecContractError as exc:
                exc.request_id = request_id
                raise
            items.extend(_parse(model, item, endpoint, request_id) for item in page.items)
            if page.next_params is None or (stop_at is not None and len(items) >= stop_at):
                return items
            marker = frozenset(page.next_params.items())
            if marker in seen:
                raise OecContractError(
                    f"oec.sh answered {endpoint} with a next page it had already given "
                    f"({_describe(page.next_params)}); stopped instead of looping.",
                    endpoint=endpoint,
                    request_id=request_id,
                )
            seen.add(marker)
            next_params = page.next_params
        raise OecContractError(
            f"oec.sh answered {endpoint} with more than {_MAX_PAGES} pages; stopped.",
            endpoint=endpoint,
        )

    def _same_origin(self, url: str, endpoint: str) -> str:
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise OecContractError(
                f"The poll URL for {endpoint} is not a URL.", endpoint=endpoint
            ) from exc
        base = httpx.URL(self.base_url)
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            raise OecContractError(
                f"The poll URL for {endpoint} points to another host ({target.host}); "
                "it was not requested, because the key would go along.",
                endpoint=endpoint,
            )
        return url


@dataclass(frozen=True, slots=True)
class _Route:
    url: str
    endpoint: str


def _configured(secret: SecretStr | None, slot: KeySlot) -> ApiKey | None:
    if secret is None or not secret.get_secret_value().strip():
        return None
    return parse_key(secret, slot=slot)


def _describe(params: Params) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
