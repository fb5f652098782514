"""How fast the bot acks `/oec` slash commands while oec.sh takes 500 ms a call.

Next to it, in the same run, a bare Starlette endpoint that answers 200: absolute figures move
from machine to machine and run to run, the ratios are what to compare (PERF-NOTES.md).

    python benchmarks/ack_latency.py [--paced-requests 2000 --rate 200] [--requests 5000]

Each server gets two runs of signed `/oec status acme-shop/staging` commands:

- paced (latency): one command every 1/rate s whatever the answers do, latency counted from
  when each command was due; this is how Slack sends commands, and the ack p99 target is here;
- saturated (throughput): N connections, each sending its next command as soon as the last is
  answered; the throughput ratio target is here.

Layout, on loopback only:

- "world" (a subprocess): the oec.sh simulator with `latency_ms=500` and the fake Slack, with a
  response_url issued for every command to be sent;
- the bot (a subprocess): `python -m oec_chatops serve`, configured through its environment
  variables as an operator would, pointed at the world;
- the baseline (a subprocess): a bare Starlette app, served by uvicorn as the bot is;
- the load generator (this process): keep-alive connections on asyncio streams, sending
  commands signed as Slack signs them (httpx, used for the control calls, would measure
  itself: it tops out near 1,000 requests a second here).

With two or more CPUs the server under test gets CPU 0 and everything else CPU 1, as in
PERF-NOTES. Every command makes the bot call the simulator and then post the answer to the
fake Slack; that work queues behind the acks, so after the load the bot gets `--drain` seconds
to deliver, is asked to stop (SIGTERM, then SIGKILL after a deadline), and the world is
stopped. Every run is bounded by its count and `--time-limit`; the script ends by itself.
Exit status 0 when both targets are met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from children import free_port, stop_child

RW_KEY = "oec_live_rw_" + "B" * 20 + "e" * 23
RO_KEY = "oec_live_ro_" + "C" * 20 + "h" * 23
BOT_TOKEN = "xoxb-2222-3333-benchmarktoken"
SIGNING_SECRET = "b3nchmark5ecret0f32characters000"
CHANNEL = "C0DEPLOYS"
USER = "U0DEV1"
# Commands come from this many people: one person's commands are answered one after another
# (in the order typed), so a single sender would measure that order, not the bot's throughput.
USERS = 64
TEAM = "T0OECPLAY"
COMMAND_TEXT = "status acme-shop/staging"
POLICY = """
default_role = "viewer"
[roles]
deployers = ["S0DEVTEAM"]
"""
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


# -- what Slack sends --------------------------------------------------------------------------


def slash_body(text: str, response_url: str, n: int) -> bytes:
    """A slash command's form, fields in Slack's order."""
    return urlencode(
        [
            ("token", "legacy"),
            ("team_id", TEAM),
            ("team_domain", "oec-playground"),
            ("channel_id", CHANNEL),
            ("channel_name", "deploys"),
            ("user_id", f"{USER}{n % USERS:02d}"),
            ("user_name", "dev"),
            ("command", "/oec"),
            ("text", text),
            ("api_app_id", "A0OECAPP"),
            ("is_enterprise_install", "false"),
            ("response_url", response_url),
            ("trigger_id", f"{n}.{TEAM}.benchmark"),
        ]
    ).encode()


def slack_headers(body: bytes) -> dict[str, str]:
    """Signed now, exactly as Slack signs: v0 HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


# -- the load generator ------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs and reads the answer, and nothing more.

    Not httpx: on this kind of machine an httpx client tops out near 1,000 requests a second
    on its core, well below what a bare Starlette endpoint serves, so it would measure itself.
    Answers carry a Content-Length (Starlette always sets one); anything else is an error.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in slack_headers(body).items())
            + "\r\n"
        )
        self._writer.write(head.encode() + body)
        try:
            answer = await self._reader.readuntil(b"\r\n\r\n")
            status = int(answer[9:12])
            length = None
            for line in answer.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise ValueError("an answer without Content-Length")
            if length:
                await self._reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        return status

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


@dataclass
class Run:
    name: str
    latencies: list[float]  # seconds, of the 200 answers
    elapsed: float
    errors: dict[str, int]

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Target:
    """Where the load goes; counts what came back."""

    def __init__(self, url: str) -> None:
        parsed = httpx.URL(url)
        self.host, self.port, self.path = parsed.host, parsed.port or 80, parsed.raw_path.decode()

    def connections(self, n: int) -> list[Connection]:
        return [Connection(self.host, self.port) for _ in range(n)]


async def _send(conn: Connection, target: Target, body: bytes, since: float, run: Run) -> None:
    try:
        status = await conn.post(target.path, body)
    except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
        run.errors[type(exc).__name__] = run.errors.get(type(exc).__name__, 0) + 1
        return
    if status == 200:
        run.latencies.append(time.perf_counter() - since)
    else:
        run.errors[f"http_{status}"] = run.errors.get(f"http_{status}", 0) + 1


async def saturate(
    name: str, target: Target, bodies: Sequence[bytes], *, connections: int, time_limit: float
) -> Run:
    """Closed loop: each connection sends its next command as soon as the last one is answered.

    What a server can take: the throughput figure. Stops at the last body or the time limit.
    """
    run = Run(name, [], 0.0, {})
    conns = target.connections(connections)
    queue = iter(bodies)
    started = time.perf_counter()
    deadline = started + time_limit

    async def worker(conn: Connection) -> None:
        for body in queue:
            await _send(conn, target, body, time.perf_counter(), run)
            if time.perf_counter() > deadline:
                return

    try:
        await asyncio.gather(*(worker(c) for c in conns))
    finally:
        run.elapsed = time.perf_counter() - started
        for c in conns:
            c.close()
    return run


async def paced(
    name: str,
    target: Target,
    bodies: Sequence[bytes],
    *,
    rate: float,
    connections: int,
    time_limit: float,
) -> Run:
    """Open loop: one command every 1/rate s, whatever the answers do: the latency figure.

    Latency is counted from when a command was due, not from when a free connection took it,
    so a server that falls behind is charged for the wait (no coordinated omission).
    """
    run = Run(name, [], 0.0, {})
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for conn in target.connections(connections):
        idle.put_nowait(conn)
    pending: set[asyncio.Task[None]] = set()

    async def one(body: bytes, due: float) -> None:
        conn = await idle.get()
        try:
            await _send(conn, target, body, due, run)
        finally:
            idle.put_nowait(conn)

    started = time.perf_counter()
    try:
        for i, body in enumerate(bodies):
            due = started + i / rate
            if due - started > time_limit:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(body, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.wait(pending, timeout=time_limit)
    finally:
        for task in pending:
            task.cancel()
        run.elapsed = time.perf_counter() - started
        while not idle.empty():
            idle.get_nowait().close()
    return run


# -- processes ---------------------------------------------------------------------------------


def pin(pid: int, cpu: int) -> None:
    """Put a process on one CPU when there are at least two (Linux)."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {cpu})


@contextlib.contextmanager
def process(
    cmd: list[str], *, env: dict[str, str], log: Path, cpu: int, talks: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `cmd` (its stdout piped to us when it `talks`, else to its log); on the way out
    SIGTERM it, and SIGKILL it if it is still there after STOP_TIMEOUT."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter, this file, py-spy
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if talks else out,
            stderr=out,
        )
        pin(proc.pid, cpu)
        try:
            yield proc
        finally:
            stop_child(proc, timeout=STOP_TIMEOUT)


async def wait_ready(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{what} exited with status {proc.returncode} while starting")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code < 500:
                    return
            await asyncio.sleep(0.05)
    raise SystemExit(f"{what} did not start within {START_TIMEOUT:.0f} s")


def profiler(pid: int, output: str, tmp: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the bot from now until it exits, as collapsed stacks (`--profile`)."""
    local = Path(sys.executable).parent / "py-spy"
    cmd = [
        str(local) if local.exists() else "py-spy",
        "record",
        "--pid",
        str(pid),
        "--rate",
        "200",
        "--format",
        "raw",
    ]
    cmd += ["--output", output, "--nonblocking"]
    with (tmp / "py-spy.log").open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=out)  # noqa: S603 - py-spy on our child


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OEC_"))}
    env.update(extra)
    return env


# -- the roles run in subprocesses -------------------------------------------------------------


async def run_world(urls: int, latency_ms: int) -> None:
    """The outside world: simulator and fake Slack. Prints its addresses, then serves until told."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Mount, Route

    from oec_chatops.playground import FakeSlack, build_fake_slack_app, seed_demo_workspace
    from oec_chatops.playground import serve_on_loopback as serve
    from oec_chatops.sim import SimSettings, build_sim_app
    from oec_chatops.slack.command_answer import NOTE_EMOJI

    fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN, call_log_size=100))
    ids = [
        fake.issue_response_url(kind="command", channel_id=CHANNEL, user_id=USER)
        for _ in range(urls)
    ]
    sim_app = build_sim_app(
        SimSettings(
            rw_keys=(RW_KEY,),
            ro_keys=(RO_KEY,),
            read_limit=10_000_000,
            write_limit=10_000_000,
            task_seconds=8.0,
        )
    )
    sim_app.state.sim.faults.latency_ms = latency_ms
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    async def answered(request: Request) -> Response:
        """How many commands got their answer at the fake Slack: the notes a waiting command
        shows first (they carry NOTE_EMOJI) and repeats of an answer count for nothing."""
        count = len(
            {
                p.url_id
                for p in fake.responses()
                if p.via == "response_url" and p.status == 200 and NOTE_EMOJI not in str(p.body)
            }
        )
        return JSONResponse({"answered": count})

    slack_app = Starlette(
        routes=[Route("/_bench/answered", answered), Mount("/", app=build_fake_slack_app(fake))]
    )
    async with serve(slack_app) as slack_url, serve(sim_app, lifespan="on") as sim_url:
        print(json.dumps({"slack_url": slack_url, "sim_url": sim_url, "url_ids": ids}), flush=True)
        await stop.wait()


def run_bare(port: int) -> None:
    """The baseline: one route that answers 200, served as the bot's CLI serves the bot."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def ok(request: Request) -> Response:
        await request.body()
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        return Response(status_code=200)

    app = Starlette(
        routes=[Route("/slack/events", ok, methods=["POST"]), Route("/healthz", healthz)]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


# -- the measurement ---------------------------------------------------------------------------


@dataclass
class Delivery:
    answered: int
    seconds: float


async def count_answers(slack_url: str) -> int:
    async with httpx.AsyncClient(timeout=10.0) as client:
        r = await client.get(f"{slack_url}/_bench/answered")
        return int(r.json()["answered"])


async def wait_for_answers(slack_url: str, expected: int, limit: float) -> Delivery:
    """Wait (bounded) for the bot to deliver its answers; polls the fake Slack's count."""
    started = time.perf_counter()
    answered = 0
    while time.perf_counter() - started < limit:
        answered = await count_answers(slack_url)
        if answered >= expected:
            break
        await asyncio.sleep(0.5)
    return Delivery(answered, time.perf_counter() - started)


@contextlib.asynccontextmanager
async def world(args: argparse.Namespace, tmp: Path, urls: int) -> AsyncIterator[dict[str, Any]]:
    cmd = [sys.executable, __file__, "--role", "world", "--urls", str(urls)]
    cmd += ["--api-latency-ms", str(args.api_latency_ms)]
    with process(cmd, env=child_env(), log=tmp / "world.log", cpu=1, talks=True) as proc:
        assert proc.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), START_TIMEOUT)
        if not line:
            raise SystemExit(f"the world did not start; see {tmp / 'world.log'}")
        yield json.loads(line)


@dataclass
class Figures:
    """One server's two runs: paced (latency) and saturating (throughput)."""

    paced: Run
    saturated: Run


async def measure(target: Target, bodies: Sequence[bytes], args: argparse.Namespace) -> Figures:
    latency_bodies, throughput_bodies = bodies[: args.paced_requests], bodies[args.paced_requests :]
    latency = await paced(
        "paced",
        target,
        latency_bodies,
        rate=args.rate,
        connections=args.connections,
        time_limit=args.time_limit,
    )
    throughput = await saturate(
        "saturated",
        target,
        throughput_bodies,
        connections=args.connections,
        time_limit=args.time_limit,
    )
    return Figures(latency, throughput)


async def measure_bare(args: argparse.Namespace, tmp: Path) -> Figures:
    port = free_port()
    cmd = [sys.executable, __file__, "--role", "bare", "--port", str(port)]
    with process(cmd, env=child_env(), log=tmp / "bare.log", cpu=0) as proc:
        await wait_ready(f"http://127.0.0.1:{port}/healthz", proc, "the bare endpoint")
        target = Target(f"http://127.0.0.1:{port}/slack/events")
        body = slash_body(COMMAND_TEXT, "http://127.0.0.1:9/response/unused", 0)
        await saturate("warm-up", target, [body] * 500, connections=args.connections, time_limit=10)
        return await measure(target, [body] * (args.paced_requests + args.requests), args)


async def measure_bot(args: argparse.Namespace, tmp: Path) -> tuple[Figures, Delivery, int]:
    warm = 20
    sent = warm + args.paced_requests + args.requests
    async with world(args, tmp, sent) as w:
        port = free_port()
        (tmp / "policy.toml").write_text(POLICY)
        env = child_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=f"{w['slack_url']}/api/",
            OEC_API_KEY=RW_KEY,
            OEC_API_KEY_RO=RO_KEY,
            OEC_API_URL=f"{w['sim_url']}/api/public/v1",
            OEC_CHATOPS_DB=str(tmp / "bot.db"),
            OEC_CHATOPS_POLICY=str(tmp / "policy.toml"),
            LOG_LEVEL=args.log_level,
            LOG_FORMAT="json",
        )
        cmd = [sys.executable, "-m", "oec_chatops", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(port)]
        spy = None
        with process(cmd, env=env, log=tmp / "bot.log", cpu=0) as proc:
            await wait_ready(f"http://127.0.0.1:{port}/healthz", proc, "the bot")
            target = Target(f"http://127.0.0.1:{port}/slack/events")
            bodies = [
                slash_body(COMMAND_TEXT, f"{w['slack_url']}/response/{url_id}", n)
                for n, url_id in enumerate(w["url_ids"])
            ]
            # Warm-up: the bot learns its Slack identity, user groups, the environment list and
            # the API's rate-limit headers, as it would in its first minute of real use.
            await saturate("warm-up", target, bodies[:warm], connections=4, time_limit=10)
            await wait_for_answers(w["slack_url"], warm, limit=10)
            spy = profiler(proc.pid, args.profile, tmp) if args.profile else None
            figures = await measure(target, bodies[warm:], args)
            acked = figures.paced.ok + figures.saturated.ok
            delivery = await wait_for_answers(w["slack_url"], warm + acked, limit=args.drain)
        if spy is not None:  # it writes its samples once the bot has exited
            spy.wait(timeout=STOP_TIMEOUT)
        return figures, delivery, warm


def report(
    bare: Figures, bot: Figures, delivery: Delivery, warm: int, args: argparse.Namespace
) -> int:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:7.2f} ms"

    def row(name: str, r: Run) -> str:
        failed = f" ({sum(r.errors.values())} failed: {r.errors})" if r.errors else ""
        return (
            f"  {name:<5} {r.ok:>6} acks {r.throughput:>8.0f}/s   p50 {ms(r.percentile(0.5))}"
            f"   p99 {ms(r.percentile(0.99))}   max {ms(max(r.latencies, default=0.0))}{failed}"
        )

    print(
        f"\n/oec {COMMAND_TEXT!r}: oec.sh answers in {args.api_latency_ms} ms; "
        f"{os.cpu_count()} CPUs; loopback"
    )
    print(f"paced, {args.rate:g} commands/s (latency):")
    print(row("bare", bare.paced))
    print(row("bot", bot.paced))
    print(f"saturated, {args.connections} connections (throughput):")
    print(row("bare", bare.saturated))
    print(row("bot", bot.saturated))
    p99_ratio = bot.paced.percentile(0.99) / bare.paced.percentile(0.99)
    tp_ratio = bot.saturated.throughput / bare.saturated.throughput if bare.saturated.ok else 0.0
    print(f"ratios bot/bare: throughput {tp_ratio:.2f}, paced p99 {p99_ratio:.1f}x")
    acked = bot.paced.ok + bot.saturated.ok
    print(
        f"answers the bot delivered to Slack: {delivery.answered - warm} of {acked} within "
        f"{delivery.seconds:.0f} s of the last ack (each waits {args.api_latency_ms} ms on "
        "oec.sh; the rest were still queued when the bot was stopped)"
    )
    p99_ms = bot.paced.percentile(0.99) * 1000
    met_p99, met_tp = p99_ms < 50.0, tp_ratio >= 1 / 3
    print(
        f"targets: ack p99 < 50 ms {'met' if met_p99 else 'MISSED'} ({p99_ms:.1f} ms); "
        f"throughput >= 1/3 of bare {'met' if met_tp else 'MISSED'} ({tp_ratio:.2f})"
    )
    clean = not (bot.paced.errors or bot.saturated.errors)
    return 0 if (met_p99 and met_tp and clean) else 1


def keep_logs(tmp: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for log in tmp.glob("*.log"):
        (dest / log.name).write_bytes(log.read_bytes())


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="oec-bench-") as tmp_name:
        tmp = Path(tmp_name)
        pin(os.getpid(), 1)
        bare = await measure_bare(args, tmp)
        bot, delivery, warm = await measure_bot(args, tmp)
        if args.keep_logs:
            await asyncio.to_thread(keep_logs, tmp, Path(args.keep_logs))
        return report(bare, bot, delivery, warm, args)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument(
        "--requests", type=int, default=5000, help="commands sent as fast as answered (throughput)"
    )
    p.add_argument("--connections", type=int, default=32, help="concurrent connections")
    p.add_argument(
        "--paced-requests", type=int, default=2000, help="commands sent at --rate (latency)"
    )
    p.add_argument("--rate", type=float, default=200.0, help="commands a second when paced")
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds per run, at most")
    p.add_argument("--api-latency-ms", type=int, default=500, help="added to every oec.sh call")
    p.add_argument("--drain", type=float, default=10.0, help="seconds to wait for the answers")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument(
        "--profile", default=None, help="sample the bot with py-spy, collapsed stacks to this file"
    )
    p.add_argument("--keep-logs", default=None, help="copy the processes' logs to this folder")
    p.add_argument("--role", choices=["world", "bare"], help=argparse.SUPPRESS)
    p.add_argument("--urls", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.role == "world":
        asyncio.run(run_world(args.urls, args.api_latency_ms))
        return 0
    if args.role == "bare":
        run_bare(args.port)
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
