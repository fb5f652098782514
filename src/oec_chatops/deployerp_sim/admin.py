"""`/_sim/...`: the deployERP simulator's control panel for tests and demos. No API key.

| Route | Body / query | Answer |
|---|---|---|
| `GET/POST /_sim/faults` | any subset of `DerpFaults` fields | the faults after the change |
| `POST /_sim/reset` | `{"reseed": bool}` | `{"ok": true, "reseeded": bool}` |
| `GET /_sim/requests` | `?since=<seq>` | every API request, in order (never a key) |
| `GET /_sim/deliveries` | - | every webhook delivery with its attempts |
| `POST /_sim/deliveries/{event_id}/resend` | - | send the same signed body again (a replay) |
| `POST /_sim/emit` | `{"event", "data"}` | `{"id": event_id}` a custom delivery |
| `POST /_sim/tick` | - | `{"transitions": n}` |
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from oec_chatops.deployerp_sim.state import DerpSimState

Admin = Callable[[Request, dict[str, Any]], Awaitable[Any]]


class _Bad(Exception):
    pass


def _endpoint(handler: Admin) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        try:
            raw = await request.body()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise _Bad("The body must be a JSON object.")
            return JSONResponse(await handler(request, body))
        except (_Bad, ValueError) as exc:
            return JSONResponse({"error": {"code": "bad_request", "message": str(exc)}}, 400)

    return serve


def admin_routes(state: DerpSimState) -> list[BaseRoute]:
    async def faults(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            state.faults.update(body)
        return state.faults.as_dict()

    async def reset(request: Request, body: dict[str, Any]) -> Any:
        reseed = body.get("reseed", False)
        if not isinstance(reseed, bool):
            raise _Bad("reseed must be true or false.")
        state.reset(reseed=reseed)
        return {"ok": True, "reseeded": reseed}

    async def requests(request: Request, body: dict[str, Any]) -> Any:
        return {"requests": state.requests.since(int(request.query_params.get("since", "0")))}

    async def deliveries(request: Request, body: dict[str, Any]) -> Any:
        return {"deliveries": [d.to_admin_json() for d in state.outbox.deliveries]}

    async def resend(request: Request, body: dict[str, Any]) -> Any:
        count = state.outbox.resend(str(request.path_params["event_id"]), now=state.now())
        return {"resent": count}

    async def emit(request: Request, body: dict[str, Any]) -> Any:
        event, data = body.get("event"), body.get("data", {})
        if not isinstance(event, str) or not event or not isinstance(data, dict):
            raise _Bad("event must be a name and data a JSON object.")
        return {"id": state.emit(event, data)}

    async def tick(request: Request, body: dict[str, Any]) -> Any:
        return {"transitions": state.tick()}

    return [
        Route("/_sim/faults", _endpoint(faults), methods=["GET", "POST"]),
        Route("/_sim/reset", _endpoint(reset), methods=["POST"]),
        Route("/_sim/requests", _endpoint(requests), methods=["GET"]),
        Route("/_sim/deliveries", _endpoint(deliveries), methods=["GET"]),
        Route("/_sim/deliveries/{event_id}/resend", _endpoint(resend), methods=["POST"]),
        Route("/_sim/emit", _endpoint(emit), methods=["POST"]),
        Route("/_sim/tick", _endpoint(tick), methods=["POST"]),
    ]
