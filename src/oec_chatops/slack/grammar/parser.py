"""The `/oec` parser: normalised tokens in, a typed `Command` out, one small parser per verb.

The change-control verbs (freeze, unfreeze, lock, audit) parse in `change_parsers`; the
`Command` they all return is in `command`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from oec_chatops.domain import ACTION_VERBS, Verb
from oec_chatops.errors import CommandError
from oec_chatops.oec.models import ENV_STATUS_FILTERS
from oec_chatops.oec.modules import ALL, ModuleListError, parse_modules
from oec_chatops.oec.ops_models import MAX_RUNTIME_LINES, RUNTIME_SOURCES
from oec_chatops.slack.grammar.args import (
    FLAG_SET,
    Args,
    at_most,
    check_name,
    env_ref,
    needs,
    path_word,
)
from oec_chatops.slack.grammar.change_parsers import (
    parse_audit,
    parse_freeze,
    parse_lock,
    parse_unfreeze,
)
from oec_chatops.slack.grammar.command import Command
from oec_chatops.slack.grammar.specs import (
    ALL_MODULES,
    BACKUP_ID,
    MAX_LINES,
    MAX_MODULES,
    MAX_REASON_CHARS,
    MIN_LINES,
    MODULE_NAME,
    lookup_verb,
    usage,
)
from oec_chatops.slack.grammar.subscribe import parse_subscribe
from oec_chatops.slack.grammar.text import normalize, quote, split_reason, tokenize


def parse_command(text: str) -> Command:
    """Turn the text after `/oec` into a Command.

    Slack passes the text through verbatim, mobile keyboards included, so curly quotes are
    straightened and dashes repaired before splitting. Empty text asks for help.
    """
    head, reason = split_reason(normalize(text))
    tokens = tokenize(head)
    if not tokens:
        if reason is not None:
            raise CommandError(
                "Start with a command, then the reason after `--`.", hint=usage(Verb.DEPLOY)
            )
        return Command(Verb.HELP)
    rest = " ".join(tokens[1:]) + (f" -- {reason}" if reason is not None else "")
    verb = lookup_verb(tokens[0], around=("/oec ", rest.strip()))
    if reason is not None and verb not in REASON_VERBS | NOTED_VERBS:
        raise CommandError(
            f"`/oec {verb.value}` takes no reason (the text after `--`).", hint=usage(verb)
        )
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise CommandError(
            f"The reason is {len(reason)} characters long; keep it under {MAX_REASON_CHARS}.",
            hint=usage(verb),
        )
    args = Args.split(verb, tokens[1:])
    return _PARSERS[verb](verb, args, reason)


# Verbs whose text after `--` is a reason: the changes, and the change-control verbs.
REASON_VERBS = ACTION_VERBS | {Verb.FREEZE, Verb.LOCK}


def _no_arguments(verb: Verb, args: Args, reason: str | None) -> Command:
    if args.positional:
        raise CommandError(
            f"`/oec {verb.value}` takes no arguments; got {quote(' '.join(args.positional))}.",
            hint=usage(verb),
        )
    return Command(verb)


def _parse_help(verb: Verb, args: Args, reason: str | None) -> Command:
    at_most(verb, args, 1)
    if not args.positional:
        return Command(verb)
    return Command(
        verb, topic=lookup_verb(args.positional[0].lstrip("/"), around=("/oec help ", ""))
    )


def _parse_envs(verb: Verb, args: Args, reason: str | None) -> Command:
    at_most(verb, args, 1)
    project = args.positional[0].strip("`") if args.positional else None
    if project is not None:
        check_name(verb, project, what="project")
        if "/" in project:
            raise CommandError(
                f"`/oec envs` takes a project, not an environment: try "
                f"`/oec status {project.replace('`', '')}`.",
                hint=usage(verb),
            )
    status = args.options.get("status")
    if status is not None:
        status = status.lower()
        if status not in ENV_STATUS_FILTERS:
            known = ", ".join(f"`{s}`" for s in ENV_STATUS_FILTERS)
            raise CommandError(
                f"Unknown status {quote(status)}; use one of {known}.", hint=usage(verb)
            )
    return Command(verb, project=project, status=status)


def _parse_status(verb: Verb, args: Args, reason: str | None) -> Command:
    return Command(verb, env=env_ref(verb, args))


def _parse_logs(verb: Verb, args: Args, reason: str | None) -> Command:
    """Task logs (up to 5000 lines), or with `--runtime` the live log (up to 1000, §9.2)."""
    env = env_ref(verb, args)
    runtime = args.options.get("runtime") == FLAG_SET
    source = args.options.get("source")
    if source is not None:
        if not runtime:
            raise CommandError("`--source` picks a live log: add `--runtime`.", hint=usage(verb))
        source = source.lower()
        if source not in RUNTIME_SOURCES:
            known = ", ".join(f"`{s}`" for s in RUNTIME_SOURCES)
            raise CommandError(
                f"Unknown log source {quote(source)}; use one of {known}.", hint=usage(verb)
            )
    top = MAX_RUNTIME_LINES if runtime else MAX_LINES
    raw = args.options.get("lines")
    if raw is None:
        return Command(verb, env=env, runtime=runtime, source=source)
    try:
        lines = int(raw)
    except ValueError:
        lines = None
    if lines is None or not MIN_LINES <= lines <= top:
        what = "`--lines` of a live log" if runtime else "`--lines`"
        raise CommandError(
            f"{what} is a number from {MIN_LINES} to {top}; got {quote(raw)}.",
            hint=usage(verb),
        )
    return Command(verb, env=env, lines=lines, runtime=runtime, source=source)


# Verbs besides the actions that take a text after `--`: a backup's note, a restore's reason.
NOTED_VERBS = frozenset({Verb.BACKUP, Verb.RESTORE})


def _parse_backup(verb: Verb, args: Args, reason: str | None) -> Command:
    filestore = args.options.get("no-filestore") != FLAG_SET
    return Command(verb, env=env_ref(verb, args), reason=reason, filestore=filestore)


def _parse_restore(verb: Verb, args: Args, reason: str | None) -> Command:
    if len(args.positional) < 2:
        raise CommandError(
            "`/oec restore` needs an environment and a backup: its id from `/oec backups`.",
            hint=usage(verb),
        )
    at_most(verb, args, 2)
    env = path_word(
        verb,
        args.positional[0],
        what="environment",
        expected="an environment: write `project/env`, an environment name or its id.",
    )
    backup = args.positional[1].strip("`")
    if not BACKUP_ID.fullmatch(backup):
        raise CommandError(
            f"{quote(backup)} is not a backup id: copy it from `/oec backups {env}` "
            "(at least its first 4 characters).",
            hint=usage(verb),
        )
    override = _override(verb, args, reason)
    return Command(verb, env=env, backup=backup, reason=reason, override=override)


def _parse_action(verb: Verb, args: Args, reason: str | None) -> Command:
    env = env_ref(verb, args)
    raw = args.options.get("modules")
    modules = _modules(verb, raw) if raw is not None else ()
    override = _override(verb, args, reason)
    return Command(verb, env=env, modules=modules, reason=reason, override=override)


def _override(verb: Verb, args: Args, reason: str | None) -> bool:
    """`--override`: an admin's change through a freeze, which must say why."""
    override = args.options.get("override") == FLAG_SET
    if override and not reason:
        raise CommandError(
            "`--override` goes through a freeze, so it needs a reason after `--` for the "
            "approvers and the audit trail.",
            hint=usage(verb),
        )
    return override


def _modules(verb: Verb, raw: str) -> tuple[str, ...]:
    names: list[str] = []
    for piece in raw.split(","):
        name = piece.strip().lower()  # Odoo technical names are lower case
        if name and name not in names:
            names.append(name)
    if not names:
        raise CommandError("`--modules` needs module names or `all`.", hint=usage(verb))
    if ALL_MODULES in names:
        if len(names) > 1:
            raise CommandError(
                "`--modules all` already updates every module; name modules or `all`, not both.",
                hint=usage(verb),
            )
        return (ALL_MODULES,)
    for name in names:
        if not MODULE_NAME.fullmatch(name):
            raise CommandError(
                f"{quote(name)} is not a module's technical name (lower-case letters, "
                "digits and underscores, up to 64 characters).",
                hint=usage(verb),
            )
    if len(names) > MAX_MODULES:
        raise CommandError(
            f"{len(names)} modules named; at most {MAX_MODULES} at once (or `all`).",
            hint=usage(verb),
        )
    return tuple(names)


def _parse_module_update(verb: Verb, args: Args, reason: str | None) -> Command:
    """`update <env> a,b|all` and `reinit <env> a,b`: the environment, then the modules.

    The names are checked here (`oec.modules`, the API's rule made one notch stricter), so a
    wrong name is refused before anything is sent or any approver is asked. Nothing is
    lower-cased silently: the message says what was meant (`Sale_Custom` → `sale_custom`).
    """
    needs(verb, args, "environment")
    env = path_word(
        verb,
        args.positional[0],
        what="environment",
        expected="an environment: write `project/env`, an environment name or its id.",
    )
    words = args.positional[1:]
    if not words:
        what = "the modules to update, or `all`" if verb is Verb.UPDATE else "the modules"
        raise CommandError(f"`/oec {verb.value}` needs {what}.", hint=usage(verb))
    typed = " ".join(words)
    if verb is Verb.REINIT and ALL in typed.replace(",", " ").split():
        raise CommandError(
            "`/oec reinit` never takes `all`: reinstalling every module could reset all their "
            "data. Name the modules to reinstall.",
            hint=usage(verb),
        )
    try:
        selection = parse_modules(typed, allow_all=verb is Verb.UPDATE)
    except ModuleListError as exc:
        raise CommandError(str(exc), hint=usage(verb)) from exc
    override = _override(verb, args, reason)
    return Command(
        verb, env=env, modules=tuple(selection.as_list), reason=reason, override=override
    )


def _parse_subscription(verb: Verb, args: Args, reason: str | None) -> Command:
    needs(verb, args, "project")
    target = path_word(
        verb,
        args.positional[0],
        what="project",
        expected="a subscription target: write `project` or `project/env-glob`, e.g. "
        "`shop/*-prod`.",
    )
    events, options = parse_subscribe(verb, args)
    return Command(verb, target=target, events=events, options=options)


_Parser = Callable[[Verb, Args, str | None], Command]

_PARSERS: Mapping[Verb, _Parser] = {
    Verb.HELP: _parse_help,
    Verb.WHOAMI: _no_arguments,
    Verb.PROJECTS: _no_arguments,
    Verb.ENVS: _parse_envs,
    Verb.STATUS: _parse_status,
    Verb.LOGS: _parse_logs,
    Verb.BACKUPS: _parse_status,
    Verb.METRICS: _parse_status,
    Verb.DEPLOY: _parse_action,
    Verb.REDEPLOY: _parse_action,
    Verb.RESTART: _parse_action,
    Verb.START: _parse_action,
    Verb.STOP: _parse_action,
    Verb.APPROVALS: _no_arguments,
    Verb.SUBSCRIBE: _parse_subscription,
    Verb.UNSUBSCRIBE: _parse_subscription,
    Verb.SUBSCRIPTIONS: _no_arguments,
    Verb.UPDATE: _parse_module_update,
    Verb.PULL: _parse_action,
    Verb.REINIT: _parse_module_update,
    Verb.FREEZE: parse_freeze,
    Verb.UNFREEZE: parse_unfreeze,
    Verb.LOCK: parse_lock,
    Verb.UNLOCK: parse_lock,
    Verb.AUDIT: parse_audit,
    Verb.BACKUP: _parse_backup,
    Verb.RESTORE: _parse_restore,
}
