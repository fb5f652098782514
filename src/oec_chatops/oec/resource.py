"""What every oec.sh resource method stands on: keys, routes, calls, decoding and paging.

`OecClient` is assembled from one mixin per resource family (`oec.environments_api`,
`oec.tasks_api`, `oec.actions_api`, `oec.webhooks_api`, `oec.org_api`); they all inherit this
base, so a route is built, keyed, sent and decoded the same way everywhere. The constructor that
fills these attributes is `OecClient.__init__`.

Which key: queries go with the read-only key when one is configured (it has the larger read
budget on older API versions), else with the full-access key; actions, creates and deletes always
go with the full-access key, and without one they are refused before any request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr

from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var
from oec_chatops.oec.answers import parse_answer as _parse
from oec_chatops.oec.answers import send_json
from oec_chatops.oec.arguments import path_segment
from oec_chatops.oec.errors import OecConfigError, OecContractError
from oec_chatops.oec.keys import ApiKey, KeySlot, parse_key
from oec_chatops.oec.pagination import Params, read_page
from oec_chatops.oec.ratelimit import Budget, RateLimiter
from oec_chatops.oec.session import ApiSession, Call

M = TypeVar("M", bound=BaseModel)

_MAX_PAGES = 1000  # 100k items at 100 a page: past this the server is looping


class ResourceBase:
    """The state and plumbing the resource mixins share (set by `OecClient.__init__`)."""

    base_url: str
    _root: str
    _rw: ApiKey | None
    _ro: ApiKey | None
    _clock: Clock
    _limiter: RateLimiter
    _session: ApiSession

    def read_limit(self) -> int:
        """Reads per window the query key is believed to have (from X-RateLimit-Limit once seen)."""
        return self._limiter.limit(self._read_key().slot, Budget.READ)

    def _route(self, method: str, template: str, **ids: str) -> Route:
        """The URL of a route and its endpoint label (method + template, never ids)."""
        endpoint = f"{method} {template}"
        segments = {name: path_segment(value, name, endpoint) for name, value in ids.items()}
        return Route(self.base_url + template.format(**segments), endpoint)

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

    def _read_call(self, route: Route, params: Mapping[str, str | int] | None = None) -> Call:
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
        route: Route,
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
        self, model: type[M], route: Route, params: Mapping[str, str | int] | None = None
    ) -> M:
        return await self._fetch(model, self._read_call(route, params))

    async def _list(
        self,
        model: type[M],
        route: Route,
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
class Route:
    """A route's URL and its endpoint label (method + template, never ids)."""

    url: str
    endpoint: str


def configured_key(secret: SecretStr | None, slot: KeySlot) -> ApiKey | None:
    if secret is None or not secret.get_secret_value().strip():
        return None
    return parse_key(secret, slot=slot)


def _describe(params: Params) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
