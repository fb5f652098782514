"""All Bolt listeners, registered on one app: slash commands and approval interactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from oec_chatops.slack.approval_listeners import register_approvals
from oec_chatops.slack.command_listener import register_commands

if TYPE_CHECKING:
    from oec_chatops.container import Container


def register(app: AsyncApp, c: Container) -> None:
    register_commands(app, c)
    register_approvals(app, c)
