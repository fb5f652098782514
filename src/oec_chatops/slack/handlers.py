"""All Bolt listeners, registered on one app: slash commands, approval interactions, App Home."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from oec_chatops.slack.approval_listeners import ClickDesk, register_approvals
from oec_chatops.slack.command_listener import register_commands
from oec_chatops.slack.home_listeners import HomeOpened, register_home

if TYPE_CHECKING:
    from oec_chatops.slack.command_desk import CommandDesk


def register(
    app: AsyncApp, *, commands: CommandDesk, clicks: ClickDesk, home: HomeOpened | None = None
) -> None:
    """Each listener gets the services it calls, never the whole container."""
    register_commands(app, commands)
    register_approvals(app, clicks)
    if home is not None:
        register_home(app, home)
