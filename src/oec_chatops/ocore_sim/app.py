"""`build_ocore_sim_app`: oCore's API (CONTRACT.md §2) under `/api`, control routes under `/_sim/`.

Every API request goes through `_Gateway.serve`, in this order: record it (never the token),
reach the due status steps, authenticate the bearer JWT (401), the `force_429` fault (429 with
`Retry-After`), the `error_next` fault (500), the `manage:instances` permission for control
(403), the handler; then, for a control call that was carried out, the `lose_next_answers`
fault (504: done, but the caller never hears so), and the added latency.

| Route | Answer |
|---|---|
| `GET /api/instances[?server_id=]` | `{"instances": [...], "total": n}` |
| `GET /api/instances/{id}` | the instance |
| `POST /api/instances/{id}/control` `{"action"}` | 202 `{"message"}`; needs `manage:instances` |
| `GET /api/instances/{id}/health` | `{"id","slug","status","statusMessage","lastSeenAt"}` |
| `GET /api/instances/{id}/health-score` | `{"score","grade","computedAt","factors"}` |
| `GET/POST /_sim/faults` | the faults (`faults.OcoreFaults`), after a partial update |
| `POST /_sim/reset` `{"reseed"?}` | faults off, request log cleared, optionally reseeded |
| `GET /_sim/requests?since=` | every API request in order (method, path, query, body, status) |
| `POST /_sim/instances/{id}/status` `{"status","statusMessage"?}` | the instance |
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.ocore_sim.jwt import MANAGE
from oec_chatops.ocore_sim.settings import OcoreSimSettings
from oec_chatops.ocore_sim.state import OcoreApiError, OcoreSimState
from oec_chatops.simkit.gateway import bearer_header, log_request
from oec_chatops.simkit.records import iso

API_PREFIX = "/api"
Handler = Callable[[Request, bytes], Any]


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise OcoreApiError(400, "bad_request", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise OcoreApiError(400, "bad_request", "The body must be a JSON object.")
    return body


class _Gateway:
    def __init__(self, state: OcoreSimState) -> None:
        self.state = state

    def route(self, path: str, handler: Handler, *, control: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self.serve(request, handler, control=control)

        return Route(path, endpoint, methods=["POST" if control else "GET"])

    async def serve(self, request: Request, handler: Handler, *, control: bool) -> Response:
        state = self.state
        faults = state.faults
        entry, raw = await log_request(
            state.requests, request, at=iso(state.now()), auth_header=bearer_header(request)
        )
        state.tick()
        response: Response
        try:
            claims = state.authenticate(request.headers.get("authorization"))
            entry.tier = "manage" if MANAGE in claims.permissions else "read"
            if faults.force_429 > 0:
                faults.force_429 -= 1
                raise OcoreApiError(
                    429,
                    "rate_limited",
                    "Too many requests",
                    headers={"Retry-After": str(faults.retry_after)},
                )
            if faults.error_next > 0:
                faults.error_next -= 1
                raise OcoreApiError(500, "internal_error", "Internal server error")
            if control and MANAGE not in claims.permissions:
                raise OcoreApiError(403, "forbidden", f"Missing permission: {MANAGE}")
            status, body = 200, handler(request, raw)
            if control:
                status = 202
                if faults.lose_next_answers > 0:
                    faults.lose_next_answers -= 1
                    raise OcoreApiError(504, "gateway_timeout", "upstream request timeout")
            response = JSONResponse(body, status)
        except OcoreApiError as exc:
            response = self._error(exc)
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        entry.status = response.status_code
        return response

    def _error(self, exc: OcoreApiError) -> Response:
        if self.state.faults.plain_text_errors or exc.status == 504:
            return PlainTextResponse(exc.message, exc.status, headers=exc.headers)
        return JSONResponse(exc.body(), exc.status, headers=exc.headers)


def _api_routes(state: OcoreSimState) -> list[Route]:
    g = _Gateway(state)

    def list_instances(request: Request, raw: bytes) -> Any:
        server = request.query_params.get("server_id")
        items = [i.to_json() for i in state.instances.values() if server in (None, i.server_id)]
        return {"instances": items, "total": len(items)}

    def get_instance(request: Request, raw: bytes) -> Any:
        return state.instance(request.path_params["id"]).to_json()

    def health(request: Request, raw: bytes) -> Any:
        return state.instance(request.path_params["id"]).health_json()

    def health_score(request: Request, raw: bytes) -> Any:
        return state.instance(request.path_params["id"]).score_json()

    def control(request: Request, raw: bytes) -> Any:
        state.instance(request.path_params["id"])  # 404 before 400/422
        action = _json_body(raw).get("action")
        return {"message": state.control(request.path_params["id"], str(action))}

    return [
        g.route("/instances", list_instances),
        g.route("/instances/{id}", get_instance),
        g.route("/instances/{id}/health", health),
        g.route("/instances/{id}/health-score", health_score),
        g.route("/instances/{id}/control", control, control=True),
    ]


def _admin(
    state: OcoreSimState, fn: Callable[[Request, dict[str, Any]], Any]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            body = _json_body(await request.body()) if request.method == "POST" else {}
            return JSONResponse(fn(request, body))
        except (OcoreApiError, ValueError) as exc:
            return JSONResponse({"error": "bad_request", "message": str(exc)}, 400)

    return endpoint


def _admin_routes(state: OcoreSimState) -> list[Route]:
    def faults(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            state.faults.update(body)
        return state.faults.as_dict()

    def reset(request: Request, body: dict[str, Any]) -> Any:
        reseed = body.get("reseed", False)
        if not isinstance(reseed, bool):
            raise ValueError("reseed must be true or false.")
        state.reset(reseed=reseed)
        return {"ok": True, "reseeded": reseed}

    def requests(request: Request, body: dict[str, Any]) -> Any:
        return {"requests": state.requests.since(int(request.query_params.get("since", "0")))}

    def set_status(request: Request, body: dict[str, Any]) -> Any:
        status, message = body.get("status"), body.get("statusMessage", "")
        if not isinstance(status, str) or not status or not isinstance(message, str):
            raise ValueError("status must be a non-empty string, statusMessage a string.")
        return state.set_status(request.path_params["id"], status, message).to_json()

    return [
        Route("/_sim/faults", _admin(state, faults), methods=["GET", "POST"]),
        Route("/_sim/reset", _admin(state, reset), methods=["POST"]),
        Route("/_sim/requests", _admin(state, requests), methods=["GET"]),
        Route("/_sim/instances/{id}/status", _admin(state, set_status), methods=["POST"]),
    ]


def build_ocore_sim_app(settings: OcoreSimSettings, *, clock: Clock | None = None) -> Starlette:
    """The simulator as one Starlette app; `app.state.sim` is its `OcoreSimState`."""
    state = OcoreSimState(settings, clock or SystemClock())
    app = Starlette(routes=[Mount(API_PREFIX, routes=_api_routes(state)), *_admin_routes(state)])
    app.state.sim = state
    return app
