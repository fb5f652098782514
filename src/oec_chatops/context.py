"""The request id that follows one Slack or webhook request to the API call and the Slack message.

A `ContextVar`, so concurrent requests on one event loop never see each other's id, and code deep
in the client logs the id of the request that caused it without being handed it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def new_request_id() -> str:
    """A short random id, easy to read out of a Slack message and grep in the logs."""
    return "req_" + secrets.token_hex(6)


def current_request_id() -> str:
    """The id of the request being served, or a fresh one when there is none."""
    return request_id_var.get() or new_request_id()


WaitNotice = Callable[[str, float], None]

# Set by the command being served, so the API client can tell *that* user why and how long it
# waits ("waiting for oec.sh's rate limit budget: about 45 s", "oec.sh is rate limiting us;
# retrying in 30 s") without knowing about Slack. The notice must not block: it only schedules
# the message, since the limiter calls it while other requests queue behind it.
wait_notice_var: ContextVar[WaitNotice | None] = ContextVar("wait_notice", default=None)


def notify_wait(reason: str, wait_seconds: float) -> None:
    """Tell whoever is waiting (if anyone) that `reason` holds them for about `wait_seconds`."""
    notice = wait_notice_var.get()
    if notice is not None:
        notice(reason, wait_seconds)


async def notify_retry(reason: str, wait_seconds: float) -> None:
    """The API client's `on_retry` hook: pass the news to whoever is waiting, if anyone."""
    notify_wait(reason, wait_seconds)


# The Slack workspace (team id) a request came from, in a multi-workspace install: the Slack
# client posts with that workspace's token and the platform calls oec.sh with its key. Empty
# outside any workspace (one-workspace bots never set it), which in OAuth mode reaches nothing.
team_id_var: ContextVar[str] = ContextVar("team_id", default="")
