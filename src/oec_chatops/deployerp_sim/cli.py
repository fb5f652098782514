"""`oec-chatops sim --kind deployerp`: the deployERP simulator alone, on one port.

    oec-chatops sim --kind deployerp --write-key derp_sk_w... --read-key derp_sk_r... \\
        --webhook-url http://127.0.0.1:8000/webhooks/derp --webhook-secret whsec_...

The API is then at `http://<host>:<port>/v1`, its control routes at `/_sim/`. Keys and the
secret are configured at start and never logged.
"""

from __future__ import annotations

import argparse
import sys

from oec_chatops.logs import configure_logging


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The deployERP-only options of `sim` (`--webhook-secret`, `--host`, `--port` are shared)."""
    for level in ("read", "write", "admin"):
        parser.add_argument(
            f"--{level}-key",
            action="append",
            default=[],
            help=f"deployERP: a key with the {level.title()} level (repeatable)",
        )
    parser.add_argument(
        "--webhook-url", action="append", default=[], help="deployERP: deliver webhooks here"
    )
    parser.add_argument(
        "--hourly-limit", type=int, default=1000, help="deployERP: requests per hour per key"
    )
    parser.add_argument(
        "--burst-limit", type=int, default=100, help="deployERP: requests per minute per key"
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from oec_chatops.deployerp_sim import DerpSimSettings, build_derp_sim_app

    keys = [*args.read_key, *args.write_key, *args.admin_key]
    configure_logging(secrets=[*keys, args.webhook_secret or ""])
    if not keys:
        print(
            "oec-chatops sim --kind deployerp: give at least one --read-key, --write-key or --admin-key",
            file=sys.stderr,
        )
        return 2
    try:
        settings = DerpSimSettings(
            read_keys=tuple(args.read_key),
            write_keys=tuple(args.write_key),
            admin_keys=tuple(args.admin_key),
            webhook_urls=tuple(args.webhook_url),
            webhook_secret=args.webhook_secret,
            action_seconds=args.task_seconds,
            hourly_limit=args.hourly_limit,
            burst_limit=args.burst_limit,
        )
    except ValueError as exc:
        print(f"oec-chatops sim --kind deployerp: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        build_derp_sim_app(settings),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
    )
    return 0
