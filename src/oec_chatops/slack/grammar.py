"""The `/oec` command language: text in, a typed `Command` out, or a `CommandError` with usage.

Pure: no I/O. Names stay raw here (`shop/staging`, a bare env name or an id); turning them into
ids is the resolver's job, because only the API knows what exists.

Slack passes the text through verbatim, phone keyboards included, so before splitting the text
is normalised: Slack's own escaping (`&amp;`, `<url|label>`) is undone, curly quotes are
straightened, every whitespace run becomes one space, and a dash that a keyboard turned into
`—` or `–` still works as `--`.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from oec_chatops.domain import ACTION_VERBS, Role, Verb
from oec_chatops.errors import CommandError
from oec_chatops.oec.models import ENV_STATUS_FILTERS, WEBHOOK_EVENTS

DEFAULT_SUBSCRIBE_EVENTS: tuple[str, ...] = ("deploy.*", "environment.status_changed")

MIN_LINES = 1
MAX_LINES = 5000  # the API's bound for `GET /environments/{id}/logs?lines=` (§5.3)
MAX_MODULES = 50  # §9.6
MAX_REASON_CHARS = 500
MAX_NAME_CHARS = 300
MODULE_NAME = re.compile(r"[a-z0-9_]{1,64}")  # Odoo technical names (§9.6)
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
            "<project/env> [--lines 200]",
            "Show the end of the latest task's log (1 to 5000 lines).",
            Role.VIEWER,
            "logs shop/staging",
            "logs shop/staging --lines 50",
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
            "<project>[/<env-glob>] [events...]",
            "Post a project's events in this channel "
            "(default: deploy.* and environment.status_changed).",
            Role.DEPLOYER,
            "subscribe shop",
            "subscribe shop/*-prod deploy.failed monitoring.alert",
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
}


@dataclass(frozen=True, slots=True)
class Command:
    """What the user asked for, checked for shape but not yet resolved against the API.

    `lines` is None when not given (the service applies its default). `modules == ("all",)`
    means every module. For `unsubscribe`, empty `events` means the whole subscription.
    """

    verb: Verb
    env: str | None = None
    project: str | None = None
    status: str | None = None
    lines: int | None = None
    modules: tuple[str, ...] = ()
    reason: str | None = None
    target: str | None = None
    events: tuple[str, ...] = ()
    topic: Verb | None = None  # `help <verb>`


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


def parse_command(text: str) -> Command:
    """Turn the text after `/oec` into a Command.

    Slack passes the text through verbatim, mobile keyboards included, so curly quotes are
    straightened and dashes repaired before splitting. Empty text asks for help.
    """
    head, reason = _split_reason(normalize(text))
    tokens = _tokenize(head)
    if not tokens:
        if reason is not None:
            raise CommandError(
                "Start with a command, then the reason after `--`.", hint=usage(Verb.DEPLOY)
            )
        return Command(Verb.HELP)
    verb = lookup_verb(tokens[0])
    if reason is not None and verb not in ACTION_VERBS:
        raise CommandError(
            f"`/oec {verb.value}` takes no reason (the text after `--`).", hint=usage(verb)
        )
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise CommandError(
            f"The reason is {len(reason)} characters long; keep it under {MAX_REASON_CHARS}.",
            hint=usage(verb),
        )
    args = _Args.split(verb, tokens[1:])
    return _PARSERS[verb](verb, args, reason)


def lookup_verb(word: str) -> Verb:
    """The verb a word names (any case, or an alias); unknown words get a "did you mean"."""
    key = word.lower()
    if key in _VERB_VALUES:
        return Verb(key)
    if key in ALIASES:
        return ALIASES[key]
    shown = _quote(word)
    candidates = [v.value for v in Verb] + list(ALIASES)
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    if close:
        verb = ALIASES.get(close[0]) or Verb(close[0])
        raise CommandError(
            f"Unknown command {shown}. Did you mean `{verb.value}`?", hint=usage(verb)
        )
    names = ", ".join(f"`{v.value}`" for v in Verb)
    raise CommandError(
        f"Unknown command {shown}.", hint=f"Commands: {names}. `/oec help` explains them."
    )


# Normalising --------------------------------------------------------------------------------

_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
    }
)
_SLACK_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>|<([^<>|]*)>")
_DASHES = "-\u2014\u2013\u2212"  # hyphen, em dash, en dash, minus sign
_REASON_SEPARATOR = re.compile(r"(?:^|\s)(?:--|[\u2014\u2013\u2212])(?=\s|$)")
_OPTION = re.compile(rf"^[{_DASHES}]+(?=[A-Za-z])")


def normalize(text: str) -> str:
    """Undo Slack's escaping, straighten quotes, collapse whitespace.

    Slack turns `a<b` into `a&lt;b` and may auto-link `shop.example.com` as
    `<http://shop.example.com|shop.example.com>`; the label is what the user typed.
    """

    def _label(m: re.Match[str]) -> str:
        label = m.group(2) if m.group(2) is not None else m.group(3)
        return label if label is not None else m.group(0)

    text = _SLACK_LINK.sub(_label, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.translate(_QUOTES)
    return " ".join(text.split())


def _split_reason(text: str) -> tuple[str, str | None]:
    """Split at the first standalone `--` (or `—`, `–`): the rest is the free-text reason."""
    m = _REASON_SEPARATOR.search(text)
    if m is None:
        return text, None
    reason = text[m.end() :].strip()
    return text[: m.start()].strip(), reason or None


def _tokenize(head: str) -> list[str]:
    """Split on spaces, keeping "double quoted" names with spaces together.

    Backslashes are not escapes: nobody types them on purpose in a chat box.
    """
    lexer = shlex.shlex(head, posix=True)
    lexer.whitespace_split = True
    lexer.escape = ""
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise CommandError(
            "A quote is not closed.",
            hint='Put names with spaces in double quotes: `/oec envs "Acme Shop"`.',
        ) from exc
    return [_OPTION.sub("--", t) for t in tokens]


def _quote(word: str, limit: int = 40) -> str:
    """A user's word shown back inside backticks, short and unable to break the span."""
    word = word.replace("`", "'")
    if len(word) > limit:
        word = word[: limit - 1] + "…"
    return f"`{word}`"


# Arguments ----------------------------------------------------------------------------------

_VERB_OPTIONS: Mapping[Verb, frozenset[str]] = {
    Verb.ENVS: frozenset({"status"}),
    Verb.LOGS: frozenset({"lines"}),
    Verb.DEPLOY: frozenset({"modules"}),
}


@dataclass(frozen=True, slots=True)
class _Args:
    """Positional words and `--name value` options of one command line."""

    positional: tuple[str, ...]
    options: Mapping[str, str]

    @classmethod
    def split(cls, verb: Verb, tokens: list[str]) -> _Args:
        allowed = _VERB_OPTIONS.get(verb, frozenset())
        positional: list[str] = []
        options: dict[str, str] = {}
        i = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if not token.startswith("--"):
                positional.append(token)
                continue
            name, eq, value = token[2:].partition("=")
            name = name.lower()
            if name not in allowed:
                raise CommandError(_unknown_option(verb, name), hint=usage(verb))
            if name in options:
                raise CommandError(f"`--{name}` is given twice.", hint=usage(verb))
            if not eq:
                if i >= len(tokens) or tokens[i].startswith("--"):
                    raise CommandError(f"`--{name}` needs a value.", hint=usage(verb))
                value = tokens[i]
                i += 1
            # "--modules a, b": a trailing comma means the list goes on in the next word.
            while value.endswith(",") and i < len(tokens) and not tokens[i].startswith("--"):
                value += tokens[i]
                i += 1
            if not value:
                raise CommandError(f"`--{name}` needs a value.", hint=usage(verb))
            options[name] = value
        return cls(tuple(positional), options)


def _unknown_option(verb: Verb, name: str) -> str:
    if verb is Verb.REDEPLOY and name == "modules":
        return (
            "`/oec redeploy` takes no `--modules`; "
            "use `/oec deploy <project/env> --modules a,b` to update modules."
        )
    allowed = sorted(_VERB_OPTIONS.get(verb, frozenset()))
    if not allowed:
        return f"`/oec {verb.value}` takes no options; got `--{name}`."
    names = ", ".join(f"`--{n}`" for n in allowed)
    return f"`/oec {verb.value}` has no option `--{name}` (it knows {names})."


def _at_most(verb: Verb, args: _Args, count: int) -> None:
    extra = args.positional[count:]
    if extra:
        words = " ".join(extra)
        raise CommandError(f"Too many arguments: {_quote(words)}.", hint=usage(verb))


def _env_ref(verb: Verb, args: _Args) -> str:
    if not args.positional:
        raise CommandError(f"`/oec {verb.value}` needs an environment.", hint=usage(verb))
    _at_most(verb, args, 1)
    ref = args.positional[0].strip("`")
    _check_name(verb, ref, what="environment")
    parts = ref.split("/")
    if len(parts) > 2 or not all(parts):
        raise CommandError(
            f"{_quote(ref)} is not an environment: write `project/env`, an environment name "
            "or its id.",
            hint=usage(verb),
        )
    return ref


def _check_name(verb: Verb, name: str, *, what: str) -> None:
    if not name:
        raise CommandError(f"`/oec {verb.value}` needs {_article(what)} {what}.", hint=usage(verb))
    if len(name) > MAX_NAME_CHARS:
        raise CommandError(
            f"That {what} name is {len(name)} characters long; names are shorter than "
            f"{MAX_NAME_CHARS}.",
            hint=usage(verb),
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise CommandError(f"The {what} name has control characters in it.", hint=usage(verb))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _no_arguments(verb: Verb, args: _Args, reason: str | None) -> Command:
    if args.positional:
        raise CommandError(
            f"`/oec {verb.value}` takes no arguments; got {_quote(' '.join(args.positional))}.",
            hint=usage(verb),
        )
    return Command(verb)


def _parse_help(verb: Verb, args: _Args, reason: str | None) -> Command:
    _at_most(verb, args, 1)
    if not args.positional:
        return Command(verb)
    return Command(verb, topic=lookup_verb(args.positional[0].lstrip("/")))


def _parse_envs(verb: Verb, args: _Args, reason: str | None) -> Command:
    _at_most(verb, args, 1)
    project = args.positional[0].strip("`") if args.positional else None
    if project is not None:
        _check_name(verb, project, what="project")
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
                f"Unknown status {_quote(status)}; use one of {known}.", hint=usage(verb)
            )
    return Command(verb, project=project, status=status)


def _parse_status(verb: Verb, args: _Args, reason: str | None) -> Command:
    return Command(verb, env=_env_ref(verb, args))


def _parse_logs(verb: Verb, args: _Args, reason: str | None) -> Command:
    env = _env_ref(verb, args)
    raw = args.options.get("lines")
    if raw is None:
        return Command(verb, env=env)
    try:
        lines = int(raw)
    except ValueError:
        lines = None
    if lines is None or not MIN_LINES <= lines <= MAX_LINES:
        raise CommandError(
            f"`--lines` is a number from {MIN_LINES} to {MAX_LINES}; got {_quote(raw)}.",
            hint=usage(verb),
        )
    return Command(verb, env=env, lines=lines)


def _parse_action(verb: Verb, args: _Args, reason: str | None) -> Command:
    env = _env_ref(verb, args)
    raw = args.options.get("modules")
    modules = _modules(verb, raw) if raw is not None else ()
    return Command(verb, env=env, modules=modules, reason=reason)


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
                f"{_quote(name)} is not a module's technical name (lower-case letters, "
                "digits and underscores, up to 64 characters).",
                hint=usage(verb),
            )
    if len(names) > MAX_MODULES:
        raise CommandError(
            f"{len(names)} modules named; at most {MAX_MODULES} at once (or `all`).",
            hint=usage(verb),
        )
    return tuple(names)


def _parse_subscription(verb: Verb, args: _Args, reason: str | None) -> Command:
    if not args.positional:
        raise CommandError(f"`/oec {verb.value}` needs a project.", hint=usage(verb))
    target = args.positional[0].strip("`")
    _check_name(verb, target, what="project")
    parts = target.split("/")
    if len(parts) > 2 or not all(parts):
        raise CommandError(
            f"{_quote(target)} is not a subscription target: write `project` or "
            "`project/env-glob`, e.g. `shop/*-prod`.",
            hint=usage(verb),
        )
    events = _events(verb, args.positional[1:])
    if not events and verb is Verb.SUBSCRIBE:
        events = DEFAULT_SUBSCRIBE_EVENTS
    return Command(verb, target=target, events=events)


def _events(verb: Verb, words: tuple[str, ...]) -> tuple[str, ...]:
    events: list[str] = []
    for word in words:
        for piece in word.split(","):
            name = piece.strip().lower()
            if not name or name in events:
                continue
            if not fnmatch.filter(WEBHOOK_EVENTS, name):
                close = difflib.get_close_matches(name, WEBHOOK_EVENTS, n=1, cutoff=0.6)
                guess = f" Did you mean `{close[0]}`?" if close else ""
                known = ", ".join(f"`{e}`" for e in WEBHOOK_EVENTS)
                raise CommandError(
                    f"Unknown event {_quote(name)}.{guess}",
                    hint=f"{usage(verb)}\nEvents: {known}; globs like `deploy.*` work too.",
                )
            events.append(name)
    return tuple(events)


_Parser = Callable[[Verb, _Args, str | None], Command]

_PARSERS: Mapping[Verb, _Parser] = {
    Verb.HELP: _parse_help,
    Verb.WHOAMI: _no_arguments,
    Verb.PROJECTS: _no_arguments,
    Verb.ENVS: _parse_envs,
    Verb.STATUS: _parse_status,
    Verb.LOGS: _parse_logs,
    Verb.DEPLOY: _parse_action,
    Verb.REDEPLOY: _parse_action,
    Verb.RESTART: _parse_action,
    Verb.START: _parse_action,
    Verb.STOP: _parse_action,
    Verb.APPROVALS: _no_arguments,
    Verb.SUBSCRIBE: _parse_subscription,
    Verb.UNSUBSCRIBE: _parse_subscription,
    Verb.SUBSCRIPTIONS: _no_arguments,
}
