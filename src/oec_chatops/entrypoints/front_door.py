"""The demo bot's `/`: a link to the playground instead of a bare 404.

In the demo a person often opens the bot's port first (it is printed first of the three);
a 404 there reads as "broken". Only the demo wraps the bot with this: a real deployment's bot
has no page, and its `/` stays a 404.
"""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send


def front_door_page(playground_url: str) -> str:
    """The small page served at the demo bot's `/`."""
    url = html.escape(playground_url, quote=True)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>oec-chatops bot</title></head>"
        "<body><h1>This is the oec-chatops bot</h1>"
        "<p>It answers Slack (<code>/slack/events</code>) and oec.sh "
        "(<code>/webhooks/oec</code>); there is nothing to see here.</p>"
        f"<p>To try it, open the playground: <a href='{url}'>{url}</a></p></body></html>"
    )


def with_front_door(app: ASGIApp, playground_url: str) -> ASGIApp:
    """`app`, except that `GET /` (and `HEAD /`) answers with a link to the playground."""
    page = front_door_page(playground_url)

    async def front(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            await HTMLResponse(page)(scope, receive, send)
            return
        await app(scope, receive, send)

    return front
