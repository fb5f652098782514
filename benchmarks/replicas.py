"""One replica or two: webhook ingest and outbox throughput on PostgreSQL, and on SQLite.

    python benchmarks/replicas.py [--seconds 3] [--connections 32] [--posts 100]

In one run, beside a bare Starlette endpoint (the ceiling of the HTTP stack alone):

1. ingest: signed `deploy.started` deliveries, each persisted (delivery, deployment, outbox
   rows; one group-committed transaction) before its 200, on SQLite, on PostgreSQL with one
   replica, and with two replicas sharing the load (round robin over the connections, as a
   load balancer would). Workers off: only the receiver is measured.
2. outbox: the rows `--posts` deliveries queued for 8 subscribed channels (posts go out one at
   a time per channel, so 8 channels let two replicas work side by side), drained to the fake
   Slack (pacing off) by one replica, then by two: rows sent per second.

Prints the two/one ratios (the issue's target is at least 1.6) and where a request's time goes:
CPU per request of the bot and of the bare endpoint (the difference is the app), the signature
check alone, and PostgreSQL's own CPU per request. Replicas are pinned one per CPU; the load
generator, PostgreSQL and the fake Slack run on the same CPUs, so on a 2-core machine two
replicas compete with everything else, and the ratio says so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import timeit
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from children import free_port
from webhook_ingest import (
    BOT_TOKEN,
    CHANNEL,
    PROJECT_ID,
    WEBHOOK_SECRET,
    Run,
    bare_request,
    bot_environ,
    child,
    cpu_seconds,
    delivery,
    load,
    serve_bare,
    serve_bot,
    wait_ready,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the PG cluster

CHANNELS = [CHANNEL, *(f"C0BENCH{i}" for i in range(7))]
PIN = [1]  # [-1] with --no-pin: the replicas are not pinned


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(0, {cpu})


def subscribe_all(db: str, channels: list[str]) -> None:
    from oec_chatops.store import Store

    store = Store(db)
    try:
        for channel in channels:
            store.subscriptions.add(
                channel_id=channel,
                project_id=PROJECT_ID,
                project_label="acme-shop",
                env_glob="*",
                events=("deploy.*",),
                created_by="U0ADMIN",
                now=time.time(),
            )
    finally:
        store.close()


@contextlib.contextmanager
def replicas(
    n: int, db: str, tmp: Path, *, workers: bool, slack_url: str, sim_url: str
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    env = bot_environ(tmp, slack_url=slack_url, sim_url=sim_url, db=Path("x"))
    env["OEC_CHATOPS_DB"] = db
    env["OEC_CHATOPS_SLACK_POSTS_PER_SECOND"] = "0"
    env["OEC_CHATOPS_SLACK_UPDATES_PER_MINUTE"] = "0"
    env["LOG_LEVEL"] = "WARNING"
    with contextlib.ExitStack() as stack:
        out = []
        for i in range(n):
            port = free_port()
            args = [
                __file__,
                "--serve",
                "bot",
                "--port",
                str(port),
                "--cpu",
                str(i if PIN[0] > 0 else -1),
            ]
            if workers:
                args.append("--workers")
            proc = stack.enter_context(child(args, env, tmp / f"r{i}.log"))
            out.append((f"http://127.0.0.1:{port}", proc))
        yield out


async def ingest(urls: list[str], args: argparse.Namespace) -> Run:
    """The same total connections, split over the replicas."""
    share = max(1, args.connections // len(urls))
    runs = await asyncio.gather(
        *(
            load(
                u,
                u,
                lambda: delivery(uuid.uuid4().hex),
                seconds=args.seconds,
                warmup=args.warmup,
                connections=share,
            )
            for u in urls
        )
    )
    total = Run("all", seconds=max(r.seconds for r in runs))
    for r in runs:
        total.latencies += r.latencies
        for status, k in r.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + k
    return total


def postgres_cpu(cluster_pid: int | None) -> float:
    """CPU seconds of every PostgreSQL process (the postmaster's children included)."""
    if cluster_pid is None:
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if int(entry.name) == cluster_pid or ppid == cluster_pid:
                    total += cpu_seconds(int(entry.name))
    return total


def _postmaster_pid(datadir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int((datadir / "postmaster.pid").read_text().split()[0])
    return None


async def phase_ingest(tmp: Path, pg: object, args: argparse.Namespace) -> dict[str, float]:
    from tests.support.postgres import Cluster

    assert isinstance(pg, Cluster)
    pm = _postmaster_pid(pg.datadir)
    results: dict[str, float] = {}
    bare_port = free_port()
    request = bare_request()
    with child([__file__, "--serve", "bare", "--port", str(bare_port)], {}, tmp / "bare.log") as b:
        url = f"http://127.0.0.1:{bare_port}"
        await wait_ready(url, b, tmp / "bare.log")
        c0 = cpu_seconds(b.pid)
        run = await load(
            url,
            "bare",
            lambda: request,
            seconds=args.seconds,
            warmup=args.warmup,
            connections=args.connections,
        )
        results["bare"] = run.rps
        results["bare_cpu_ms"] = 1000 * (cpu_seconds(b.pid) - c0) / max(1, run.ok)
    cases = [("sqlite", str(tmp / "bench.db"), 1), ("pg x1", "", 1), ("pg x2", "", 2)]
    for name, db, n in cases:
        target = db or pg.fresh_database()
        subscribe_all(target, [CHANNEL])  # as webhook_ingest.py: one channel, one outbox row
        with replicas(n, target, tmp, workers=False, slack_url=url, sim_url=url) as reps:
            for i, (u, proc) in enumerate(reps):
                await wait_ready(u, proc, tmp / f"r{i}.log")
            pids = [proc.pid for _, proc in reps]
            cpu0 = sum(cpu_seconds(pid) for pid in pids)
            pg0 = postgres_cpu(pm)
            run = await ingest([u for u, _ in reps], args)
            results[name] = run.rps
            ok = max(1, sum(run.statuses.values()))
            results[f"{name}_cpu_ms"] = 1000 * (sum(cpu_seconds(p) for p in pids) - cpu0) / ok
            results[f"{name}_db_ms"] = 1000 * (postgres_cpu(pm) - pg0) / ok if db == "" else 0.0
            results[f"{name}_p99_ms"] = run.pct(0.99)
            bad = {s: k for s, k in run.statuses.items() if s != 200}
            if bad:
                print(f"  {name}: non-200 answers {bad}")
    return results


async def phase_outbox(tmp: Path, pg: object, args: argparse.Namespace) -> dict[str, float]:
    """Queue the rows with the workers off, then time one replica, then two, draining them."""
    from tests.support.postgres import Cluster

    from oec_chatops.playground import (
        FakeSlack,
        build_fake_slack_app,
        seed_demo_workspace,
        serve_on_loopback,
    )

    assert isinstance(pg, Cluster)
    results: dict[str, float] = {}
    for name, n in (("pg x1", 1), ("pg x2", 2)):
        fake = seed_demo_workspace(FakeSlack(bot_token=BOT_TOKEN))
        for channel in CHANNELS[1:]:
            fake.add_channel(channel, channel.lower())
        db = pg.fresh_database()
        subscribe_all(db, CHANNELS)
        async with serve_on_loopback(build_fake_slack_app(fake)) as slack_url:
            with replicas(1, db, tmp, workers=False, slack_url=slack_url, sim_url=slack_url) as r:
                await wait_ready(r[0][0], r[0][1], tmp / "r0.log")
                async with httpx.AsyncClient(trust_env=False) as http:
                    for _ in range(args.posts):
                        raw = delivery(uuid.uuid4().hex)
                        head, _, body = raw.partition(b"\r\n\r\n")
                        headers = dict(
                            line.split(": ", 1) for line in head.decode().split("\r\n")[1:]
                        )
                        await http.post(r[0][0] + "/webhooks/oec", content=body, headers=headers)
            rows = args.posts * len(CHANNELS)

            def count(f: FakeSlack = fake) -> int:
                return sum(len(f.messages(c, include_replies=False)) for c in CHANNELS)

            with replicas(n, db, tmp, workers=True, slack_url=slack_url, sim_url=slack_url) as r:
                for i, (u, proc) in enumerate(r):
                    await wait_ready(u, proc, tmp / f"r{i}.log")
                # Timed from when every replica answers (start-up is not sending), in CPU too:
                # the replicas', and this process's (the fake Slack answering them).
                started, first = time.perf_counter(), count()
                cpu0 = [cpu_seconds(proc.pid) for _, proc in r]
                here0 = cpu_seconds(os.getpid())
                deadline = started + 120
                while (sent := count()) < rows and time.perf_counter() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
                elapsed = time.perf_counter() - started
                done = max(1, sent - first)
                spent = sum(cpu_seconds(proc.pid) for _, proc in r) - sum(cpu0)
                results[f"{name}_cpu_ms"] = 1000 * spent / done
                results[f"{name}_slack_ms"] = 1000 * (cpu_seconds(os.getpid()) - here0) / done
        sent -= first
        results[name] = sent / elapsed
        results[f"{name}_sent"] = sent
    return results


def measure_signing() -> float:
    """Milliseconds to verify one delivery's signature (what every request pays before the DB)."""
    from oec_chatops.oec.signing import sign_oec_v1

    body = delivery("sig")[-600:]
    n = 2000
    took = timeit.timeit(
        lambda: sign_oec_v1(
            body, secrets=[WEBHOOK_SECRET], timestamp=1, delivery_id="d", event="e"
        ),
        number=n,
    )
    return 1000 * took / n


async def main(args: argparse.Namespace) -> int:
    from tests.support.postgres import running_cluster

    with tempfile.TemporaryDirectory() as d, running_cluster() as pg:
        if pg is None:
            print("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): nothing to compare")
            return 1
        tmp = Path(d)
        ing = await phase_ingest(tmp, pg, args)
        out = await phase_outbox(tmp, pg, args)
    sig = measure_signing()
    print(f"cores: {os.cpu_count()}; {args.connections} connections; {args.seconds}s per case")
    print("ingest (requests/s, persisted before the 200):")
    for name in ("bare", "sqlite", "pg x1", "pg x2"):
        extra = ""
        if name != "bare":
            extra = (
                f"  p99 {ing[f'{name}_p99_ms']:.1f} ms; bot CPU {ing[f'{name}_cpu_ms']:.2f} ms/req"
                f"; PostgreSQL CPU {ing[f'{name}_db_ms']:.2f} ms/req"
            )
        print(f"  {name:8} {ing[name]:8.0f}{extra}")
    print(f"  bare CPU {ing['bare_cpu_ms']:.2f} ms/req; signature (HMAC) {sig:.3f} ms/req")
    ingest_ratio = ing["pg x2"] / ing["pg x1"]
    outbox_ratio = out["pg x2"] / out["pg x1"]
    print("outbox (rows sent per second, pacing off):")
    for name in ("pg x1", "pg x2"):
        print(
            f"  {name:8} {out[name]:8.0f}  ({out[f'{name}_sent']:.0f} rows timed); bot CPU "
            f"{out[f'{name}_cpu_ms']:.2f} ms/row; fake Slack CPU {out[f'{name}_slack_ms']:.2f} ms/row"
        )
    print(f"two replicas / one: ingest {ingest_ratio:.2f}, outbox {outbox_ratio:.2f} (target 1.6)")
    return 0


def cli() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--warmup", type=float, default=0.3)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--posts", type=int, default=100, help="deliveries queued for the outbox")
    p.add_argument("--serve", choices=["bare", "bot"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--cpu", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument(
        "--no-pin", action="store_true", help="let the OS place the replicas (default: one a core)"
    )
    p.add_argument("--workers", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve == "bare":
        _pin(0)
        serve_bare(args.port)
        return 0
    if args.serve == "bot":
        if args.cpu >= 0:
            _pin(args.cpu)
        serve_bot(args.port, workers=args.workers)
        return 0
    if args.no_pin:
        PIN[0] = -1
    return asyncio.run(main(args))


if __name__ == "__main__":
    raise SystemExit(cli())
