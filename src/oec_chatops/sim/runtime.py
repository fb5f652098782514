"""What a simulated environment's containers say and use: runtime logs and metrics (§9.2). Pure.

Both are functions of the environment, its latest deploy-type task and the instant asked for,
drawn from a random generator seeded by (environment, source, minute), so two calls in the same
minute read the same lines and a test can assert on them. Lines look like what Odoo's logger,
PostgreSQL and the Docker daemon really print, so the Slack rendering is tried on real shapes
(long werkzeug lines, quotes, `<` and `>` in SQL).
"""

from __future__ import annotations

import math
import random
import zlib
from datetime import UTC, datetime
from typing import Any

from oec_chatops.sim.records import Environment, Task
from oec_chatops.simkit.records import iso

MIB = 1024 * 1024
GIB = 1024 * MIB
LINE_SECONDS = 7.0  # a log line every ~7 s, going back from now

_CRON_JOBS = (
    "Mail: Email Queue Manager",
    "Base: Auto-vacuum internal data",
    "Calendar: Event Reminder",
    "Digest Emails",
)
_PATHS = (
    ("POST", "/web/dataset/call_kw/sale.order/web_read"),
    ("GET", "/web/webclient/version_info"),
    ("POST", "/mail/data"),
    ("GET", "/shop/cart?page=2"),
    ("POST", "/longpolling/poll"),
)

# A log line quoting SQL (with `<` and `>` for the Slack escaping), never executed anywhere.
_SLOW_QUERY = "SELECT id FROM stock_move WHERE date <= now() AND state <> 'done'"


def _rng(env: Environment, source: str, now: float) -> random.Random:
    return random.Random(zlib.crc32(f"{env.id}/{source}/{int(now // 60)}".encode()))


def database_name(env: Environment) -> str:
    return f"{env.name}-{env.id[:8]}"


def _odoo(rng: random.Random, stamp: datetime, db: str) -> str:
    at = stamp.strftime("%Y-%m-%d %H:%M:%S,") + f"{stamp.microsecond // 1000:03d}"
    pid = 7
    kind = rng.random()
    if kind < 0.55:
        method, path = rng.choice(_PATHS)
        ms = rng.uniform(0.003, 0.9)
        return (
            f"{at} {pid} INFO {db} werkzeug: 10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)} - - "
            f'[{stamp.strftime("%d/%b/%Y %H:%M:%S")}] "{method} {path} HTTP/1.1" 200 - '
            f"{rng.randint(1, 40)} {ms / 3:.3f} {ms:.3f}"
        )
    if kind < 0.8:
        job = rng.choice(_CRON_JOBS)
        return f"{at} {pid} INFO {db} odoo.addons.base.models.ir_cron: Job '{job}' ({rng.randint(1, 30)}) fully done (#loop 1; done 0; remaining 0; duration {rng.uniform(0.01, 2):.2f}s)"
    if kind < 0.93:
        return f"{at} {pid} INFO {db} odoo.models.unlink: User #{rng.randint(2, 40)} deleted mail.message records with IDs: [{rng.randint(1000, 99999)}]"
    return f"{at} {pid} WARNING {db} odoo.http: <function odoo.addons.web.controllers.home.web_client> called ignoring args {{'debug'}}"


def _postgres(rng: random.Random, stamp: datetime, db: str) -> str:
    at = stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d} UTC"
    pid = rng.randint(60, 4000)
    kind = rng.random()
    if kind < 0.4:
        return f"{at} [{pid}] LOG:  checkpoint complete: wrote {rng.randint(10, 900)} buffers ({rng.uniform(0, 3):.1f}%); 0 WAL file(s) added, 0 removed, 1 recycled"
    if kind < 0.7:
        return f'{at} [{pid}] LOG:  automatic vacuum of table "{db}.public.mail_message": index scans: 1'
    if kind < 0.9:
        ms = rng.uniform(1000, 4000)
        return f"{at} [{pid}] LOG:  duration: {ms:.3f} ms  statement: {_SLOW_QUERY}"
    return f"{at} [{pid}] LOG:  checkpoint starting: time"


def _container(rng: random.Random, stamp: datetime, db: str) -> str:
    at = stamp.isoformat(timespec="seconds").replace("+00:00", "Z")
    name = rng.choice(("odoo", "postgres"))
    return f"{at} container health_status: healthy (name={name}-{db})"


_SOURCES = {"odoo": _odoo, "postgres": _postgres, "container": _container}


def runtime_log(
    env: Environment, *, source: str, lines: int, now: float, last_task: Task | None
) -> list[str]:
    """The last `lines` lines of a container's log at `now`, oldest first.

    After a deploy-type task, the Odoo log shows the modules it updated and the container log
    shows the restart, at the time the task ended.
    """
    rng = _rng(env, source, now)
    db = database_name(env)
    write = _SOURCES[source]
    rendered: list[tuple[float, str]] = []
    for i in range(lines):
        at = now - i * LINE_SECONDS - rng.random()
        rendered.append((at, write(rng, datetime.fromtimestamp(at, UTC), db)))
    if last_task is not None and last_task.completed_at is not None:
        ended = last_task.completed_at
        if now - lines * LINE_SECONDS <= ended <= now:
            rendered.extend((ended, text) for text in _task_lines(source, last_task, ended, db))
    rendered.sort(key=lambda item: item[0])
    return [text for _, text in rendered][-lines:]


def _task_lines(source: str, task: Task, ended: float, db: str) -> list[str]:
    stamp = datetime.fromtimestamp(ended, UTC)
    if source == "container":
        at = stamp.isoformat(timespec="seconds").replace("+00:00", "Z")
        return [f"{at} container restart (name=odoo-{db})"]
    if source != "odoo" or not task.modules:
        return []
    at = stamp.strftime("%Y-%m-%d %H:%M:%S,000")
    names = ", ".join(task.modules)
    return [
        f"{at} 1 INFO {db} odoo.modules.loading: updating modules list",
        f"{at} 1 INFO {db} odoo.modules.loading: loading {len(task.modules)} modules... ({names})",
        f"{at} 1 INFO {db} odoo.modules.loading: Modules loaded.",
    ]


def metrics(env: Environment, *, now: float) -> dict[str, Any]:
    """`GET /environments/{id}/metrics`: containers are null unless the environment runs."""
    h = zlib.crc32(env.id.encode())
    wave = 0.5 + 0.5 * math.sin(now / 300.0 + h % 7)
    ram = (env.ram_mb or 2048) * MIB
    up = env.status in ("running", "deploying")
    odoo_limit, pg_limit = ram * 3 // 4, ram // 4
    odoo_used = int(odoo_limit * (0.35 + 0.4 * wave))
    pg_used = int(pg_limit * (0.3 + 0.3 * wave))
    allocated = env.disk_gb or 20
    measured = now - now % 300
    return {
        "environment_id": env.id,
        "status": env.status,
        "odoo": _container_figures("running", 4 + 55 * wave + h % 9, odoo_used, odoo_limit)
        if up
        else None,
        "postgres": _container_figures("running", 1 + 20 * wave, pg_used, pg_limit) if up else None,
        "disk": {
            "allocated_gb": allocated,
            "database_bytes": (300 + h % 1700) * MIB,
            "filestore_bytes": min(allocated * GIB // 2, (1 + h % 6) * GIB),
            "addons_bytes": (40 + h % 160) * MIB,
            "measured_at": iso(measured),
        },
        "queried_at": iso(now),
    }


def _container_figures(status: str, cpu: float, used: int, limit: int) -> dict[str, Any]:
    return {
        "status": status,
        "cpu_percent": round(cpu, 1),
        "memory_used_bytes": used,
        "memory_limit_bytes": limit,
        "memory_percent": round(100 * used / limit, 1) if limit else None,
    }
