"""`build_app(container) -> Starlette`: the bot's three doors, its health, and its lifespan.

POST /slack/events   slash commands and interactivity (`slack.ingress`: verified, then Bolt);
                     not routed in Socket Mode without a signing secret
POST /webhooks/oec   signed oec.sh deliveries (persist, then ack)
POST /webhooks/oec/<team id>  a multi-workspace install: that workspace's signed deliveries
POST /webhooks/<name> signed deliveries of each deployERP platform of the platforms file
GET  /slack/install  a multi-workspace install's link (SLACK_CLIENT_ID): to Slack's consent page
GET  /slack/oauth_redirect  Slack's redirect back: the installation is stored, sealed
GET  /healthz        the process answers
GET  /readyz         database writable, oec.sh and Slack reachable (cached)
GET  /metrics        Prometheus exposition
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import orjson
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from oec_chatops.adapters.check import REQUIRED_SCOPES
from oec_chatops.adapters.derp_receiver import DerpWebhookReceiver
from oec_chatops.adapters.health import Readiness
from oec_chatops.adapters.oauth_stores import oauth_settings
from oec_chatops.adapters.receiver import WebhookReceiver
from oec_chatops.adapters.team_receiver import TeamWebhookReceiver
from oec_chatops.container import Container
from oec_chatops.errors import ConfigError
from oec_chatops.slack.app import build_bolt_app
from oec_chatops.slack.ingress import SlackDoor
from oec_chatops.store.dbapi import DatabaseError

log = logging.getLogger("oec_chatops.server")  # the name operators' log filters know


def _json(payload: object, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


Endpoint = Callable[[Request], Awaitable[Response]]


def build_app(c: Container, *, start_workers: bool = True, grace: float = 5.0) -> Starlette:
    """The bot's ASGI app. `grace` bounds each shutdown step (in-flight work, outbox flush)."""
    oauth = _oauth(c)
    bolt_app = build_bolt_app(
        settings=c.settings,
        slack=c.slack,
        commands=c.desk,
        clicks=c.clicks,
        oauth=oauth,
        teams=c.workspaces,
        home=c.home,
    )
    # A multi-workspace install: Bolt's OAuth flow serves the install link and Slack's redirect.
    installer = AsyncSlackRequestHandler(bolt_app) if oauth is not None else None
    secret = c.settings.slack_signing_secret
    # Without a signing secret (Socket Mode) nothing on HTTP can be proven to come from Slack:
    # /slack/events is then not routed at all (404), whatever else the HTTP port serves.
    door = (
        SlackDoor(
            metrics=c.metrics,
            runner=c.runner,
            app=bolt_app,
            signing_secret=secret.get_secret_value(),
        )
        if secret
        else None
    )
    readiness = Readiness(
        store=c.store, clock=c.clock, oec=c.oec, slack=c.slack, workspaces=c.workspaces is not None
    )
    webhooks = WebhookReceiver(
        settings=c.settings,
        clock=c.clock,
        store=c.store,
        metrics=c.metrics,
        wake_outbox=c.outbox.wake,
        wake_tracker=c.tracker.wake,
    )
    # A multi-workspace install: `/webhooks/oec/<team id>`, each workspace's own secret(s).
    team_hooks = (
        TeamWebhookReceiver.beside(webhooks, c.workspaces) if c.workspaces is not None else None
    )
    # deployERP platforms: `/webhooks/<name>`, one door each, with that platform's secrets.
    derp_doors = [
        DerpWebhookReceiver(
            name=p.entry.name,
            secrets=tuple(s.strip() for s in p.webhook_secret.split(",") if s.strip()),
            clock=c.clock,
            store=c.store,
            metrics=c.metrics,
            wake_outbox=c.outbox.wake,
            wake_tracker=c.tracker.wake,
        )
        for p in c.settings.platforms()
        if p.entry.kind == "deployerp" and p.webhook_secret and p.entry.name != "oec"
    ]
    socket_mode: list[AsyncSocketModeHandler] = []  # one while serving in Socket Mode
    started = time.monotonic()

    def counted(path: str, endpoint: Endpoint) -> Route:
        """The route, counted by path and status in `oec_chatops_http_requests_total`."""

        async def handle(request: Request) -> Response:
            try:
                response = await endpoint(request)
            except Exception:
                c.metrics.http_requests.labels(path, "500").inc()
                raise
            c.metrics.http_requests.labels(path, str(response.status_code)).inc()
            return response

        method = "GET" if path in {"/healthz", "/readyz", "/metrics", *OAUTH_PATHS} else "POST"
        return Route(path, handle, methods=[method])

    async def install(request: Request) -> Response:
        assert installer is not None  # routed only with one
        return await installer.handle(request)

    async def oec_webhook(request: Request) -> Response:
        return await webhooks.receive(request)

    async def healthz(request: Request) -> Response:
        return _json({"ok": True, "uptime_seconds": round(time.monotonic() - started, 1)})

    async def readyz(request: Request) -> Response:
        # Anyone who reaches the port may ask: ready or not, and which checks fail, nothing
        # more. The details are logged (Readiness) and printed by `oec-chatops check`.
        connected = None
        for handler in socket_mode:
            connected = bool(await handler.client.is_connected())
        report = await readiness.check(socket_mode=connected)
        return _json(report.public(), 200 if report.ok else 503)

    async def metrics(request: Request) -> Response:
        await c.gauges.refresh()  # the database gauges, read on a thread, not on this loop
        return Response(c.metrics.exposition(), media_type="text/plain; version=0.0.4")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_workers:
            c.start_workers()
        connecting: asyncio.Task[None] | None = None
        try:
            if c.settings.slack_app_token is not None:
                socket_mode.append(
                    await _open_socket_mode(bolt_app, c.settings.slack_app_token.get_secret_value())
                )
                # The WebSocket is opened (and reopened) in the background: the SDK retries
                # until it connects, and the webhook receiver must not wait for that.
                connecting = asyncio.create_task(
                    socket_mode[0].connect_async(),  # type: ignore[no-untyped-call]
                    name="socket-mode",
                )
            log.info("bot.started", extra={"socket_mode": bool(socket_mode)})
            yield
        finally:
            log.info("bot.stopping")
            for handler in socket_mode:
                # Slack stops sending to this connection; a command already received finishes
                # in `c.aclose()` with the rest of the work in flight.
                await handler.close_async()  # type: ignore[no-untyped-call]
            if connecting is not None:
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
            await c.aclose(grace=grace)
            log.info("bot.stopped")

    app = Starlette(
        routes=[
            *([counted("/slack/events", door.handle)] if door is not None else []),
            *([counted(path, install) for path in OAUTH_PATHS] if installer is not None else []),
            counted("/webhooks/oec", oec_webhook),
            *([counted(TEAM_WEBHOOK_PATH, team_hooks.receive)] if team_hooks is not None else []),
            *(counted(f"/webhooks/{d.name}", d.receive) for d in derp_doors),
            counted("/healthz", healthz),
            counted("/readyz", readyz),
            counted("/metrics", metrics),
        ],
        lifespan=lifespan,
        exception_handlers={kind: _database_unavailable for kind in DatabaseError},
    )
    app.state.container = c
    return app


OAUTH_PATHS = ("/slack/install", "/slack/oauth_redirect")
TEAM_WEBHOOK_PATH = "/webhooks/oec/{team_id}"  # one label in the metrics, whatever the team


def _oauth(c: Container) -> AsyncOAuthSettings | None:
    """Bolt's OAuth settings for a multi-workspace install, on the bot's database."""
    s = c.settings
    if c.workspaces is None or s.slack_client_id is None or s.slack_client_secret is None:
        return None
    return oauth_settings(
        client_id=s.slack_client_id,
        client_secret=s.slack_client_secret.get_secret_value(),
        scopes=REQUIRED_SCOPES,
        slack_api_url=s.slack_api_url,
        public_url=s.public_url,
        workspaces=c.workspaces,
        store=c.store,
        clock=c.clock,
    )


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """A request whose write did not commit (PostgreSQL restarting, SQLite locked) is answered
    503 with Retry-After: nothing was acknowledged, so the sender's retry loses nothing."""
    log.warning(
        "database.unavailable", extra={"path": request.url.path, "error": type(exc).__name__}
    )
    return PlainTextResponse("database unavailable, retry", 503, headers={"Retry-After": "1"})


async def _open_socket_mode(bolt_app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Socket Mode: Slack reaches us over a WebSocket we open, so /slack/events needs no public
    URL; the webhook receiver still serves HTTP for oec.sh.

    The WebSocket URL is asked for here (`apps.connections.open` with the app-level token, on
    the Bolt app's own client, so SLACK_API_URL applies): the SDK's connect loop would retry a
    refused token forever, so a refusal stops start-up here with Slack's reason instead. An
    unreachable Slack does not: the background connect keeps trying, and /readyz says so.
    """
    handler = AsyncSocketModeHandler(bolt_app, app_token)
    try:
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
    except SlackApiError as exc:
        await handler.close_async()  # type: ignore[no-untyped-call]
        error = exc.response.get("error") if exc.response is not None else "error"
        log.error("socket_mode.refused", extra={"error": error})
        raise ConfigError(f"SLACK_APP_TOKEN: Slack refused Socket Mode ({error}).") from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("socket_mode.unreachable", extra={"error": type(exc).__name__})
    return handler
