"""The request id that follows one Slack or webhook request to the API call and the Slack message.

A `ContextVar`, so concurrent requests on one event loop never see each other's id, and code deep
in the client logs the id of the request that caused it without being handed it.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def new_request_id() -> str:
    """A short random id, easy to read out of a Slack message and grep in the logs."""
    return "req_" + secrets.token_hex(6)


def current_request_id() -> str:
    """The id of the request being served, or a fresh one when there is none."""
    return request_id_var.get() or new_request_id()
