"""`build_derp_sim_app`: the deployERP simulator as one Starlette app; its lifespan runs the
delivery worker (mounted elsewhere, enter `app.router.lifespan_context(app)` yourself)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.deployerp_sim.admin import admin_routes
from oec_chatops.deployerp_sim.api import api_routes
from oec_chatops.deployerp_sim.delivery import DeliveryWorker
from oec_chatops.deployerp_sim.gateway import Gateway
from oec_chatops.deployerp_sim.settings import DerpSimSettings
from oec_chatops.deployerp_sim.state import DerpSimState
from oec_chatops.sim.delivery import Sender
from oec_chatops.simkit.lifespan import worker_lifespan

API_PREFIX = "/v1"


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in deployERP's error shape too."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "internal_error")
    return JSONResponse(
        {"error": {"code": code, "message": f"HTTP {status}.", "details": {}}}, status
    )


def build_derp_sim_app(settings: DerpSimSettings, *, clock: Clock | None = None) -> Starlette:
    """deployERP's API under `/v1`, control routes under `/_sim/`; `app.state.sim` is the state."""
    state = DerpSimState(settings, clock or SystemClock())
    worker = DeliveryWorker(state, Sender())

    app = Starlette(
        routes=[Mount(API_PREFIX, routes=api_routes(state, Gateway(state))), *admin_routes(state)],
        lifespan=worker_lifespan(worker),
        exception_handlers={HTTPException: _http_error},
    )
    app.state.sim = state
    return app
