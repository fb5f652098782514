"""`oec-chatops workspace ...`: an operator sets each installed workspace's oec.sh key and policy.

Why a command on the bot's host and not a Slack modal: the oec.sh key is a full-access
credential for a whole oec.sh account. Read from standard input (never an argument, which
`ps` and shell history keep), sealed with `OEC_CHATOPS_ENCRYPTION_KEY` before it is stored, it
never passes through Slack at all; who may run it is whoever may run the bot. The policy is
checked (`policy.parse_policy`) before it replaces the old one, so a typo changes nothing.

    oec-chatops workspace new-key              a fresh OEC_CHATOPS_ENCRYPTION_KEY
    oec-chatops workspace list                 installed workspaces: key set? policy set?
    oec-chatops workspace set-key T0123ABC     the oec.sh key, read from standard input
    oec-chatops workspace set-policy T0123ABC policy.toml
    oec-chatops workspace set-webhook-secret T0123ABC   oec.sh's signing secret, from stdin
    oec-chatops workspace rotate-key           re-seal everything under the first key
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from oec_chatops.adapters.workspaces import Workspaces, check_team_id, open_workspaces
from oec_chatops.clock import SystemClock
from oec_chatops.config import Settings
from oec_chatops.errors import ConfigError
from oec_chatops.oec.client import OecClient
from oec_chatops.platforms import PlatformSecrets
from oec_chatops.secretbox import new_key
from oec_chatops.store import Store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ws = sub.add_parser("workspace", help="a multi-workspace install: keys and policies")
    wsub = ws.add_subparsers(dest="workspace_command", required=True)
    wsub.add_parser("new-key", help="print a fresh OEC_CHATOPS_ENCRYPTION_KEY")
    wsub.add_parser(
        "list", help="installed workspaces: whether each has a key, a policy, a webhook secret"
    )
    key = wsub.add_parser("set-key", help="set a workspace's oec.sh key (read from stdin)")
    key.add_argument("team_id", help="the workspace id, T...")
    pol = wsub.add_parser("set-policy", help="set a workspace's policy from a policy file")
    pol.add_argument("team_id", help="the workspace id, T...")
    pol.add_argument("file", type=Path, help="a policy file (see the README's Policy section)")
    hook = wsub.add_parser(
        "set-webhook-secret",
        help="set a workspace's oec.sh webhook signing secret(s), read from stdin "
        "(comma-separated while rotating; replaces those set before)",
    )
    hook.add_argument("team_id", help="the workspace id, T...")
    wsub.add_parser("rotate-key", help="re-seal stored secrets under the first encryption key")


def run(args: argparse.Namespace, settings: Settings | None, *, stdin: TextIO, out: TextIO) -> int:
    """Run one `workspace` command; `settings` is None only for `new-key` (needs none)."""
    if args.workspace_command == "new-key":
        print(new_key(), file=out)
        return 0
    if settings is None or not settings.oauth:
        raise ConfigError(
            "`oec-chatops workspace` manages a multi-workspace install: set SLACK_CLIENT_ID, "
            "SLACK_CLIENT_SECRET and OEC_CHATOPS_ENCRYPTION_KEY as the bot has them"
        )
    store = Store(settings.oec_chatops_db)
    try:
        workspaces = open_workspaces(
            settings, store=store, clock=SystemClock(), oec_client=_no_client
        )
        assert workspaces is not None  # settings.oauth
        return _command(args, workspaces, stdin=stdin, out=out)
    finally:
        store.close()


def _command(args: argparse.Namespace, ws: Workspaces, *, stdin: TextIO, out: TextIO) -> int:
    command = args.workspace_command
    if command == "list":
        for s in ws.summaries():
            print(
                f"{s.team_id}\t{s.team_name or '-'}\t"
                f"{'installed' if s.installed else 'not installed'}\t"
                f"key {'set' if s.has_key else 'MISSING'}\t"
                f"policy {'set' if s.has_policy else 'default (read-only)'}\t"
                f"webhook {'set' if s.has_webhook else 'MISSING (nothing posted)'}",
                file=out,
            )
        return 0
    if command == "rotate-key":
        print(f"re-sealed {ws.rotate()} secret(s) under the first key", file=out)
        return 0
    team = check_team_id(args.team_id)
    if command == "set-key":
        key = stdin.readline().strip()
        if not key:
            raise ConfigError("no key on standard input (pipe it in, or type it and Enter)")
        ws.set_key(team, key)
        print(f"oec.sh key set for {team} (sealed)", file=out)
    elif command == "set-webhook-secret":
        ws.set_webhook_secrets(team, [stdin.readline()])
        print(
            f"webhook secret set for {team} (sealed); oec.sh delivers to "
            f"<PUBLIC_URL>/webhooks/oec/{team}",
            file=out,
        )
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"policy file {args.file} cannot be read ({exc})") from None
        try:
            ws.set_policy(team, text)
        except ConfigError as exc:
            raise ConfigError(f"policy file {args.file}: {exc}") from None
        print(f"policy set for {team}", file=out)
    if not ws.installed(team):
        print(f"note: {team} has not installed the app yet (/slack/install)", file=out)
    return 0


def _no_client(secrets: PlatformSecrets | None) -> OecClient:
    raise ConfigError("`oec-chatops workspace` does not call oec.sh")
