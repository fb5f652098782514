"""`build_bolt_app(container) -> AsyncApp`: Bolt configured for a fast ack, with our listeners."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from oec_chatops.slack import handlers

if TYPE_CHECKING:
    from oec_chatops.container import Container


def build_bolt_app(c: Container) -> AsyncApp:
    """The Bolt app. Signature verification is Bolt's (v0 HMAC, 5-minute window).

    `process_before_response=True` sends the ack as soon as the listener returns instead of
    after Bolt's 10 ms poll; our listeners return right after `ack()`.
    """
    secret = c.settings.slack_signing_secret
    app = AsyncApp(
        client=c.slack,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=secret is not None,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("oec_chatops.bolt"),
    )
    handlers.register(app, c)
    return app
