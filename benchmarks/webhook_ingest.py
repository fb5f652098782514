"""Webhook ingest throughput and p99, next to a bare Starlette endpoint; then delivery → Slack.

    python benchmarks/webhook_ingest.py [--seconds 5] [--connections 32] [--e2e 200]

Targets (issue 5): the receiver takes at least half of the bare endpoint's requests per second,
and a delivery reaches the fake Slack in under 100 ms (p50) while the outbox is idle.

Layout, on loopback only. Each server under test is a subprocess of this script (`--serve`),
served by uvicorn exactly as `oec-chatops serve` serves the bot, pinned to CPU 0; the load
generator and the outside world (fake Slack, simulator) run in this process on CPU 1.

1. bare: a Starlette app whose one route reads the body and answers 200.
2. ingest: the bot's real app (`build_app`) on a real SQLite file, logging at INFO as `serve`
   does, with its background workers off so that only the receiver is measured. Every request is
   a distinct `deploy.started` delivery, signed with `oec.signing` as oec.sh signs it, for a
   project a channel subscribes to: each one stores its delivery, its deployment and an outbox
   row in one group-committed transaction before the 200. Afterwards the script checks that
   every 200 is a row in the database (persist, then ack) and reads how many deliveries shared
   a commit.
3. end to end: the bot with its workers on (`python -m oec_chatops serve`, configured through
   its environment), the fake Slack and the simulator here. One delivery at a time, waiting for
   the message to appear in the fake Slack (and for the outbox to be idle again) before the next.

The load generator is a minimal HTTP/1.1 keep-alive client over asyncio streams (httpx costs
more client CPU per request than the bare server spends answering it). Every subprocess is
stopped with SIGTERM, then SIGKILL after a deadline; the script always ends by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from children import free_port, stop_child

from oec_chatops.oec.signing import sign_oec_v1

RW_KEY = "oec_live_rw_" + "B" * 20 + "w" * 23
RO_KEY = "oec_live_ro_" + "B" * 20 + "r" * 23
BOT_TOKEN = "xoxb-2222-3333-benchmarktoken"
SIGNING_SECRET = "b3nchmark5ecret0f32characters000"
WEBHOOK_SECRET = "bench-webhook-secret-0123456789"
CHANNEL = "C0DEPLOYS"
PROJECT_ID = "bench-project"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
PATH = "/webhooks/oec"


# -- the servers under test (run as `--serve bare|bot` in a subprocess) ------------------------


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {cpu})


def serve_bare(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def hook(request: Request) -> Response:
        await request.body()
        return Response(b'{"ok":true}', media_type="application/json")

    app = Starlette(routes=[Route(PATH, hook, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def serve_bot(port: int, *, workers: bool) -> None:
    """The bot's app as `oec-chatops serve` builds it, plus a stats route for this script."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from oec_chatops.config import load_settings
    from oec_chatops.container import build_container
    from oec_chatops.entrypoints.server import build_app
    from oec_chatops.logs import configure_logging

    settings = load_settings()
    configure_logging(
        level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
    )
    c = build_container(settings)
    app = build_app(c, start_workers=workers)

    async def stats(request: Request) -> JSONResponse:
        commits, writes = c.store.commit_stats
        return JSONResponse({"commits": commits, "writes": writes})

    app.router.routes.insert(0, Route("/_bench/stats", stats, methods=["GET"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


# -- subprocesses -------------------------------------------------------------------------------


@contextlib.contextmanager
def child(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "PYTHONPATH"}}
    with log.open("wb") as err:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, *args],
            env={**keep, **env},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield proc
    finally:
        stop_child(proc, timeout=STOP_TIMEOUT)


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


async def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=1, trust_env=False) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited at start-up:\n{tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                r = await http.post(url + PATH, content=b"{}")
                if r.status_code < 500:
                    return
            await asyncio.sleep(0.05)
    raise SystemExit(f"server did not start:\n{tail(log)}")


# -- what oec.sh sends ---------------------------------------------------------------------------


def delivery(task_id: str, *, env_id: str = "env-1", project_id: str = PROJECT_ID) -> bytes:
    body = orjson.dumps(
        {
            "id": f"dlv-{task_id}",
            "event": "deploy.started",
            "timestamp": "2026-01-01T00:00:00Z",
            "data": {
                "task_id": task_id,
                "environment_id": env_id,
                "environment_name": "staging",
                "project_id": project_id,
                "project_name": "Acme Shop",
                "status": "running",
                "type": "deploy",
                "branch": "main",
                "triggered_by": "ci@example.com",
                "url": "https://acme-shop-staging.apps.example.com",
            },
        }
    )
    headers = sign_oec_v1(
        body,
        secrets=[WEBHOOK_SECRET],
        timestamp=int(time.time()),
        delivery_id=f"dlv-{task_id}",
        event="deploy.started",
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body


def bare_request() -> bytes:
    return delivery("bare-task")  # same size and headers; the bare route ignores them


# -- the load generator ---------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def load(
    url: str,
    name: str,
    make: Callable[[], bytes],
    *,
    seconds: float,
    warmup: float,
    connections: int,
) -> Run:
    """`connections` keep-alive connections, each sending one request after the other."""
    host, port = url.removeprefix("http://").split(":")
    run = Run(name)
    measuring = False
    stop = False

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while not stop:
                request = make()
                started = time.perf_counter()
                status = await _exchange(reader, writer, request)
                if measuring:
                    run.latencies.append(time.perf_counter() - started)
                    run.statuses[status] = run.statuses.get(status, 0) + 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(connections)]
    await asyncio.sleep(warmup)
    measuring = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    measuring = False
    run.seconds = time.perf_counter() - started
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return run


# -- phases ---------------------------------------------------------------------------------------


def bot_environ(tmp: Path, *, slack_url: str, sim_url: str, db: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{slack_url}/api/",
        "OEC_API_KEY": RW_KEY,
        "OEC_API_KEY_RO": RO_KEY,
        "OEC_API_URL": f"{sim_url}/api/public/v1",
        "OEC_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "OEC_CHATOPS_DB": str(db),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }


def subscribe(db: Path, project_id: str, label: str) -> None:
    from oec_chatops.store import Store

    store = Store(db)
    try:
        store.subscriptions.add(
            channel_id=CHANNEL,
            project_id=project_id,
            project_label=label,
            env_glob="*",
            events=("deploy.*", "environment.status_changed"),
            created_by="U0ADMIN",
            now=time.time(),
        )
    finally:
        store.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), to report CPU per request."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    make: Callable[[], bytes]
    runs: list[Run] = field(default_factory=list)
    cpu_per_request: list[float] = field(default_factory=list)

    def merged(self) -> Run:
        run = Run(self.name)
        for r in self.runs:
            run.seconds += r.seconds
            run.latencies += r.latencies
            for status, n in r.statuses.items():
                run.statuses[status] = run.statuses.get(status, 0) + n
        return run

    def median_rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)


async def phase_throughput(
    tmp: Path, args: argparse.Namespace
) -> tuple[Server, Server, dict[str, int], int]:
    """Both servers up at once, measured in alternating rounds: a machine whose load drifts
    (other jobs on a shared host) then moves both figures alike, and the ratio holds."""
    db = tmp / "ingest.db"
    subscribe(db, PROJECT_ID, "acme-shop")
    env = bot_environ(tmp, slack_url="http://127.0.0.1:9", sim_url="http://127.0.0.1:9", db=db)
    bare_port, bot_port = free_port(), free_port()
    request = bare_request()
    with (
        child([__file__, "--serve", "bare", "--port", str(bare_port)], {}, tmp / "bare.log") as b,
        child([__file__, "--serve", "bot", "--port", str(bot_port)], env, tmp / "bot.log") as k,
    ):
        bare = Server("bare Starlette", f"http://127.0.0.1:{bare_port}", b, lambda: request)
        bot = Server(
            "webhook ingest",
            f"http://127.0.0.1:{bot_port}",
            k,
            lambda: delivery(uuid.uuid4().hex),
        )
        await wait_ready(bare.url, b, tmp / "bare.log")
        await wait_ready(bot.url, k, tmp / "bot.log")
        for _ in range(args.rounds):
            for server in (bare, bot):
                cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
                run = await load(
                    server.url,
                    server.name,
                    server.make,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    connections=args.connections,
                )
                busy = cpu_seconds(server.proc.pid) - cpu0
                total = sum(run.statuses.values()) or 1
                # Requests of the warm-up count too: CPU was spent on them inside the window.
                window = time.perf_counter() - t0
                server.cpu_per_request.append(busy / (total * window / run.seconds))
                server.runs.append(run)
        async with httpx.AsyncClient(trust_env=False) as http:
            stats = (await http.get(bot.url + "/_bench/stats")).json()
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    conn.close()
    if outbox != stored:
        raise SystemExit(f"every delivery should have queued one outbox row: {outbox} != {stored}")
    acked = bot.merged().ok
    if stored < acked:
        raise SystemExit(f"{acked - stored} acknowledged deliveries are not in the database")
    return bare, bot, stats, int(stored)


async def phase_e2e(tmp: Path, args: argparse.Namespace) -> tuple[list[float], list[float]]:
    from oec_chatops.playground import (
        FakeSlack,
        build_fake_slack_app,
        seed_demo_workspace,
        serve_on_loopback,
    )
    from oec_chatops.sim import SimSettings, build_sim_app

    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN))
    sim_app = build_sim_app(
        SimSettings(rw_keys=(RW_KEY,), ro_keys=(RO_KEY,), read_limit=100_000, write_limit=100_000)
    )
    sim = sim_app.state.sim
    env = next(e for p in sim.projects.values() for e in sim.environments_of(p.id))
    project = sim.project(env.project_id)
    db = tmp / "e2e.db"
    subscribe(db, project.id, project.slug)

    arrived: dict[str, float] = {}

    def on_change(_change: Any) -> None:
        for m in fake.messages(CHANNEL, include_replies=False)[-3:]:
            key = (m.metadata or {}).get("event_payload", {}).get("key", "")
            if key and key not in arrived:
                arrived[key] = time.perf_counter()

    fake.subscribe(on_change)
    e2e: list[float] = []
    acks: list[float] = []
    async with (
        serve_on_loopback(build_fake_slack_app(fake)) as slack_url,
        serve_on_loopback(sim_app, lifespan="on") as sim_url,
    ):
        port = free_port()
        log = tmp / "e2e.log"
        environ = {**bot_environ(tmp, slack_url=slack_url, sim_url=sim_url, db=db)}
        environ["PORT"] = str(port)
        # The bot as an operator runs it, workers and all.
        with child(["-m", "oec_chatops", "serve", "--host", "127.0.0.1"], environ, log) as proc:
            url = f"http://127.0.0.1:{port}"
            await wait_ready(url, proc, log)
            host, port_s = url.removeprefix("http://").split(":")
            reader, writer = await asyncio.open_connection(host, int(port_s))
            try:
                for i in range(args.e2e + 5):
                    task_id = str(uuid.uuid4())
                    request = delivery(task_id, env_id=env.id, project_id=project.id)
                    started = time.perf_counter()
                    status = await _exchange(reader, writer, request)
                    acked = time.perf_counter()
                    if status != 200:
                        raise SystemExit(f"delivery answered {status}:\n{tail(log)}")
                    key = f"dep:{task_id}"
                    async with asyncio.timeout(10):
                        while key not in arrived:  # noqa: ASYNC110 - woken by the fake's feed
                            await asyncio.sleep(0.0005)
                    if i >= 5:  # the first few warm the connections up
                        e2e.append(arrived[key] - started)
                        acks.append(acked - started)
                    # Idle outbox: the tracker's follow-up (oec.sh does not know these tasks,
                    # so it marks each one and the message is updated) lands before the next.
                    await asyncio.sleep(0.03)
            finally:
                writer.close()
    return e2e, acks


def ms(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


async def main(args: argparse.Namespace) -> int:
    _pin(1)
    with tempfile.TemporaryDirectory(prefix="oec-bench-") as tmp_s:
        tmp = Path(tmp_s)
        bare, bot, stats, stored = await phase_throughput(tmp, args)
        e2e, acks = await phase_e2e(tmp, args)

    ratio = bot.median_rps() / bare.median_rps()
    batch = stats["writes"] / stats["commits"] if stats["commits"] else 0.0
    print(
        f"cpus: {os.cpu_count()}; servers on CPU 0, load generator on CPU 1; "
        f"{args.connections} connections; {args.rounds} alternating rounds of {args.seconds:g} s"
    )
    print(
        f"{'':16} {'req/s (median)':>15} {'rounds':>24} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'CPU us/req':>10} {'errors':>6}"
    )
    for server in (bare, bot):
        r = server.merged()
        errors = sum(n for s, n in r.statuses.items() if not 200 <= s < 300)
        rounds = " ".join(f"{x.rps:.0f}" for x in server.runs)
        cpu = statistics.median(server.cpu_per_request) * 1e6
        print(
            f"{server.name:16} {server.median_rps():15.0f} {rounds:>24} {r.pct(0.5):7.2f} "
            f"{r.pct(0.99):7.2f} {cpu:10.0f} {errors:6}"
        )
    print(f"ingest / bare: {ratio:.2f}  (target >= 0.50: {'met' if ratio >= 0.5 else 'MISSED'})")
    print(
        f"group commit: {stats['writes']} writes in {stats['commits']} commits "
        f"({batch:.1f} deliveries per commit); {stored} deliveries stored, each with its "
        f"outbox row, none acknowledged and missing"
    )
    p50 = ms(e2e, 0.5)
    print(
        f"delivery -> fake Slack ({len(e2e)} deliveries, idle outbox): p50 {p50:.1f} ms, "
        f"p90 {ms(e2e, 0.9):.1f} ms, p99 {ms(e2e, 0.99):.1f} ms, mean "
        f"{statistics.fmean(e2e) * 1000:.1f} ms; its ack p50 {ms(acks, 0.5):.2f} ms  "
        f"(target p50 < 100 ms: {'met' if p50 < 100 else 'MISSED'})"
    )
    return 0 if ratio >= 0.5 and p50 < 100 else 1


def cli() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=2.0, help="measured seconds per round")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds per server")
    p.add_argument("--warmup", type=float, default=0.3)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--e2e", type=int, default=200, help="deliveries timed end to end")
    p.add_argument("--serve", choices=["bare", "bot"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve == "bare":
        _pin(0)
        serve_bare(args.port)
        return 0
    if args.serve == "bot":
        _pin(0)
        serve_bot(args.port, workers=False)
        return 0
    return asyncio.run(main(args))


if __name__ == "__main__":
    raise SystemExit(cli())
