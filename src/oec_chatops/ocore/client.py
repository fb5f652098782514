"""The oCore API of CONTRACT.md §2 as typed calls: the five routes the bot uses, nothing more.

    async with OcoreClient.create("https://api.ocore.dev/api", token) as client:
        instances = await client.list_instances()

Ids become single path segments (`oec.arguments.path_segment`), so an id can never reach
another route. Answers that fit no documented shape raise `OecContractError` naming the
endpoint, never the body (it may echo the token).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.context import current_request_id
from oec_chatops.httpapi.lifecycle import AsyncClosing, new_http_client
from oec_chatops.ocore.http import OcoreHttp
from oec_chatops.ocore.models import (
    HealthScore,
    OcoreHealth,
    OcoreInstance,
    OcoreInstanceList,
)
from oec_chatops.ocore.settings import OcoreSettings
from oec_chatops.ocore.token import OcoreToken
from oec_chatops.oec.arguments import check_base_url, path_segment
from oec_chatops.oec.errors import OecContractError

DEFAULT_BASE_URL = "https://api.ocore.dev/api"
CONTROL_ACTIONS = ("start", "stop", "restart")
M = TypeVar("M", bound=BaseModel)

_INSTANCES = "GET /instances"
_INSTANCE = "GET /instances/{id}"
_CONTROL = "POST /instances/{id}/control"
_HEALTH = "GET /instances/{id}/health"
_SCORE = "GET /instances/{id}/health-score"


class OcoreClient(AsyncClosing):
    """Typed calls of oCore's API over one `OcoreHttp`."""

    def __init__(self, http: OcoreHttp, *, owned: httpx.AsyncClient | None = None) -> None:
        self._http = http
        self._owned = owned

    @classmethod
    def create(
        cls,
        base_url: str,
        token: str | SecretStr | OcoreToken,
        *,
        settings: OcoreSettings | None = None,
        clock: Clock | None = None,
        http: httpx.AsyncClient | None = None,
        rand: Callable[[], float] = random.random,
    ) -> OcoreClient:
        """A client for `base_url`; it closes the httpx client it made (not one passed in)."""
        parsed = token if isinstance(token, OcoreToken) else OcoreToken.parse(token)
        settings = settings or OcoreSettings()
        owned = None
        if http is None:
            owned = http = new_http_client()
        transport = OcoreHttp(
            base_url=check_base_url(
                base_url, what="The oCore URL", example="https://api.ocore.dev/api"
            )[0],
            token=parsed,
            settings=settings,
            clock=clock or SystemClock(),
            http=http,
            rand=rand,
        )
        return cls(transport, owned=owned)

    def __repr__(self) -> str:
        return f"OcoreClient({self._http!r})"

    async def aclose(self) -> None:
        if self._owned is not None:
            await self._owned.aclose()

    async def list_instances(self, *, server_id: str | None = None) -> list[OcoreInstance]:
        """`GET /instances[?server_id=]`: every instance (oCore documents no pagination)."""
        params = {"server_id": server_id} if server_id else None
        body = await self._http.get(_INSTANCES, "/instances", params)
        return _parse(OcoreInstanceList, body, _INSTANCES).instances

    async def get_instance(self, instance_id: str) -> OcoreInstance:
        path = f"/instances/{path_segment(instance_id, 'id', _INSTANCE)}"
        return _parse(OcoreInstance, await self._http.get(_INSTANCE, path), _INSTANCE)

    async def get_health(self, instance_id: str) -> OcoreHealth:
        path = f"/instances/{path_segment(instance_id, 'id', _HEALTH)}/health"
        return _parse(OcoreHealth, await self._http.get(_HEALTH, path), _HEALTH)

    async def get_health_score(self, instance_id: str) -> HealthScore:
        path = f"/instances/{path_segment(instance_id, 'id', _SCORE)}/health-score"
        return _parse(HealthScore, await self._http.get(_SCORE, path), _SCORE)

    async def control(self, instance_id: str, action: str) -> str:
        """`POST /instances/{id}/control`: start, stop or restart. Returns oCore's message.

        Sent at most once when its outcome is unknown (see `ocore.http`).
        """
        if action not in CONTROL_ACTIONS:
            raise ValueError(f"not an oCore control action: {action!r}")
        path = f"/instances/{path_segment(instance_id, 'id', _CONTROL)}/control"
        body = await self._http.post(_CONTROL, path, {"action": action})
        message = body.get("message") if isinstance(body, dict) else None
        return message if isinstance(message, str) else ""


def _parse(model: type[M], body: Any, endpoint: str) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        keys = sorted(body)[:10] if isinstance(body, dict) else type(body).__name__
        raise OecContractError(
            f"oCore answered {endpoint} with an unexpected shape (keys: {keys}).",
            endpoint=endpoint,
            request_id=current_request_id(),
        ) from exc
