"""All Bolt listeners, registered on one app: slash commands and approval interactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from oec_chatops.slack.approval_listeners import ClickDesk, register_approvals
from oec_chatops.slack.command_listener import register_commands

if TYPE_CHECKING:
    from oec_chatops.slack.command_desk import CommandDesk


def register(app: AsyncApp, *, commands: CommandDesk, clicks: ClickDesk) -> None:
    """Each listener gets the services it calls, never the whole container."""
    register_commands(app, commands)
    register_approvals(app, clicks)
