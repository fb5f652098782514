"""The outbox's own Slack client: one HTTP request per call, every failure classified.

slack_sdk's default retry handler sends a request again after a lost connection; for
`chat.postMessage`, which has no idempotency key, that is a second message whenever the first
one got through. The outbox therefore calls Slack through a client without retry handlers (on
the container's shared session, so the session's timeout applies) and retries by itself, after
looking up any post of unknown outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.metrics import Metrics
from oec_chatops.services.outbox.outcomes import SlackCallFailed, classify


class OutboxSlack:
    """Slack calls for the outbox: `await call("chat.update", channel, lambda slack: slack.chat_update(...))`."""

    def __init__(
        self,
        shared: AsyncWebClient,
        metrics: Metrics,
        *,
        clock: Clock,
        on_answer: Callable[[str, str, float], None] | None = None,
    ) -> None:
        self._shared = shared
        self._metrics = metrics
        self._clock = clock
        self._on_answer = on_answer  # (method, channel, seconds it took): for the pacing
        self._client = _FollowingClient(
            shared, base_url=shared.base_url, timeout=shared.timeout, retry_handlers=[]
        )

    async def call(
        self, method: str, channel: str, make: Callable[[AsyncWebClient], Awaitable[Any]]
    ) -> Any:
        """Run one call about `channel`; raise `SlackCallFailed` saying what its failure proves."""
        # The container opens the shared session when the workers start: follow it.
        self._client.session = self._shared.session
        sent = self._clock.monotonic()
        try:
            response = await make(self._client)
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            failure = classify(method, exc)
            self._metrics.slack_calls.labels(method, _metric_label(failure.error)).inc()
            raise SlackCallFailed(failure) from exc
        finally:
            if self._on_answer is not None:
                self._on_answer(method, channel, self._clock.monotonic() - sent)
        self._metrics.slack_calls.labels(method, "ok").inc()
        return response


class _FollowingClient(AsyncWebClient):
    """A client whose token is the shared client's, read at each call: in a multi-workspace
    install that is the token of the workspace the row's channel belongs to."""

    def __init__(self, shared: AsyncWebClient, **kwargs: Any) -> None:
        self._shared = shared
        super().__init__(**kwargs)

    @property
    def token(self) -> str | None:
        token: str | None = self._shared.token
        return token

    @token.setter
    def token(self, value: str | None) -> None:
        """slack_sdk assigns the constructor's token (None): the shared client's counts."""


def _metric_label(error: str) -> str:
    return "unreachable" if error.startswith("slack ") else error
