"""The HTTP face of `FakeSlack`: Slack's Web API under `/api/`, response_urls, admin routes.

Point slack_sdk at it with `AsyncWebClient(token=..., base_url="http://127.0.0.1:PORT/api/")`.
The token is read from `Authorization: Bearer` (how slack_sdk sends it) or from a `token`
form/query field (how Slack also accepts it), never from a JSON body, as Slack does.

`/oauth/v2/authorize` is Slack's consent page for an OAuth install, allowed at once for the
workspace named by `team` (`fake_oauth`).

`/_fake/...` lets a test drive a fake that runs in another process. It has no authentication:
it is a local development tool and must only listen on loopback.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from oec_chatops.playground.api_args import Refusal
from oec_chatops.playground.fake_slack import ApiAnswer, FakeSlack
from oec_chatops.playground.records import JsonDict

MAX_BODY = 1_000_000


class _BadRequest(Exception):
    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


def _answer(answer: ApiAnswer) -> Response:
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


async def _read_json_object(request: Request) -> JsonDict:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise _BadRequest("request_too_large", 413)
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _BadRequest("invalid_json") from None
    if not isinstance(parsed, dict):
        raise _BadRequest("invalid_json")
    return parsed


async def _read_api_args(request: Request) -> tuple[JsonDict, str | None]:
    """Merge query, form and JSON arguments; return them with the token the caller sent."""
    args: JsonDict = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await _read_json_object(request)
        body.pop("token", None)  # Slack ignores a token inside JSON: it must be in the header
        args.update(body)
    else:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise _BadRequest("request_too_large", 413)
        if raw and content_type in ("application/x-www-form-urlencoded", ""):
            try:
                args.update(parse_qsl(raw.decode(), keep_blank_values=True))
            except UnicodeDecodeError:
                raise _BadRequest("invalid_form_data") from None
        elif raw:
            raise _BadRequest("invalid_form_data")
    token = args.pop("token", None)
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        token = credentials.strip()
    elif scheme.lower() == "basic" and credentials.strip():
        # oauth.v2.access: the app's client id and secret, as HTTP Basic (how slack_sdk sends them)
        try:
            client_id, _, client_secret = (
                base64.b64decode(credentials.strip()).decode().partition(":")
            )
        except (ValueError, UnicodeDecodeError):
            raise _BadRequest("invalid_auth") from None
        args.update(client_id=client_id, client_secret=client_secret)
    return args, token if isinstance(token, str) else None


def build_fake_slack_app(fake: FakeSlack) -> Starlette:
    """The fake's routes, as one Starlette app (mountable under a prefix)."""
    return Starlette(routes=fake_slack_routes(fake))


def fake_slack_routes(fake: FakeSlack) -> list[Route]:
    """`/api/{method}`, `/response/{url_id}` and `/_fake/...`, for an app that adds its own."""

    async def web_api(request: Request) -> Response:
        method = request.path_params["method"]
        try:
            args, token = await _read_api_args(request)
        except _BadRequest as bad:
            return JSONResponse({"ok": False, "error": bad.error}, status_code=bad.status)
        return _answer(await fake.call(method, args, token=token))

    async def response_url(request: Request) -> Response:
        try:
            body = await _read_json_object(request)
        except _BadRequest as bad:
            return JSONResponse({"ok": False, "error": bad.error}, status_code=bad.status)
        return _answer(await fake.post_response(request.path_params["url_id"], body))

    async def authorize(request: Request) -> Response:
        """Slack's consent page, allowed at once: back to the app's redirect URL with a code."""
        query = request.query_params
        redirect_uri = fake.installs.redirect_for(
            query.get("client_id", ""), query.get("redirect_uri")
        )
        if not redirect_uri:
            return JSONResponse({"ok": False, "error": "bad_redirect_uri"}, status_code=400)
        me = fake.identity
        try:
            code = fake.installs.consent(
                client_id=query.get("client_id", ""),
                team_id=query.get("team") or me.team_id,
                team_name=query.get("team") or me.team_domain,
                user_id=query.get("user", "U0INSTALLER"),
                scope=query.get("scope", ""),
                redirect_uri=query.get("redirect_uri"),
                now=fake.clock.time(),
            )
        except Refusal as refusal:
            return JSONResponse(refusal.to_body(), status_code=400)
        back = urlencode({"code": code, "state": query.get("state", "")})
        return RedirectResponse(f"{redirect_uri}?{back}", status_code=302)

    return [
        Route("/oauth/v2/authorize", authorize, methods=["GET"]),
        Route("/api/{method}", web_api, methods=["GET", "POST"]),
        Route("/response/{url_id}", response_url, methods=["POST"]),
        *_admin_routes(fake),
    ]


def _admin_routes(fake: FakeSlack) -> list[Route]:
    """`/_fake/...`: the scenario controls and queries of `FakeSlack`, as JSON."""

    async def admin(request: Request) -> Response:
        action = request.path_params["action"]
        try:
            body = await _read_json_object(request) if request.method == "POST" else {}
            result = _run_admin(fake, request.method, action, body, dict(request.query_params))
        except _BadRequest as bad:
            return JSONResponse({"ok": False, "error": bad.error}, status_code=bad.status)
        except (LookupError, ValueError, TypeError) as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)
        return JSONResponse({"ok": True, **result})

    return [Route("/_fake/{action}", admin, methods=["GET", "POST"])]


def _run_admin(
    fake: FakeSlack, verb: str, action: str, body: JsonDict, query: dict[str, str]
) -> dict[str, Any]:
    def need(name: str) -> Any:
        if name not in body:
            raise _BadRequest(f"missing field: {name}")
        return body[name]

    if verb == "POST":
        if action == "rate_limit":
            fake.rate_limit(
                need("method"),
                retry_after=int(need("retry_after")),
                times=int(body.get("times", 1)),
                channel=body.get("channel"),
            )
        elif action == "fail":
            times = body.get("times")
            fake.fail(
                need("method"),
                error=str(need("error")),
                times=None if times is None else int(times),
                channel=body.get("channel"),
            )
        elif action == "down":
            down = body.get("down", True)
            fake.down(down if isinstance(down, bool) else float(down))
        elif action == "reset":
            fake.reset()
        elif action == "clear_scenarios":
            fake.clear_scenarios()
        elif action == "archive":
            fake.archive(str(need("channel")))
        elif action == "unarchive":
            fake.unarchive(str(need("channel")))
        elif action == "users":
            fake.add_user(
                str(need("id")),
                str(need("name")),
                real_name=body.get("real_name"),
                is_admin=bool(body.get("is_admin", False)),
                email=body.get("email"),
            )
        elif action == "usergroups":
            fake.add_usergroup(
                str(need("id")),
                str(need("handle")),
                list(body.get("users", [])),
                name=body.get("name"),
            )
        elif action == "channels":
            fake.add_channel(
                str(need("id")),
                str(need("name")),
                is_member=bool(body.get("is_member", True)),
                is_archived=bool(body.get("is_archived", False)),
                is_private=bool(body.get("is_private", False)),
            )
        else:
            raise _BadRequest("unknown_action", 404)
        return {"scenarios": fake.scenarios(), "version": fake.version}

    if action == "calls":
        return {"calls": [c.to_dict() for c in fake.calls(query.get("method"))]}
    if action == "messages":
        if "channel" not in query:
            raise _BadRequest("missing query parameter: channel")
        messages = fake.messages(query["channel"], include_deleted=True)
        return {"messages": [m.to_dict() for m in messages]}
    if action == "ephemerals":
        found = fake.ephemerals(query.get("user"), channel=query.get("channel"))
        return {"ephemerals": [e.to_dict() for e in found]}
    if action == "responses":
        return {"responses": [r.to_dict() for r in fake.responses()]}
    if action == "scenarios":
        return {"scenarios": fake.scenarios(), "version": fake.version}
    raise _BadRequest("unknown_action", 404)
