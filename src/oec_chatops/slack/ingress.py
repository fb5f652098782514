"""`POST /slack/events`: size, signature, shape, then Bolt; and an answer within Slack's 3 s.

The order is the point, as in the webhook receiver:

1. a body over `MAX_SLACK_BODY` is refused (413) before it is read whole;
2. the raw bytes are verified against the signing secret (`slack.signature`) before anything
   decodes them: an unsigned or wrongly signed request is a 401 whatever its bytes are;
3. a signed body Slack would never send (not UTF-8, a `payload` that is not a JSON object, an
   interaction without the fields Bolt reads) is a 400 (`slack.envelope`), never a 500;
4. only then does Bolt see it, and if Bolt has not answered within `ACK_BUDGET` (a listener or
   a middleware waiting on a slow Slack), Slack gets its ack anyway and the work finishes in the
   background: Slack shows the user an error after 3 s and may retry the interaction.

Each refusal is a warning with its reason, never the body or a secret. This door exists only
when a signing secret is configured (`server.build_app`): without one nothing on HTTP can be
verified, so in Socket Mode without a secret there is no /slack/events at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from starlette.requests import Request
from starlette.responses import Response

from oec_chatops.adapters.receiver import read_limited, refuse
from oec_chatops.errors import MalformedPayload, WebhookRejected
from oec_chatops.slack.app import ChatopsApp
from oec_chatops.slack.envelope import Body, parse_slack_body
from oec_chatops.slack.signature import verify_slack_request

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from oec_chatops.metrics import Metrics
    from oec_chatops.services.runner import Runner

log = logging.getLogger(__name__)

MAX_SLACK_BODY = 1024 * 1024
"""Slack's requests are a few kilobytes (a modal's state at most tens); a megabyte is plenty."""

ACK_BUDGET = 2.0
"""Seconds Bolt may take before Slack is acked regardless: Slack gives up after 3 s, and the
network takes its share of those."""


class SlackDoor:
    """The HTTP door for Slack: verifies, checks the shape, hands the request to Bolt."""

    def __init__(
        self,
        *,
        metrics: Metrics,
        runner: Runner,
        app: AsyncApp,
        signing_secret: str,
        ack_budget: float = ACK_BUDGET,
    ) -> None:
        if not signing_secret:
            # An HMAC keyed with "" is one anybody can compute: refuse to build the door.
            raise ValueError("/slack/events needs a signing secret.")
        self._metrics = metrics
        self._runner = runner
        self._app = app
        self._secret = signing_secret
        self._budget = ack_budget

    def __repr__(self) -> str:
        return "SlackDoor(signing_secret=<hidden>)"

    async def handle(self, request: Request) -> Response:
        try:
            raw = await read_limited(request, MAX_SLACK_BODY)
            # Wall-clock time: Slack's timestamps are, and so is Bolt's own check behind ours.
            verify_slack_request(raw, request.headers, secret=self._secret, now=time.time())
            body = parse_slack_body(raw, request.headers.get("content-type"))
            bolt_request = _bolt_request(request, raw, body)
        except WebhookRejected as exc:
            return self._refuse(request, exc)
        return to_starlette_response(await self._dispatch(bolt_request))

    def _refuse(self, request: Request, exc: WebhookRejected) -> Response:
        return refuse(
            request,
            exc,
            metrics=self._metrics,
            source="slack",
            logger=log,
            event="slack.rejected",
            detail=str(exc),
        )

    async def _dispatch(self, bolt_request: AsyncBoltRequest) -> BoltResponse:
        """Bolt's answer, or an empty 200 once `ack_budget` has passed without one.

        The dispatch is a task of the runner, so one that outlives the answer is
        still awaited (and its errors logged) at shutdown. A command on `ChatopsApp`'s short
        path only queues its form before the ack, so it is dispatched directly.
        """
        if isinstance(self._app, ChatopsApp) and self._app.acks_at_once(bolt_request.body):
            return await self._app.async_dispatch(bolt_request)  # the hot path: no task for it
        task = self._runner.spawn(self._app.async_dispatch(bolt_request), name="slack-dispatch")
        done, _ = await asyncio.wait({task}, timeout=self._budget)
        if task in done:
            response: BoltResponse = task.result()
            return response
        log.warning(
            "slack.ack_late",
            extra={
                "budget_seconds": self._budget,
                "type": bolt_request.body.get("type") or bolt_request.body.get("command"),
            },
        )
        return BoltResponse(status=200, body="")


def _bolt_request(request: Request, raw: bytes, body: Body) -> AsyncBoltRequest:
    """Bolt's request for these verified bytes, carrying the body as we parsed it.

    Bolt parses again; where its guess differs from ours (a slash command whose text contains
    the word "payload" reads to Bolt as an empty interaction), ours wins: it is the form Slack
    signed. Anything Bolt cannot build a request from is a 400, not a 500.
    """
    try:
        bolt_request = AsyncBoltRequest(
            body=raw.decode("utf-8"),
            query=request.url.query,
            headers=dict(request.headers),
        )
        if bolt_request.body != body:
            bolt_request.body = body
            bolt_request.context = build_async_context(AsyncBoltContext({}), body)
    except Exception:  # Bolt's parsing of a body our checks let through: still the client's
        raise MalformedPayload("Slack's request could not be read.") from None
    return bolt_request
