"""`/oec audit [<project/env>] [--since 7d] [--page N]`: the audit trail, for admins.

The command's own check (`policy.required_role`) keeps it to admins: the trail names people
and what they did. `--since` is read by the policy's duration parser (`90m`, `7d`, `1d12h`),
so it accepts what `protected.expires` accepts; the environment is resolved like any other
(`services.resolver`), and rows are matched on the label they were written with.

In a multi-workspace install the trail is per workspace: an admin reads the rows written while
serving their own workspace (`team_id_var`), never another's (user ids and environments are
each workspace's business); a request from no known workspace reads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from oec_chatops import policy
from oec_chatops.clock import Clock
from oec_chatops.context import team_id_var
from oec_chatops.domain import Verb
from oec_chatops.errors import CommandError
from oec_chatops.services.resolver import Resolver
from oec_chatops.services.types import Reply
from oec_chatops.slack import grammar
from oec_chatops.slack.blocks.audit import AUDIT_PAGE, AuditEntry, render_audit
from oec_chatops.store import Store

MAX_SINCE = timedelta(days=366)


def read_since(raw: str | None) -> timedelta | None:
    """The `--since` window, or a `CommandError` that says what a duration looks like."""
    if raw is None:
        return None
    try:
        window = policy.parse_duration(raw)
    except ValueError:
        window = None
    if window is None or not timedelta(0) < window <= MAX_SINCE:
        raise CommandError(
            f"`--since` is a duration such as `90m`, `7d` or `1d12h` (at most 366d); "
            f"got `{raw.replace('`', '')[:40]}`.",
            hint=grammar.usage(Verb.AUDIT),
        )
    return window


@dataclass(frozen=True, slots=True)
class AuditLog:
    """Reads the audit table for `/oec audit`."""

    store: Store
    clock: Clock
    resolver: Resolver
    # A multi-workspace install: each workspace reads its own rows only.
    per_team: bool = False

    async def show(self, cmd: grammar.Command, reply: Reply) -> None:
        window = read_since(cmd.since)
        label = (await self.resolver.environment(cmd.env)).label if cmd.env else None
        page = cmd.page or 1
        team = team_id_var.get() if self.per_team else None
        rows, total = (
            self.store.audit.search(
                since=self.clock.time() - window.total_seconds() if window else None,
                target=label,
                limit=AUDIT_PAGE,
                offset=(page - 1) * AUDIT_PAGE,
                team_id=team,
            )
            if team is None or team
            else ([], 0)
        )
        entries = [AuditEntry(r.at, r.actor, r.action, r.target, r.result, r.detail) for r in rows]
        await reply(
            render_audit(
                entries,
                total=total,
                page=page,
                since=cmd.since if window else None,
                env_label=label,
            )
        )
