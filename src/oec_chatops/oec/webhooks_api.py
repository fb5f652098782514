"""oec.sh webhook registrations: list, create (with `X-Idempotency-Key`), delete and test."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oec_chatops.oec.arguments import check_idempotency_key
from oec_chatops.oec.models import Webhook, WebhookCreated, WebhookTestResult
from oec_chatops.oec.ratelimit import Budget
from oec_chatops.oec.resource import ResourceBase


class WebhooksApi(ResourceBase):
    """Webhook routes; writes count against both the write and the webhook budget."""

    async def list_webhooks(self) -> list[Webhook]:
        params = {"limit": 100, "offset": 0}
        return await self._list(Webhook, self._route("GET", "/webhooks"), params)

    async def get_webhook(self, webhook_id: str) -> Webhook:
        route = self._route("GET", "/webhooks/{webhook_id}", webhook_id=webhook_id)
        return await self._get(Webhook, route)

    async def create_webhook(
        self,
        *,
        url: str,
        events: Sequence[str],
        description: str | None = None,
        project_id: str | None = None,
        idempotency_key: str,
        format: str = "raw",
    ) -> WebhookCreated:
        """Register a webhook; the answer carries the signing secret, shown this once."""
        route = self._route("POST", "/webhooks")
        body: dict[str, Any] = {"url": url, "events": list(events), "format": format}
        body["is_active"] = True
        if description is not None:
            body["description"] = description
        if project_id is not None:
            body["project_id"] = project_id
        call = self._write_call(
            route,
            budgets=(Budget.WRITE, Budget.WEBHOOK),
            json=body,
            headers={"X-Idempotency-Key": check_idempotency_key(idempotency_key, route.endpoint)},
            retry_safe=True,
        )
        return await self._fetch(WebhookCreated, call)

    async def delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook and its delivery history. Not retried: a DELETE carries no key."""
        route = self._route("DELETE", "/webhooks/{webhook_id}", webhook_id=webhook_id)
        call = self._write_call(route, budgets=(Budget.WRITE, Budget.WEBHOOK), retry_safe=False)
        await self._session.send(call)

    async def test_webhook(self, webhook_id: str) -> WebhookTestResult:
        """Ask oec.sh to send a `ping`. Never retried: the POST has no idempotency key."""
        route = self._route("POST", "/webhooks/{webhook_id}/test", webhook_id=webhook_id)
        call = self._write_call(route, budgets=(Budget.WRITE,), retry_safe=False)
        return await self._fetch(WebhookTestResult, call)
