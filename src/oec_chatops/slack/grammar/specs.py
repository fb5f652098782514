"""What `/oec` knows of its verbs: their help lines, the words people type for them, the limits
on arguments, and the usage text every `CommandError` carries as its hint."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from oec_chatops.domain import Role, Verb
from oec_chatops.errors import CommandError
from oec_chatops.slack.grammar.text import quote

# Events other hosts send that oec.sh has no equivalent for (deployERP's backups and servers,
# `deployerp.webhooks.EVENTS_WITHOUT_OEC_EQUIVALENT`): known to the grammar and the pipeline.
HOST_EVENTS: tuple[str, ...] = (
    "backup.completed",
    "backup.failed",
    "server.created",
    "server.deleted",
)
# oec.sh never sends backup.* or server.*, so having them by default changes nothing there.
FREEZE_FOR = "for"  # `/oec freeze production for 2h`
DEFAULT_SUBSCRIBE_EVENTS: tuple[str, ...] = (
    "deploy.*",
    "environment.status_changed",
    "backup.*",
    "server.*",
)

MIN_LINES = 1
MAX_LINES = 5000  # the API's bound for `GET /environments/{id}/logs?lines=` (§5.3)
MAX_MODULES = 50  # §9.6
MAX_REASON_CHARS = 500
MAX_NAME_CHARS = 300
MAX_SUGGESTION_CHARS = 200  # a "did you mean" repeats the command; a long reason is cut
MODULE_NAME = re.compile(r"[a-z0-9_]{1,64}")  # Odoo technical names (§9.6)
BACKUP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{3,99}")  # a full id, or the first characters
ALL_MODULES = "all"


@dataclass(frozen=True, slots=True)
class VerbSpec:
    """One line of help: how a verb is typed, what it does, and who may run it.

    `min_role` is shown in help; `policy.required_role` decides, and a test keeps both equal.
    """

    verb: Verb
    syntax: str
    summary: str
    min_role: Role
    examples: tuple[str, ...] = ()


def _spec(verb: Verb, args: str, summary: str, role: Role, *examples: str) -> VerbSpec:
    syntax = f"/oec {verb.value}" + (f" {args}" if args else "")
    return VerbSpec(verb, syntax, summary, role, tuple(f"/oec {e}" for e in examples))


VERB_SPECS: Mapping[Verb, VerbSpec] = {
    s.verb: s
    for s in (
        _spec(
            Verb.HELP,
            "[command]",
            "Show the commands you can run, or the details of one.",
            Role.VIEWER,
            "help",
            "help deploy",
        ),
        _spec(
            Verb.WHOAMI,
            "",
            "Show your role and whether you can approve protected changes.",
            Role.VIEWER,
            "whoami",
        ),
        _spec(Verb.PROJECTS, "", "List the projects the bot can see.", Role.VIEWER, "projects"),
        _spec(
            Verb.ENVS,
            "[project] [--status running]",
            "List environments, of all projects or one, optionally only those in one state.",
            Role.VIEWER,
            "envs",
            "envs shop --status running",
        ),
        _spec(
            Verb.STATUS,
            "<project/env>",
            "Show an environment's state, health checks and last deployment.",
            Role.VIEWER,
            "status shop/staging",
        ),
        _spec(
            Verb.LOGS,
            "<project/env> [--lines 200] [--runtime [--source odoo|postgres|container]]",
            "Show the end of the latest task's log (1 to 5000 lines), or with `--runtime` the "
            "live Odoo, PostgreSQL or container log (1 to 1000 lines; oec.sh: 6 a minute).",
            Role.VIEWER,
            "logs shop/staging",
            "logs shop/staging --runtime --source postgres --lines 100",
            "logs shop/staging --lines 50",
        ),
        _spec(
            Verb.BACKUPS,
            "<project/env>",
            "List an environment's latest backups: status, size, type and age.",
            Role.VIEWER,
            "backups shop/production",
        ),
        _spec(
            Verb.METRICS,
            "<project/env>",
            "Show Odoo and PostgreSQL CPU and memory and the disk split (oec.sh: 6 a minute).",
            Role.VIEWER,
            "metrics shop/production",
        ),
        _spec(
            Verb.DEPLOY,
            "<project/env> [--modules a,b|all] [-- reason]",
            "Pull the branch, rebuild and restart; optionally update Odoo modules.",
            Role.DEPLOYER,
            "deploy shop/staging",
            "deploy shop/production --modules sale_custom -- fixing invoice totals",
        ),
        _spec(
            Verb.REDEPLOY,
            "<project/env> [-- reason]",
            "Deploy the current branch again, from scratch.",
            Role.DEPLOYER,
            "redeploy shop/staging -- stuck assets",
        ),
        _spec(
            Verb.RESTART,
            "<project/env> [-- reason]",
            "Restart the environment's containers.",
            Role.DEPLOYER,
            "restart shop/staging",
        ),
        _spec(
            Verb.START,
            "<project/env> [-- reason]",
            "Start a stopped environment.",
            Role.DEPLOYER,
            "start shop/staging",
        ),
        _spec(
            Verb.STOP,
            "<project/env> [-- reason]",
            "Stop an environment; its data is kept.",
            Role.DEPLOYER,
            "stop shop/staging -- saving resources over the weekend",
        ),
        _spec(
            Verb.APPROVALS,
            "",
            "List the approval requests still waiting for a decision.",
            Role.VIEWER,
            "approvals",
        ),
        _spec(
            Verb.SUBSCRIBE,
            "<project>[/<env-glob>] [alerts] [events...] [--events a,b] [--only failures] "
            "[--digest daily|off [--at 09:00] [--tz Europe/Brussels]] [threads on|off]",
            "Post a project's events in this channel "
            "(default: deploy.* and environment.status_changed); again to change its options.",
            Role.DEPLOYER,
            "subscribe shop",
            "subscribe shop/*-prod deploy.failed monitoring.alert",
            "subscribe shop --only failures --digest daily --at 09:00 --tz Europe/Brussels",
            "subscribe shop alerts",
        ),
        _spec(
            Verb.UNSUBSCRIBE,
            "<project>[/<env-glob>] [events...]",
            "Stop posting those events here (all of them when none is named).",
            Role.DEPLOYER,
            "unsubscribe shop",
            "unsubscribe shop/* environment.status_changed",
        ),
        _spec(
            Verb.SUBSCRIPTIONS,
            "",
            "List what this channel is subscribed to.",
            Role.VIEWER,
            "subscriptions",
        ),
        # Module updates (issue 15): quick updates, no rebuild.
        _spec(
            Verb.UPDATE,
            "<project/env> <module>[,<module>...]|all [-- reason]",
            "Pull the new code, restart and update these Odoo modules (or `all`), without "
            "rebuilding; at most 50 modules, by their technical names.",
            Role.DEPLOYER,
            "update shop/staging all",
            "update shop/production sale_custom,stock -- fixing invoice totals",
        ),
        _spec(
            Verb.PULL,
            "<project/env> [-- reason]",
            "Pull the new code and restart, without rebuilding or updating modules.",
            Role.DEPLOYER,
            "pull shop/staging",
        ),
        _spec(
            Verb.REINIT,
            "<project/env> <module>[,<module>...] [-- reason]",
            "Reinstall these modules: their data may be reset. Admins only, and always after "
            "an approval; never `all`.",
            Role.ADMIN,
            "reinit shop/staging sale_custom -- broken demo data",
        ),
        # Change control (issue 16).
        _spec(
            Verb.FREEZE,
            "<env-glob> for <duration> [-- reason]",
            "Refuse every change to these environments for a while (admins may override "
            "with an approval).",
            Role.ADMIN,
            "freeze production for 2h -- payment provider incident",
            "freeze shop/* for 1d12h -- year-end stock count",
        ),
        _spec(
            Verb.UNFREEZE,
            "<env-glob>",
            "End a freeze set from Slack on exactly that glob.",
            Role.ADMIN,
            "unfreeze production",
        ),
        _spec(
            Verb.LOCK,
            "<project/env> [-- reason]",
            "Keep an environment to yourself: only you (or an admin) can change it.",
            Role.DEPLOYER,
            "lock shop/staging -- migrating the database",
        ),
        _spec(
            Verb.UNLOCK,
            "<project/env>",
            "Release your lock (admins can release anyone's).",
            Role.DEPLOYER,
            "unlock shop/staging",
        ),
        _spec(
            Verb.AUDIT,
            "[<project/env>] [--since 7d] [--page 2]",
            "Show the audit trail, newest first: who did what to what, and how it ended (admins).",
            Role.ADMIN,
            "audit",
            "audit shop/production --since 7d",
        ),
        _spec(
            Verb.BACKUP,
            "<project/env> [--no-filestore] [-- note]",
            "Take a backup now (database and filestore, or the database only); "
            "no approval needed, even on a protected environment.",
            Role.DEPLOYER,
            "backup shop/production -- before the price update",
            "backup shop/staging --no-filestore",
        ),
        _spec(
            Verb.RESTORE,
            "<project/env> <backup> [-- reason]",
            "Overwrite an environment with one of its completed backups (the id from "
            "`/oec backups`); always asks for an approval first.",
            Role.ADMIN,
            "restore shop/staging 1a2b3c4d -- the import went wrong",
        ),
    )
}

_VERB_VALUES = frozenset(v.value for v in Verb)

# Words people type for a verb; difflib covers the typos.
ALIASES: Mapping[str, Verb] = {
    "?": Verb.HELP,
    "env": Verb.ENVS,
    "environments": Verb.ENVS,
    "project": Verb.PROJECTS,
    "log": Verb.LOGS,
    "approval": Verb.APPROVALS,
    "subs": Verb.SUBSCRIPTIONS,
    "upgrade": Verb.UPDATE,  # Odoo's own word (`-u`) for updating a module
    "reinitialize": Verb.REINIT,
}


def usage(verb: Verb) -> str:
    """The syntax and fullest example of a verb: the hint of every CommandError.

    Plain text with `code` spans; `<project/env>` must be escaped before Slack sees it as
    mrkdwn, which `blocks.render_error` does.
    """
    spec = VERB_SPECS[verb]
    text = f"Usage: `{spec.syntax}`"
    if spec.examples:
        text += f"\nExample: `{spec.examples[-1]}`"
    return text


def lookup_verb(word: str, *, around: tuple[str, str] = ("/oec ", "")) -> Verb:
    """The verb a word names (any case, or an alias); unknown words get a "did you mean".

    The suggestion is the whole command with the verb corrected (`around` holds what the
    user typed before and after the verb), so it teaches by being the thing to type again.
    """
    key = word.lower()
    if key in _VERB_VALUES:
        return Verb(key)
    if key in ALIASES:
        return ALIASES[key]
    shown = quote(word)
    candidates = [v.value for v in Verb] + list(ALIASES)
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    if close:
        verb = ALIASES.get(close[0]) or Verb(close[0])
        before, after = around
        suggestion = quote(f"{before}{verb.value} {after}".strip(), MAX_SUGGESTION_CHARS)
        raise CommandError(f"Unknown command {shown}. Did you mean {suggestion}?", hint=usage(verb))
    names = ", ".join(f"`{v.value}`" for v in Verb)
    raise CommandError(
        f"Unknown command {shown}.", hint=f"Commands: {names}. `/oec help` explains them."
    )
