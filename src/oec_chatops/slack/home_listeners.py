"""The App Home listener: `app_home_opened` draws the opener's Home tab.

Bolt acks an event by itself; the listener only marks the Home due and returns, and the
refresher publishes it (`services.home_refresh`), so a slow Slack or platform never delays the
ack. The same event arrives over HTTP (`/slack/events`) and over Socket Mode, through this one
listener. Opening the app's Messages tab fires the same event with `tab: messages`: ignored.
The Home is the workspace's the event came from (`team_id_var`, set by the Slack door in a
multi-workspace install; "" in a one-workspace bot).
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp

from oec_chatops.context import team_id_var


class HomeOpened(Protocol):
    def opened(self, user_id: str, team_id: str = "") -> None: ...


def register_home(app: AsyncApp, home: HomeOpened) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any]) -> None:
        user = event.get("user")
        if event.get("tab", "home") == "home" and isinstance(user, str) and user:
            home.opened(user, team_id_var.get())
