"""The public API's webhook routes (CONTRACT.md §7.2, §9.9).

Creates, updates, deletes and secret rotations count against the webhook limit as well as the
write limit. A webhook this API does not know answers 404 in the top-level
`{"error", "message", "details"}` shape, one of the few routes that use it.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from oec_chatops.sim.delivery import Sender, ping
from oec_chatops.sim.errors import invalid
from oec_chatops.sim.gateway import Access, Call, Gateway, Reply
from oec_chatops.sim.paging import offset_page
from oec_chatops.sim.state import SimState, new_secret
from oec_chatops.sim.validation import (
    OffsetQuery,
    WebhookCreate,
    WebhookPatch,
    parse_body,
    parse_query,
)
from oec_chatops.sim.webhooks import Webhook, check_webhook_url


class WebhookApi:
    def __init__(self, state: SimState, sender: Sender) -> None:
        self.state = state
        self.sender = sender

    def _webhook(self, call: Call) -> Webhook:
        return self.state.webhook(call.path_id("webhook_id"))

    def _check_url(self, url: str) -> None:
        reason = check_webhook_url(url, allow_loopback=self.state.settings.allow_loopback_webhooks)
        if reason is not None:
            raise invalid(["body", "url"], reason, value=url)

    async def list(self, call: Call) -> Reply:
        q = parse_query(OffsetQuery, call.query)
        items = [w.to_json() for w in self.state.webhooks.webhooks.values()]
        return Reply(200, offset_page(items, limit=q.limit, offset=q.offset))

    async def get(self, call: Call) -> Reply:
        return Reply(200, self._webhook(call).to_json())

    async def create(self, call: Call) -> Reply:
        """201 with the signing `secret`, shown this once."""
        body = parse_body(WebhookCreate, call.raw_body)
        self._check_url(body.url)
        project_id = str(body.project_id) if body.project_id else None
        if project_id is not None:
            self.state.project(project_id)
        secret = self.state.settings.webhook_secret or new_secret()
        webhook = self.state.webhooks.create(
            now=self.state.now(),
            url=body.url,
            events=body.events,
            secret=secret,
            description=body.description,
            project_id=project_id,
            format=body.format,
            is_active=body.is_active,
        )
        return Reply(201, {**webhook.to_json(), "secret": secret})

    async def update(self, call: Call) -> Reply:
        webhook = self._webhook(call)
        body = parse_body(WebhookPatch, call.raw_body)
        if body.url is not None:
            self._check_url(body.url)
            webhook.url = body.url
        if body.events is not None:
            webhook.events = tuple(dict.fromkeys(body.events))
        if "description" in body.model_fields_set:
            webhook.description = body.description
        if body.format is not None:
            webhook.format = body.format
        if body.is_active is not None:
            webhook.is_active = body.is_active
        return Reply(200, webhook.to_json())

    async def delete(self, call: Call) -> Reply:
        self.state.webhooks.remove(self._webhook(call).id)
        return Reply(204)

    async def test(self, call: Call) -> Reply:
        """Send a signed `ping` now and say what the receiver answered; nothing is recorded."""
        return Reply(200, await ping(self.state, self.sender, self._webhook(call)))

    async def rotate_secret(self, call: Call) -> Reply:
        """A new secret; the old one stops working at once (§9.9)."""
        webhook = self._webhook(call)
        webhook.secret = new_secret()
        return Reply(200, {"secret": webhook.secret})

    async def deliveries(self, call: Call) -> Reply:
        webhook = self._webhook(call)
        return Reply(200, [d.to_json() for d in self.state.webhooks.history(webhook.id)])


def webhook_routes(state: SimState, gateway: Gateway, sender: Sender) -> list[BaseRoute]:
    api = WebhookApi(state, sender)
    g = gateway.endpoint
    read, write, change = Access.READ, Access.WRITE, Access.WEBHOOK_CHANGE
    return [
        Route("/webhooks", g(api.list, read), methods=["GET"]),
        Route(
            "/webhooks", g(api.create, change, idempotency="X-Idempotency-Key"), methods=["POST"]
        ),
        Route("/webhooks/{webhook_id}", g(api.get, read), methods=["GET"]),
        Route("/webhooks/{webhook_id}", g(api.update, change), methods=["PATCH"]),
        Route("/webhooks/{webhook_id}", g(api.delete, change), methods=["DELETE"]),
        Route("/webhooks/{webhook_id}/test", g(api.test, write), methods=["POST"]),
        Route(
            "/webhooks/{webhook_id}/rotate-secret", g(api.rotate_secret, change), methods=["POST"]
        ),
        Route("/webhooks/{webhook_id}/deliveries", g(api.deliveries, read), methods=["GET"]),
    ]
