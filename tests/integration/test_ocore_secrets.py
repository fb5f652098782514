"""The oCore token never reaches logs, exception texts or reprs, even when a server echoes it."""

from __future__ import annotations

import logging

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from oec_chatops.clock import ManualClock
from oec_chatops.ocore import OcoreAdapter, OcoreClient, OcoreSettings, OcoreToken
from oec_chatops.oec.errors import OecError
from tests.support.ocore_helpers import FULL_TOKEN, SHOP_PROD, ocore_stack
from tests.support.sim_helpers import serve

# The JWT's signature part: unique to this token, so finding it anywhere is a leak.
SIGNATURE = FULL_TOKEN.rsplit(".", 1)[1]


def _echo_app() -> Starlette:
    """An oCore having a bad day that quotes the Authorization header back in every error."""
    answers = iter(
        [
            (401, "json", "error"),
            (403, "json", "message"),
            (404, "text", ""),
            (500, "text", ""),
            (500, "text", ""),
            (500, "text", ""),
            (302, "text", ""),
        ]
    )

    async def anything(request: Request) -> Response:
        status, kind, where = next(answers)
        header = request.headers.get("authorization", "")
        if status == 302:
            return Response(status_code=302, headers={"location": f"https://evil.test/?t={header}"})
        if kind == "json":
            body = {"error": "x", "message": "y", where: f"got {header}"}
            return JSONResponse(body, status)
        return PlainTextResponse(f"bad token {header}", status)

    return Starlette(routes=[Route("/api/{path:path}", anything, methods=["GET", "POST"])])


async def test_the_token_never_reaches_logs_errors_or_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(
        logging.DEBUG, logger="oec_chatops"
    )  # our logs; httpcore traces are off in the bot
    texts: list[str] = []
    async with serve(_echo_app()) as url:
        clock = ManualClock()
        client = OcoreClient.create(url + "/api", FULL_TOKEN, clock=clock, rand=lambda: 0.0)
        adapter = OcoreAdapter(client, clock=clock, settings=OcoreSettings())
        calls = [
            adapter.list_all_environments,
            adapter.list_all_environments,
            adapter.list_all_environments,
            adapter.list_all_environments,  # 500 three times: retried, then raised
            adapter.list_all_environments,
        ]
        for call in calls:
            with pytest.raises(OecError) as caught:
                await call()
            texts += [str(caught.value), repr(caught.value), caught.value.message]
        texts += [repr(adapter), repr(client), repr(OcoreToken.parse(FULL_TOKEN))]
        texts.append(str(OcoreToken.parse(FULL_TOKEN)))
        await client.aclose()
    texts.append(caplog.text)
    texts += [repr(r.__dict__) for r in caplog.records]
    assert "got Bearer [redacted]" in " ".join(texts)  # the echo was seen, and redacted
    for text in texts:
        assert SIGNATURE not in text


async def test_the_sim_request_log_records_no_token() -> None:
    async with ocore_stack() as stack:
        await stack.adapter.action("restart", SHOP_PROD, idempotency_key="k")
        assert SIGNATURE not in repr(await stack.requests())
        assert [r["tier"] for r in await stack.requests()] == ["manage"]


def test_a_malformed_token_is_refused_without_quoting_it() -> None:
    with pytest.raises(OecError) as caught:
        OcoreToken.parse("oec_live_rw_not-a-jwt-at-all-1234567890")
    assert "not-a-jwt" not in str(caught.value)
    assert "not a JWT" in str(caught.value)
