"""`/_sim/...`: the simulator's control panel for tests and the playground. No API key.

| Route | Body / query | Answer |
|---|---|---|
| `GET /_sim/faults` | - | the faults (see `faults.Faults`) |
| `POST /_sim/faults` | any subset of the fault fields | the faults after the change |
| `POST /_sim/reset` | `{"reseed": bool}` (optional) | `{"ok": true, "reseeded": bool}` |
| `GET /_sim/requests` | `?since=<seq>` | `{"requests": [...]}` every API request, in order |
| `GET /_sim/deliveries` | `?webhook_id=` | `{"deliveries": [...]}` each with its `attempts` |
| `POST /_sim/emit` | `{"event", "data", "webhook_ids"?}` | `{"delivery_ids": [...]}` |
| `POST /_sim/tick` | - | `{"transitions": n, "now": iso}` |
| `POST /_sim/webhooks` | `{"url", "events", "secret", "project_id"?, "description"?}` | 201 webhook |
| `POST /_sim/tasks/{task_id}/cancel` | - | the task, `cancelled` |
| `POST /_sim/environments/{env_id}/status` | `{"status"}` | the environment |

Reset always turns faults off and clears rate-limit counters and the request log; with
`reseed` it also puts every project, environment, task, webhook and delivery back to the seed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from oec_chatops.sim.errors import ApiError
from oec_chatops.sim.state import SimState
from oec_chatops.simkit.records import iso

AdminHandler = Callable[[Request, Any], Awaitable[Any]]


class BadAdminRequest(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, "bad_request", message)

    def body(self) -> Any:
        return {"detail": self.message}


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadAdminRequest("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadAdminRequest("The body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadAdminRequest(f"{name} must be a non-empty string.")
    return value


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    return None if body.get(name) is None else _text(body, name)


class Admin:
    def __init__(self, state: SimState) -> None:
        self.state = state

    async def faults(self, request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            try:
                self.state.faults.update(body)
            except ValueError as exc:
                raise BadAdminRequest(str(exc)) from None
        return self.state.faults.as_dict()

    async def reset(self, request: Request, body: dict[str, Any]) -> Any:
        reseed = body.get("reseed", False)
        if not isinstance(reseed, bool):
            raise BadAdminRequest("reseed must be true or false.")
        self.state.reset(reseed=reseed)
        return {"ok": True, "reseeded": reseed}

    async def requests(self, request: Request, body: dict[str, Any]) -> Any:
        try:
            since = int(request.query_params.get("since", "0"))
        except ValueError:
            raise BadAdminRequest("since must be a whole number.") from None
        return {"requests": self.state.requests.since(since)}

    async def deliveries(self, request: Request, body: dict[str, Any]) -> Any:
        wanted = request.query_params.get("webhook_id")
        hooks = self.state.webhooks.webhooks
        return {
            "deliveries": [
                d.to_admin_json(hooks[d.webhook_id].url)
                for d in self.state.webhooks.all_deliveries()
                if wanted in (None, d.webhook_id) and d.webhook_id in hooks
            ]
        }

    async def emit(self, request: Request, body: dict[str, Any]) -> Any:
        event = _text(body, "event")
        data = body.get("data", {})
        ids = body.get("webhook_ids")
        if not isinstance(data, dict):
            raise BadAdminRequest("data must be a JSON object.")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            raise BadAdminRequest("webhook_ids must be a list of webhook ids.")
        return {"delivery_ids": self.state.emit(event, data, webhook_ids=ids)}

    async def tick(self, request: Request, body: dict[str, Any]) -> Any:
        return {"transitions": self.state.tick(), "now": iso(self.state.now())}

    async def add_webhook(self, request: Request, body: dict[str, Any]) -> Any:
        url, secret = _text(body, "url"), _text(body, "secret")
        events = body.get("events")
        if not (isinstance(events, list) and events and all(isinstance(e, str) for e in events)):
            raise BadAdminRequest('events must be a non-empty list of event names (or ["*"]).')
        webhook = self.state.add_webhook(
            url,
            events,
            secret,
            project_id=_optional_text(body, "project_id"),
            description=_optional_text(body, "description"),
        )
        return JSONResponse(webhook, 201)

    async def cancel_task(self, request: Request, body: dict[str, Any]) -> Any:
        task = self.state.cancel_task(str(request.path_params["task_id"]))
        return task.to_json(now=self.state.now())

    async def environment_status(self, request: Request, body: dict[str, Any]) -> Any:
        status = _text(body, "status")
        env = self.state.set_environment_status(str(request.path_params["env_id"]), status)
        return env.to_json()


def _endpoint(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        try:
            body = await _json_object(request) if request.method == "POST" else {}
            result = await handler(request, body)
        except ApiError as exc:
            return JSONResponse(exc.body(), exc.status)
        return result if isinstance(result, Response) else JSONResponse(result)

    return serve


def admin_routes(state: SimState) -> list[BaseRoute]:
    admin = Admin(state)
    return [
        Route("/_sim/faults", _endpoint(admin.faults), methods=["GET", "POST"]),
        Route("/_sim/reset", _endpoint(admin.reset), methods=["POST"]),
        Route("/_sim/requests", _endpoint(admin.requests), methods=["GET"]),
        Route("/_sim/deliveries", _endpoint(admin.deliveries), methods=["GET"]),
        Route("/_sim/emit", _endpoint(admin.emit), methods=["POST"]),
        Route("/_sim/tick", _endpoint(admin.tick), methods=["POST"]),
        Route("/_sim/webhooks", _endpoint(admin.add_webhook), methods=["POST"]),
        Route("/_sim/tasks/{task_id}/cancel", _endpoint(admin.cancel_task), methods=["POST"]),
        Route(
            "/_sim/environments/{env_id}/status",
            _endpoint(admin.environment_status),
            methods=["POST"],
        ),
    ]
