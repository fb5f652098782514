"""Helpers for the operations tests: a Dockerfile reader, the bot as a subprocess, signed
webhook deliveries, and a loopback stand-in for Slack's Socket Mode.

No Docker engine and no Slack are reachable here, so each helper is the smallest honest
stand-in: the Dockerfile is read instruction by instruction, the bot runs as `python -m
oec_chatops serve` exactly as the image's CMD runs it, and Socket Mode talks to a real
WebSocket server on 127.0.0.1 that speaks Slack's envelope protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from aiohttp import web
from starlette.types import ASGIApp

from oec_chatops.oec.signing import sign_oec_v1
from oec_chatops.playground import (
    FakeSlack,
    build_fake_slack_app,
    seed_demo_workspace,
    serve_on_loopback,
)
from oec_chatops.sim import SimState, build_sim_app
from tests.support.stack import BOT_TOKEN, WEBHOOK_SECRET, sim_settings

ROOT = Path(__file__).resolve().parents[2]

# -- Dockerfile ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form CMD/ENTRYPOINT/VOLUME (after any --options)."""
        text = self.args
        start = text.index("[")
        value = json.loads(text[start:])
        assert isinstance(value, list)
        return [str(v) for v in value]

    def flags(self) -> dict[str, str]:
        """`--name=value` options at the start of the arguments."""
        out: dict[str, str] = {}
        for word in shlex.split(self.args):
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            out[name] = value
        return out


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for i in self.all("ENV"):
            for word in shlex.split(i.args):
                name, sep, value = word.partition("=")
                if sep:
                    values[name] = value
        return values


@dataclass
class Dockerfile:
    args: dict[str, str]  # global ARGs with their defaults
    stages: list[Stage]

    def resolve(self, text: str) -> str:
        for name, value in self.args.items():
            text = text.replace("${" + name + "}", value).replace("$" + name, value)
        return text


def parse_dockerfile(text: str) -> Dockerfile:
    """Instructions with continuation lines joined and comments dropped (enough for ours)."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = " ".join(args.split())
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif not stages:
            if keyword == "ARG":
                name, _, default = args.partition("=")
                global_args[name] = default
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return Dockerfile(args=global_args, stages=stages)


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip() and not x.strip().startswith("#")]


# -- the bot as a subprocess ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The test's variables on top of a clean environment (PATH and Python's own only)."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    return {**keep, "PYTHONUNBUFFERED": "1", **environ}


@dataclass
class BotProcess:
    proc: subprocess.Popen[bytes]
    url: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float) -> int:
        """The exit status, waiting at most `timeout` seconds (then the test fails)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"the bot did not exit within {timeout} s:\n{self.stderr()}")
            await asyncio.sleep(0.02)
        return int(self.proc.returncode)


@contextlib.asynccontextmanager
async def bot_process(
    environ: Mapping[str, str], *, tmp_path: Path, name: str = "bot", ready_timeout: float = 15.0
) -> AsyncIterator[BotProcess]:
    """`python -m oec_chatops serve` on a free loopback port, ready when /healthz answers."""
    port = free_port()
    stderr_path = tmp_path / f"{name}-{port}.stderr"
    with stderr_path.open("wb") as err:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once, then polled without blocking
            [sys.executable, "-m", "oec_chatops", "serve", "--host", "127.0.0.1"],
            env=child_environ({**environ, "PORT": str(port)}),
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=tmp_path,
        )
    bot = BotProcess(proc=proc, url=f"http://127.0.0.1:{port}", stderr_path=stderr_path)
    try:
        deadline = time.monotonic() + ready_timeout
        async with httpx.AsyncClient(timeout=1) as http:
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"the bot exited at start-up:\n{bot.stderr()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{bot.url}/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"the bot did not become healthy:\n{bot.stderr()}")
                await asyncio.sleep(0.05)
        yield bot
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@dataclass
class Outside:
    """The simulator and the fake Slack on loopback, without an in-process bot."""

    fake: FakeSlack
    slack_url: str
    sim: SimState
    sim_url: str


@contextlib.asynccontextmanager
async def outside_world(
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
) -> AsyncIterator[Outside]:
    """The simulator and the fake Slack; `wrap` puts something in front of the fake Slack."""
    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN))
    sim_app = build_sim_app(sim_settings())
    slack_app = build_fake_slack_app(fake)
    async with (
        serve_on_loopback(wrap(slack_app) if wrap else slack_app) as slack_url,
        serve_on_loopback(sim_app, lifespan="on") as sim_url,
    ):
        yield Outside(fake=fake, slack_url=slack_url, sim=sim_app.state.sim, sim_url=sim_url)


# -- signed webhook deliveries ---------------------------------------------------------------


def signed_delivery(
    payload: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    delivery_id: str | None = None,
    at: float | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A body and the headers oec.sh would send with it (oec-v1 scheme), signed `at` (now)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = sign_oec_v1(
        body,
        secrets=[secret],
        timestamp=int(time.time() if at is None else at),
        delivery_id=delivery_id or f"dlv_{uuid.uuid4().hex[:16]}",
        event=str(payload.get("event", "")),
    )
    return body, {"Content-Type": "application/json", **headers}


def status_event(*, project_id: str, env_id: str, env_name: str) -> dict[str, Any]:
    """An `environment.status_changed` delivery: one channel message per subscribed channel."""
    return {
        "event": "environment.status_changed",
        "data": {
            "project_id": project_id,
            "project_name": "acme-shop",
            "environment_id": env_id,
            "environment_name": env_name,
            "status": "running",
            "previous_status": "stopped",
        },
    }


# -- Socket Mode stand-in --------------------------------------------------------------------


class SocketModeStandIn:
    """Slack's side of Socket Mode on 127.0.0.1, in front of the fake Slack.

    `apps.connections.open` (app-level token only) answers with a `ws://` URL; the WebSocket
    says `hello` as Slack does and carries envelopes both ways. Every other Web API call, and
    response_url posts, are passed through to the fake Slack at `upstream`.
    """

    def __init__(self, *, app_token: str, scopes: str | None = None) -> None:
        self.app_token = app_token
        self.scopes = scopes  # sent as X-OAuth-Scopes on auth.test, as Slack does
        self.ws_url: str | None = None  # hand out another WebSocket URL (one nobody serves)
        self.upstream = ""
        self.url = ""
        self.opened = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: list[dict[str, Any]] = []
        self.connected = asyncio.Event()
        self._acked = asyncio.Condition()

    async def _open(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.app_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self.opened += 1
        url = self.ws_url or f"{self.url.replace('http', 'ws')}/link"
        return web.json_response({"ok": True, "url": url})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "standin", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0OECAPP"},
            }
        )
        self.connected.set()
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                async with self._acked:
                    self.acks.append(json.loads(message.data))
                    self._acked.notify_all()
        return ws

    async def _proxy(self, request: web.Request) -> web.Response:
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in {"authorization", "content-type"}
        }
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                self.upstream + request.path_qs,
                data=await request.read(),
                headers=headers,
            ) as answer,
        ):
            headers = {k: v for k, v in answer.headers.items() if k.lower() == "retry-after"}
            if self.scopes is not None and request.path == "/api/auth.test":
                headers["X-OAuth-Scopes"] = self.scopes
            return web.Response(
                body=await answer.read(),
                status=answer.status,
                content_type=answer.content_type,
                headers=headers,
            )

    async def send(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Push an envelope to the bot; returns its envelope_id."""
        envelope_id = uuid.uuid4().hex
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
            }
        )
        return envelope_id

    async def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout), self._acked:
            while True:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                await self._acked.wait()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_post("/api/apps.connections.open", self._open)
        app.router.add_get("/link", self._link)
        app.router.add_route("*", "/{tail:.*}", self._proxy)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self.url
        finally:
            for ws in self.sockets:
                await ws.close()
            await runner.cleanup()
