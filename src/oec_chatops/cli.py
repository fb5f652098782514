"""`oec-chatops`: serve, sim, check, webhooks register/list, db, workspace.

Every command reads its settings once; a bad setting prints one line naming the variable and
exits with status 2, without a traceback and without the value. So does a partial set of
credentials: `serve` runs the demo only when none is set. A SLACK_/OEC_ variable the bot does
not read (a misspelling, most likely) is named with a warning when the rest is complete.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from oec_chatops import __version__
from oec_chatops.config import Settings, load_settings, unknown_variables
from oec_chatops.domain import WEBHOOK_EVENTS_FOLLOWED
from oec_chatops.errors import ChatopsError, ConfigError
from oec_chatops.logs import configure_logging

log = logging.getLogger(__name__)

# On SIGTERM uvicorn stops accepting, lets requests in flight finish for up to this long, then
# runs the lifespan shutdown (flush the outbox, close the database): a few seconds in all, well
# inside Docker's and Kubernetes' default 10 s / 30 s grace before SIGKILL.
GRACEFUL_SECONDS = 3
SHUTDOWN_GRACE = 3.0

DEFAULT_EVENTS = WEBHOOK_EVENTS_FOLLOWED  # what `webhooks register` subscribes to by default


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="oec-chatops", description="Slack chatops for Odoo on oec.sh.")
    p.add_argument("--version", action="version", version=f"oec-chatops {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the bot (with no credentials set: the demo with simulator and playground)",
    )
    serve.add_argument(
        "--host", default=None, help="address to listen on (default HOST or 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=None, help="port (default PORT or 3000)")

    sim = sub.add_parser("sim", help="run a hosting platform's simulator alone")
    sim.add_argument(
        "--kind", choices=("oec", "ocore", "deployerp"), default="oec", help="which platform"
    )
    sim.add_argument("--token", action="append", default=[], help="oCore JWT (repeatable)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8080)
    sim.add_argument("--rw-key", action="append", default=[], help="full-access key (repeatable)")
    sim.add_argument("--ro-key", action="append", default=[], help="read-only key (repeatable)")
    sim.add_argument("--webhook-secret", default=None, help="secret to sign deliveries with")
    sim.add_argument(
        "--allow-loopback-webhooks",
        action="store_true",
        help="accept http://127.0.0.1 webhook URLs",
    )
    sim.add_argument("--task-seconds", type=float, default=8.0, help="how long a task takes")
    from oec_chatops.deployerp_sim import cli as derp_sim_cli

    derp_sim_cli.add_arguments(sim)

    sub.add_parser("check", help="validate the configuration and reach Slack and oec.sh")

    hooks = sub.add_parser("webhooks", help="manage the oec.sh webhook that feeds this bot")
    hsub = hooks.add_subparsers(dest="webhooks_command", required=True)
    reg = hsub.add_parser("register", help="create an oec.sh webhook pointing at this bot")
    reg.add_argument(
        "--url",
        default=None,
        help="https://<your bot>/webhooks/oec (default: PUBLIC_URL + /webhooks/oec)",
    )
    reg.add_argument("--events", nargs="+", default=list(DEFAULT_EVENTS))
    reg.add_argument("--project-id", default=None, help="limit to one project")
    reg.add_argument("--description", default="oec-chatops")
    reg.add_argument(
        "--team",
        default=None,
        help="a multi-workspace install: the workspace (T...) whose oec.sh key registers it, "
        "delivering to PUBLIC_URL/webhooks/oec/T...; its secret is stored sealed, not shown",
    )
    hsub.add_parser("list", help="list oec.sh webhooks")

    db = sub.add_parser("db", help="read the audit trail, deliveries and outbox (read-only)")
    db.add_argument("what", choices=("tables", "audit", "deliveries", "outbox"))
    db.add_argument("--db", type=Path, default=None, help="database file (default OEC_CHATOPS_DB)")
    db.add_argument("--since", default=None, help="only rows this recent: 90s, 30m, 2h, 7d")
    db.add_argument("--limit", type=int, default=50, help="newest rows to show (default 50)")
    db.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    for column in (
        "actor",
        "action",
        "result",
        "event",
        "env-id",
        "task-id",
        "state",
        "channel-id",
    ):
        db.add_argument(f"--{column}", default=None, help=f"only rows whose {column} is this")
    from oec_chatops.adapters import workspace_admin

    workspace_admin.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "sim":
            return _run_sim(args)
        if args.command == "db":
            return _db(args)
        if args.command == "workspace":
            from oec_chatops.adapters import workspace_admin

            needs = args.workspace_command != "new-key"
            return workspace_admin.run(
                args, load_settings() if needs else None, stdin=sys.stdin, out=sys.stdout
            )
        settings = load_settings()
        if args.command == "serve":
            return _serve(settings, host=args.host, port=args.port)
        if args.command == "check":
            from oec_chatops.adapters.check import run_check

            # The report says everything; the client's own warnings would only repeat it.
            configure_logging(level="ERROR", secrets=settings.secret_values())
            unknown = unknown_variables(named=settings.platform_variables())
            return asyncio.run(run_check(settings, out=sys.stdout, unknown=unknown))
        if args.command == "webhooks":
            from oec_chatops.adapters import webhook_admin

            # Client warnings (retries, refusals) go through the redacting filter, not bare.
            configure_logging(level="WARNING", fmt="text", secrets=settings.secret_values())
            _warn_unknown_variables(settings)
            if args.webhooks_command == "register" and (settings.oauth or args.team):
                return _register_for_team(settings, args)
            if args.webhooks_command == "register":
                url = args.url or settings.webhook_url
                if url is None:
                    raise ConfigError(
                        "where should oec.sh deliver? Give --url https://<your bot>/webhooks/oec, "
                        "or set PUBLIC_URL to the bot's address."
                    )
                return asyncio.run(
                    webhook_admin.register(
                        settings,
                        url=url,
                        events=args.events,
                        project_id=args.project_id,
                        description=args.description,
                        out=sys.stdout,
                    )
                )
            return asyncio.run(webhook_admin.list_webhooks(settings, out=sys.stdout))
    except ConfigError as exc:
        print(f"oec-chatops: configuration error: {exc}", file=sys.stderr)
        return 2
    except ChatopsError as exc:
        print(f"oec-chatops: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _register_for_team(settings: Settings, args: argparse.Namespace) -> int:
    """`webhooks register` in a multi-workspace install: one workspace's webhook, which it
    names (there is no install-wide key to register with, nor secret to verify with)."""
    from oec_chatops.adapters import webhook_admin

    if not settings.oauth:
        raise ConfigError("--team is for a multi-workspace install (SLACK_CLIENT_ID is not set)")
    if not args.team:
        raise ConfigError(
            "a multi-workspace install registers one webhook per workspace: "
            "give --team T... (see `oec-chatops workspace list`)"
        )
    return asyncio.run(
        webhook_admin.register_for_team(
            settings,
            args.team,
            url=args.url,
            events=args.events,
            project_id=args.project_id,
            description=args.description,
            out=sys.stdout,
        )
    )


def _db(args: argparse.Namespace) -> int:
    """`oec-chatops db`: needs only the database's path, so a bot missing a credential (the
    moment an operator most wants its audit trail) can still be inspected with --db."""
    from oec_chatops.adapters import db_inspect
    from oec_chatops.policy import parse_duration

    path = args.db if args.db is not None else load_settings().oec_chatops_db
    if not isinstance(path, Path):
        raise ConfigError(
            "oec-chatops db reads an SQLite file; OEC_CHATOPS_DB is a PostgreSQL URL: "
            "query it with psql (the tables are the same)"
        )
    since = None
    if args.since is not None:
        try:
            since = time.time() - parse_duration(args.since).total_seconds()
        except ValueError as exc:
            raise ConfigError(f"--since: {exc}") from None
    columns = ("actor", "action", "result", "event", "env_id", "task_id", "state", "channel_id")
    equals = {c: getattr(args, c) for c in columns if getattr(args, c) is not None}
    return db_inspect.run(
        path,
        args.what,
        since=since,
        equals=equals,
        limit=max(1, args.limit),
        as_json=args.json,
        out=sys.stdout,
    )


def _serve(settings: Settings, *, host: str | None, port: int | None) -> int:
    import uvicorn

    configure_logging(
        level=settings.log_level, fmt=settings.log_format, secrets=settings.secret_values()
    )
    _warn_unknown_variables(settings)
    host = host or settings.host
    port = settings.port if port is None else port
    if settings.embedded:
        from oec_chatops.entrypoints.embedded import run_embedded

        if host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"oec-chatops: no credentials are set, so this is the demo, listening on {host}: "
                "it has no login; set SLACK_BOT_TOKEN and OEC_API_KEY to run the real bot.",
                file=sys.stderr,
            )
        asyncio.run(run_embedded(settings, host=host, port=port))
        return 0
    from oec_chatops.container import build_container
    from oec_chatops.entrypoints.server import build_app

    app = build_app(build_container(settings), grace=SHUTDOWN_GRACE)
    # uvicorn handles SIGTERM itself (graceful shutdown), then re-raises it to the handler that
    # was installed before it ran, which by default kills the process with status 143. A
    # SIGTERM is how Docker and Kubernetes ask for a normal stop, so the shutdown that follows
    # is a success: leave a handler that lets `serve` return 0 instead.
    signal.signal(signal.SIGTERM, _stopped_by_signal)
    # Everything built so far lives as long as the process: move it out of the collector's
    # reach, so full collections under load scan only what requests create (they were the
    # 50-130 ms ack spikes in benchmarks/ack_latency.py; with this, 12-34 ms).
    gc.freeze()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return 0


def _warn_unknown_variables(settings: Settings) -> None:
    """Name each SLACK_/OEC_ variable the bot ignores (the platforms file's are read). `load_settings`
    already refused the configurations where one matters (a partial set, or one that would start
    the demo)."""
    for unknown in unknown_variables(named=settings.platform_variables()):
        log.warning(
            "config.unknown_variable",
            extra={"variable": unknown.name, "did_you_mean": unknown.suggestion},
        )


def _stopped_by_signal(signum: int, frame: object) -> None:
    """The SIGTERM handler uvicorn re-raises into after its graceful shutdown: nothing to do."""


def _run_sim(args: argparse.Namespace) -> int:
    import uvicorn

    from oec_chatops.sim import SimSettings, build_sim_app

    if args.kind == "deployerp":
        from oec_chatops.deployerp_sim import cli as derp_sim_cli

        return derp_sim_cli.run(args)
    configure_logging(secrets=[*args.rw_key, *args.ro_key, args.webhook_secret or ""])
    if args.kind == "ocore":
        from oec_chatops.ocore_sim.cli import run

        return run(args.host, args.port, args.token)
    if not args.rw_key and not args.ro_key:
        print("oec-chatops sim: give at least one --rw-key or --ro-key", file=sys.stderr)
        return 2
    settings = SimSettings(
        rw_keys=tuple(args.rw_key),
        ro_keys=tuple(args.ro_key),
        webhook_secret=args.webhook_secret,
        allow_loopback_webhooks=args.allow_loopback_webhooks,
        task_seconds=args.task_seconds,
    )
    uvicorn.run(
        build_sim_app(settings), host=args.host, port=args.port, log_config=None, access_log=False
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
