"""`build_sim_app`: the simulator as one Starlette app, its workers run by its lifespan.

When the app is mounted inside another Starlette app, Starlette does not run a mounted app's
lifespan: enter `sim_app.router.lifespan_context(sim_app)` from the outer lifespan, or task
transitions happen only when requests arrive and webhooks are never delivered.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.sim.admin import admin_routes
from oec_chatops.sim.api import api_routes
from oec_chatops.sim.api_ops import ops_routes
from oec_chatops.sim.api_webhooks import webhook_routes
from oec_chatops.sim.delivery import DeliveryWorker, Sender
from oec_chatops.sim.gateway import Gateway
from oec_chatops.sim.settings import SimSettings
from oec_chatops.sim.state import SimState
from oec_chatops.simkit.lifespan import worker_lifespan

API_PREFIX = "/api/public/v1"


async def _http_error(request: Request, exc: Exception) -> Response:
    """Outside the API prefix too, errors read as FastAPI's `{"detail": "..."}`."""
    if isinstance(exc, HTTPException):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": "Internal Server Error"}, 500)


def build_sim_app(settings: SimSettings, *, clock: Clock | None = None) -> Starlette:
    """The oec.sh Public API under `/api/public/v1`, and its control routes under `/_sim/`.

    `app.state.sim` is the `SimState`, for in-process tests and the embedded demo.
    """
    state = SimState(settings, clock or SystemClock())
    sender = Sender()
    worker = DeliveryWorker(state, sender)
    gateway = Gateway(state)

    routes = [
        Mount(
            API_PREFIX,
            routes=api_routes(
                state,
                gateway,
                [*webhook_routes(state, gateway, sender), *ops_routes(state, gateway)],
            ),
        ),
        *admin_routes(state),
    ]
    app = Starlette(
        routes=routes,
        lifespan=worker_lifespan(worker),
        exception_handlers={HTTPException: _http_error},
    )
    app.state.sim = state
    return app
