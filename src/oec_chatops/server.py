"""`build_app(container) -> Starlette`: the bot's three doors, its health, and its lifespan.

POST /slack/events   slash commands and interactivity (Bolt verifies Slack's signature)
POST /webhooks/oec   signed oec.sh deliveries (persist, then ack)
GET  /healthz        the process answers
GET  /readyz         database writable, oec.sh and Slack reachable (cached)
GET  /metrics        Prometheus exposition
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator

import orjson
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oec_chatops import receiver
from oec_chatops.container import Container
from oec_chatops.health import Readiness
from oec_chatops.slack.app import build_bolt_app

log = logging.getLogger(__name__)


def _json(payload: object, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def build_app(c: Container, *, start_workers: bool = True, grace: float = 5.0) -> Starlette:
    bolt_app = build_bolt_app(c)
    bolt = AsyncSlackRequestHandler(bolt_app)
    readiness = Readiness(c)
    started = time.monotonic()

    async def slack_events(request: Request) -> Response:
        response = await bolt.handle(request)
        if response.status_code == 401:
            c.metrics.signature_failures.labels("slack", "bad_signature").inc()
            log.warning("slack.rejected", extra={"status": 401})
        c.metrics.http_requests.labels("/slack/events", str(response.status_code)).inc()
        return response

    async def oec_webhook(request: Request) -> Response:
        response = await receiver.receive(request, c)
        c.metrics.http_requests.labels("/webhooks/oec", str(response.status_code)).inc()
        return response

    async def healthz(request: Request) -> Response:
        return _json({"ok": True, "uptime_seconds": round(time.monotonic() - started, 1)})

    async def readyz(request: Request) -> Response:
        checks = await readiness.check()
        ok = all(bool(v["ok"]) for v in checks.values())
        return _json({"ok": ok, "checks": checks}, 200 if ok else 503)

    async def metrics(request: Request) -> Response:
        return Response(c.metrics.exposition(), media_type="text/plain; version=0.0.4")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_workers:
            c.start_workers()
        socket_mode = None
        if c.settings.slack_app_token is not None:
            # Socket Mode: Slack reaches us over a WebSocket we open, so /slack/events needs no
            # public URL; the webhook receiver below still serves HTTP for oec.sh.
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket_mode = AsyncSocketModeHandler(
                bolt_app, c.settings.slack_app_token.get_secret_value()
            )
            await socket_mode.connect_async()  # type: ignore[no-untyped-call]
        log.info("bot.started", extra={"socket_mode": socket_mode is not None})
        try:
            yield
        finally:
            log.info("bot.stopping")
            if socket_mode is not None:
                await socket_mode.close_async()  # type: ignore[no-untyped-call]
            await c.aclose(grace=grace)
            log.info("bot.stopped")

    app = Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/webhooks/oec", oec_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.container = c
    return app
