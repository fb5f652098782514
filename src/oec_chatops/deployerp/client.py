"""The deployERP API client: typed resource methods over one `DerpSession`.

Lists are walked over every page with `per_page` = `DerpSettings.page_size` (100, the maximum)
until `meta.total_pages`; a server that keeps promising pages stops at `max_pages` with an
`OecContractError` instead of looping. Actions and backup creation take the caller's
idempotency key (one per intent) and send it on every retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.context import current_request_id
from oec_chatops.deployerp.models import (
    ACTIONS,
    DerpAction,
    DerpBackup,
    DerpInstance,
    DerpServer,
    ListPage,
)
from oec_chatops.deployerp.session import DerpKey, DerpSession, Request
from oec_chatops.deployerp.settings import DEFAULT_BASE_URL, DerpSettings
from oec_chatops.httpapi.answers import contract_problems
from oec_chatops.httpapi.lifecycle import AsyncClosing, new_http_client
from oec_chatops.oec.arguments import check_base_url, check_idempotency_key, invalid, path_segment
from oec_chatops.oec.errors import OecContractError

M = TypeVar("M", bound=BaseModel)


class DerpClient(AsyncClosing):
    """Async client for deployERP's v1 API. Use `async with`, or call `aclose()`."""

    def __init__(
        self,
        *,
        key: SecretStr | str,
        settings: DerpSettings | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Check the key and URL locally; nothing is sent until the first call."""
        self.settings = settings or DerpSettings()
        self._key = DerpKey.of(key)
        self.base_url, _ = check_base_url(
            self.settings.base_url, what="The deployERP API URL", example=DEFAULT_BASE_URL
        )
        self._clock: Clock = clock or SystemClock()
        self._http = new_http_client(timeout=self.settings.timeout, transport=transport)
        self._session = DerpSession(
            http=self._http, key=self._key, clock=self._clock, settings=self.settings
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"DerpClient(base_url={self.base_url!r})"

    @property
    def burst_per_minute(self) -> int:
        """Requests a minute the key may make (configured, or derived from the hourly limit)."""
        return self._session.budget.burst

    @property
    def hourly_limit(self) -> int | None:
        """The hourly budget `X-RateLimit-Limit` reported, once an answer carried it."""
        return self._session.budget.hourly_limit

    # -- servers and instances ----------------------------------------------------------------

    async def list_servers(self) -> list[DerpServer]:
        return await self._list(DerpServer, "/servers")

    async def get_server(self, server_id: str) -> DerpServer:
        return await self._one(DerpServer, "/servers/{server_id}", server_id=server_id)

    async def list_instances(self) -> list[DerpInstance]:
        """Every instance. Filtering by server is done here: the API's filters are not pinned."""
        return await self._list(DerpInstance, "/instances")

    async def get_instance(self, instance_id: str) -> DerpInstance:
        return await self._one(DerpInstance, "/instances/{instance_id}", instance_id=instance_id)

    # -- actions ------------------------------------------------------------------------------

    async def action(self, instance_id: str, action: str, *, idempotency_key: str) -> DerpAction:
        """`POST /instances/{id}/start|stop|restart|deploy`: 202 with the action, pending."""
        endpoint = f"POST /instances/{{instance_id}}/{action}"
        if action not in ACTIONS:
            raise invalid(f"deployERP has no {action!r} action.", "action", endpoint)
        url = self._url("/instances/{instance_id}/" + action, endpoint, instance_id=instance_id)
        key = check_idempotency_key(idempotency_key, endpoint)
        return await self._fetch(
            DerpAction, Request("POST", url, endpoint, json={}, idempotency_key=key)
        )

    async def get_action(self, instance_id: str, action_id: str) -> DerpAction:
        return await self._one(
            DerpAction,
            "/instances/{instance_id}/actions/{action_id}",
            instance_id=instance_id,
            action_id=action_id,
        )

    # -- backups ------------------------------------------------------------------------------

    async def list_backups(self, instance_id: str) -> list[DerpBackup]:
        endpoint = "GET /backups"
        path_segment(instance_id, "instance_id", endpoint)
        return await self._list(DerpBackup, "/backups", {"instance_id": instance_id.strip()})

    async def create_backup(self, instance_id: str, *, idempotency_key: str) -> DerpBackup:
        """`POST /backups` `{"instance_id"}`: 202 with the backup, pending."""
        endpoint = "POST /backups"
        path_segment(instance_id, "instance_id", endpoint)
        key = check_idempotency_key(idempotency_key, endpoint)
        request = Request(
            "POST",
            self.base_url + "/backups",
            endpoint,
            json={"instance_id": instance_id.strip()},
            idempotency_key=key,
        )
        return await self._fetch(DerpBackup, request)

    # -- plumbing -----------------------------------------------------------------------------

    def _url(self, template: str, endpoint: str, **ids: str) -> str:
        segments = {name: path_segment(value, name, endpoint) for name, value in ids.items()}
        return self.base_url + template.format(**segments)

    async def _json(self, request: Request) -> Any:
        response = await self._session.send(request)
        try:
            return response.json()
        except ValueError as exc:
            raise OecContractError(
                f"deployERP answered {request.endpoint} with a body that is not JSON.",
                endpoint=request.endpoint,
                request_id=current_request_id(),
            ) from exc

    async def _fetch(self, model: type[M], request: Request) -> M:
        """A single resource: `{"data": {...}}`."""
        body = await self._json(request)
        data = body.get("data") if isinstance(body, dict) else None
        return _parse(model, data, request.endpoint)

    async def _one(self, model: type[M], template: str, **ids: str) -> M:
        endpoint = "GET " + template
        return await self._fetch(
            model, Request("GET", self._url(template, endpoint, **ids), endpoint)
        )

    async def _list(
        self, model: type[M], template: str, params: Mapping[str, str | int] | None = None
    ) -> list[M]:
        """Every item of a list, page after page, until `meta.total_pages`."""
        endpoint = "GET " + template
        url = self.base_url + template
        items: list[M] = []
        page_no = 1
        while True:
            query = {**(params or {}), "page": page_no, "per_page": self.settings.page_size}
            body = await self._json(Request("GET", url, endpoint, params=query))
            page = _parse(ListPage, body, endpoint)
            items.extend(_parse(model, item, endpoint) for item in page.data)
            if page_no >= page.meta.total_pages or not page.data:
                return items
            if page_no >= self.settings.max_pages:
                raise OecContractError(
                    f"deployERP answered {endpoint} with more than {page_no} pages; stopped.",
                    endpoint=endpoint,
                    request_id=current_request_id(),
                )
            page_no += 1


def _parse(model: type[M], body: Any, endpoint: str) -> M:
    """Validate an answer; on failure name the fields, never echo values."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = contract_problems(exc)
        raise OecContractError(
            f"deployERP answered {endpoint} with a {model.__name__} that does not fit the "
            f"contract ({problems}).",
            endpoint=endpoint,
            request_id=current_request_id(),
        ) from exc
