"""The simulated deployERP v1 routes (CONTRACT.md §3), each behind the `Gateway`.

| Route | Answer |
|---|---|
| `GET /servers`, `GET /instances`, `GET /backups[?instance_id=]` | a page (`paging.paginate`) |
| `GET /servers/{id}`, `GET /instances/{id}` | `{"data": {...}}` or 404 `not_found` |
| `POST /instances/{id}/{start, stop, restart, deploy}` | 202 `{"data": action}`; 409 `conflict` |
| `GET /instances/{id}/actions/{action_id}` | `{"data": action}` |
| `POST /backups` `{"instance_id"}` | 202 `{"data": backup}`; 422 without an instance id |
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from oec_chatops.deployerp_sim.errors import invalid
from oec_chatops.deployerp_sim.gateway import Gateway, Handler, Reply
from oec_chatops.deployerp_sim.paging import paginate
from oec_chatops.deployerp_sim.state import DerpSimState

ACTIONS = ("start", "stop", "restart", "deploy")


def api_routes(state: DerpSimState, gateway: Gateway) -> list[BaseRoute]:
    settings = state.settings

    def page(items: list[dict[str, object]], request: Request) -> Reply:
        return Reply(
            200,
            paginate(
                items,
                request.query_params,
                default_per_page=settings.default_per_page,
                max_per_page=settings.max_per_page,
            ),
        )

    async def list_servers(request: Request, raw: bytes) -> Reply:
        return page([s.to_json() for s in state.servers.values()], request)

    async def get_server(request: Request, raw: bytes) -> Reply:
        return Reply(200, {"data": state.server(request.path_params["server_id"]).to_json()})

    async def list_instances(request: Request, raw: bytes) -> Reply:
        wanted = request.query_params.get("server_id")
        items = [i.to_json() for i in state.instances.values() if wanted in (None, i.server_id)]
        return page(items, request)

    async def get_instance(request: Request, raw: bytes) -> Reply:
        return Reply(200, {"data": state.instance(request.path_params["instance_id"]).to_json()})

    def action_handler(name: str) -> Handler:
        async def run(request: Request, raw: bytes) -> Reply:
            action = state.start_action(request.path_params["instance_id"], name)
            return Reply(202, {"data": action.to_json()})

        return run

    async def get_action(request: Request, raw: bytes) -> Reply:
        action = state.action(request.path_params["instance_id"], request.path_params["action_id"])
        return Reply(200, {"data": action.to_json()})

    async def list_backups(request: Request, raw: bytes) -> Reply:
        wanted = request.query_params.get("instance_id")
        if wanted is not None:
            state.instance(wanted)
        items = [b.to_json() for b in state.backups.values() if wanted in (None, b.instance_id)]
        return page(items, request)

    async def create_backup(request: Request, raw: bytes) -> Reply:
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise invalid("body", "must be a JSON object.") from None
        instance_id = body.get("instance_id") if isinstance(body, dict) else None
        if not isinstance(instance_id, str) or not instance_id:
            raise invalid("instance_id", "is required.")
        return Reply(202, {"data": state.start_backup(instance_id).to_json()})

    ep = gateway.endpoint
    routes: list[BaseRoute] = [
        Route("/servers", ep(list_servers), methods=["GET"]),
        Route("/servers/{server_id}", ep(get_server), methods=["GET"]),
        Route("/instances", ep(list_instances), methods=["GET"]),
        Route("/instances/{instance_id}", ep(get_instance), methods=["GET"]),
        Route("/instances/{instance_id}/actions/{action_id}", ep(get_action), methods=["GET"]),
        Route("/backups", ep(list_backups), methods=["GET"]),
        Route("/backups", ep(create_backup, write=True), methods=["POST"]),
    ]
    routes += [
        Route(
            f"/instances/{{instance_id}}/{name}",
            ep(action_handler(name), write=True),
            methods=["POST"],
        )
        for name in ACTIONS
    ]
    return routes
