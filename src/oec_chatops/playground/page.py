"""The playground page and its JSON routes: Slack in a browser tab, for trying the bot locally.

`build_playground_app(playground)` serves, on one origin, the fake Slack Web API the bot calls
(`/api/`, `/response/`, `/_fake/`), the page (`/`, `/static/`), and the page's routes:

| Route | Body / query | What it does |
|---|---|---|
| `GET /_play/state` | `?user=&channel=` | `page_state`: what this person sees in this channel |
| `GET /_play/events` | - | server-sent events, one per visible change (`page_feed`) |
| `POST /_play/command` | `{"user", "channel", "text": "/oec ..."}` | a signed slash command |
| `POST /_play/click` | `{"user", "channel", "ts", "action_id", "ephemeral"?}` | a signed click |
| `POST /_play/submit` | `{"user", "view_id", "values"}` | a signed `view_submission` |
| `POST /_play/home` | `{"user"}` | the person opens the app's Home tab (`app_home_opened`) |
| `POST /_play/home/click` | `{"user", "block_id", "action_id"}` | a signed click in their Home |
| `POST /_play/close` | `{"view_id"}` | the person closes a modal |
| `GET/POST /_play/sim/faults` | fault fields | the simulator's faults (`sim_proxy`) |
| `POST /_play/sim/reset` | - | the simulator's faults off |

Every action goes to the bot through `SlackUserAgent`, exactly as Slack sends it (signed,
with a `response_url` and `trigger_id`), so the bot cannot tell the page from Slack. The routes
have no authentication, like `/_fake/`: the playground listens on loopback only. They accept
JSON bodies only, which a cross-site form cannot send without a CORS preflight that is never
granted, so another web page cannot click around in the demo.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from oec_chatops.playground.demo import DEMO_PEOPLE, Persona
from oec_chatops.playground.fake_slack import FakeSlack
from oec_chatops.playground.page_feed import change_events
from oec_chatops.playground.page_state import CommandHint, page_state
from oec_chatops.playground.records import JsonDict
from oec_chatops.playground.sim_proxy import SimAnswer, SimProxy, SimUnreachable
from oec_chatops.playground.slack_api import fake_slack_routes
from oec_chatops.playground.slack_client import SlackUserAgent

STATIC = Path(__file__).parent / "static"
MAX_BODY = 100_000
NO_CACHE = {"Cache-Control": "no-store"}


class PageError(Exception):
    """A request the page routes refuse; `message` is shown on the page as it is."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Playground:
    """The page's server side: the fake Slack it shows, and where the person's actions go.

    Built before the bot runs (the bot needs this server's URL first); `connect()` then hands
    it the `SlackUserAgent` pointed at the bot, and the simulator's URL for the fault buttons.
    Until then, actions answer 503. `aclose()` ends the live feeds so the server can stop.
    """

    def __init__(
        self,
        fake: FakeSlack,
        *,
        people: Sequence[Persona] = DEMO_PEOPLE,
        hints: Sequence[CommandHint] = (),
        examples: Sequence[str] = (),
        command: str = "/oec",
        home_channel: str = "C0DEPLOYS",
        keepalive: float = 15.0,
    ) -> None:
        self.fake = fake
        self.people = tuple(people)
        self.hints = tuple(hints)
        self.examples = tuple(examples)
        self.command = command
        self.home_channel = home_channel
        self.keepalive = keepalive
        self.closing = asyncio.Event()
        self._agent: SlackUserAgent | None = None
        self._sim: SimProxy | None = None
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"Playground(connected={self._agent is not None}, sim={self._sim!r})"

    def connect(self, agent: SlackUserAgent, *, sim_url: str | None = None) -> None:
        """Send the page's actions through `agent`; fault buttons reach `sim_url` when given."""
        self._agent = agent
        if sim_url is not None:
            if self._http is None:
                self._http = httpx.AsyncClient(timeout=10.0)
            self._sim = SimProxy(sim_url, self._http)

    async def aclose(self) -> None:
        """End every live feed and close the simulator client; the agent belongs to the caller."""
        self.closing.set()
        if self._http is not None:
            await self._http.aclose()

    @property
    def agent(self) -> SlackUserAgent:
        if self._agent is None:
            raise PageError("The bot is not connected to the playground yet.", 503)
        return self._agent

    @property
    def sim(self) -> SimProxy:
        if self._sim is None:
            raise PageError("No oec.sh simulator is connected to this playground.", 503)
        return self._sim


def build_playground_app(playground: Playground) -> Starlette:
    """The fake Slack's routes, the page, and the page's routes, as one Starlette app."""
    return Starlette(
        routes=[
            *fake_slack_routes(playground.fake),
            *page_routes(playground),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )


Handler = Callable[[Request], Awaitable[Response]]


def _answers_errors(handler: Handler) -> Handler:
    async def serve(request: Request) -> Response:
        try:
            return await handler(request)
        except PageError as exc:
            return JSONResponse({"ok": False, "error": exc.message}, exc.status, NO_CACHE)
        except LookupError as exc:
            return JSONResponse({"ok": False, "error": str(exc).strip("'\"")}, 404, NO_CACHE)

    return serve


async def _json_body(request: Request) -> JsonDict:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise PageError("Send JSON (Content-Type: application/json).", 415)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PageError("The request is too large.", 413)
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PageError("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise PageError("The body must be a JSON object.")
    return body


def _text(body: JsonDict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PageError(f"{name} must be a non-empty string.")
    return value.strip()


def _ok(data: JsonDict | None = None) -> JSONResponse:
    return JSONResponse({"ok": True, **(data or {})}, headers=NO_CACHE)


def _bot_answer(response: httpx.Response) -> JSONResponse:
    """What the bot's HTTP answer means to the person, as Slack would tell them."""
    if response.status_code == 200:
        return _ok({"status": 200})
    return JSONResponse(
        {
            "ok": False,
            "status": response.status_code,
            "error": f"The app answered HTTP {response.status_code}; Slack would show "
            '"dispatch_failed".',
        },
        502,
        NO_CACHE,
    )


def _sim_answer(answer: SimAnswer) -> JSONResponse:
    return JSONResponse(answer.body, answer.status, NO_CACHE)


def page_routes(pg: Playground) -> list[BaseRoute]:
    """The page itself and the JSON routes its JavaScript calls."""

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=NO_CACHE)

    async def state(request: Request) -> Response:
        user = request.query_params.get("user") or (
            pg.people[0].user_id if pg.people else pg.fake.users()[0].user_id
        )
        channel = request.query_params.get("channel") or pg.home_channel
        return _ok(
            page_state(
                pg.fake,
                user_id=user,
                channel_id=channel,
                people=pg.people,
                hints=pg.hints,
                examples=pg.examples,
            )
        )

    async def events(request: Request) -> Response:
        return StreamingResponse(
            change_events(pg.fake, closing=pg.closing, keepalive=pg.keepalive),
            media_type="text/event-stream",
            headers={**NO_CACHE, "X-Accel-Buffering": "no"},
        )

    async def command(request: Request) -> Response:
        body = await _json_body(request)
        user, channel, line = _text(body, "user"), _text(body, "channel"), _text(body, "text")
        name, _, rest = line.partition(" ")
        if name != pg.command:
            raise PageError(
                f"Only {pg.command} is installed in this workspace: try `{pg.command} help`."
            )
        response = await _reach_bot(
            pg.agent.command(rest.strip(), user_id=user, channel_id=channel, command=name)
        )
        return _bot_answer(response)

    async def click(request: Request) -> Response:
        body = await _json_body(request)
        user, channel = _text(body, "user"), _text(body, "channel")
        ts, action_id = _text(body, "ts"), _text(body, "action_id")
        message = (
            pg.fake.ephemeral(ts) if body.get("ephemeral") is True else pg.fake.message(channel, ts)
        )
        return _bot_answer(await _reach_bot(pg.agent.click(message, action_id, user_id=user)))

    async def home(request: Request) -> Response:
        body = await _json_body(request)
        return _bot_answer(await _reach_bot(pg.agent.open_home(_text(body, "user"))))

    async def home_click(request: Request) -> Response:
        body = await _json_body(request)
        user, block_id = _text(body, "user"), _text(body, "block_id")
        clicked = pg.agent.click_home(user, _text(body, "action_id"), block_id=block_id)
        return _bot_answer(await _reach_bot(clicked))

    async def submit(request: Request) -> Response:
        body = await _json_body(request)
        user, view_id = _text(body, "user"), _text(body, "view_id")
        values = body.get("values", {})
        if not isinstance(values, dict):
            raise PageError("values must be an object: {block_id: {action_id: {...}}}.")
        response = await _reach_bot(pg.agent.submit_view(view_id, values=values, user_id=user))
        if response.status_code != 200:
            return _bot_answer(response)
        return _ok({"status": 200, "errors": _view_errors(response.content)})

    async def close(request: Request) -> Response:
        body = await _json_body(request)
        pg.fake.close_view(_text(body, "view_id"))
        return _ok()

    async def faults(request: Request) -> Response:
        changes = await _json_body(request) if request.method == "POST" else None
        try:
            return _sim_answer(await pg.sim.faults(changes))
        except SimUnreachable as exc:
            raise PageError(str(exc), 502) from exc

    async def reset(request: Request) -> Response:
        await _json_body(request)
        try:
            return _sim_answer(await pg.sim.reset())
        except SimUnreachable as exc:
            raise PageError(str(exc), 502) from exc

    routed: list[tuple[str, Handler, list[str]]] = [
        ("/", index, ["GET"]),
        ("/_play/state", state, ["GET"]),
        ("/_play/events", events, ["GET"]),
        ("/_play/command", command, ["POST"]),
        ("/_play/click", click, ["POST"]),
        ("/_play/submit", submit, ["POST"]),
        ("/_play/home", home, ["POST"]),
        ("/_play/home/click", home_click, ["POST"]),
        ("/_play/close", close, ["POST"]),
        ("/_play/sim/faults", faults, ["GET", "POST"]),
        ("/_play/sim/reset", reset, ["POST"]),
    ]
    return [Route(path, _answers_errors(h), methods=verbs) for path, h, verbs in routed]


async def _reach_bot(request: Awaitable[httpx.Response]) -> httpx.Response:
    """The bot's answer to a request the page made as a user; a page error if it is down."""
    try:
        return await request
    except httpx.HTTPError as exc:
        raise _unreachable(exc) from exc


def _unreachable(exc: httpx.HTTPError) -> PageError:
    return PageError(
        f'The app did not answer ({type(exc).__name__}); Slack would show "dispatch_failed".',
        502,
    )


def _view_errors(content: bytes) -> dict[str, Any] | None:
    """The field errors of a `response_action: errors` answer; None when the modal closed."""
    try:
        answer = json.loads(content) if content.strip() else {}
    except json.JSONDecodeError:
        return None
    if isinstance(answer, dict) and answer.get("response_action") == "errors":
        errors = answer.get("errors")
        return errors if isinstance(errors, dict) else None
    return None
