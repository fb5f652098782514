"""Parsers of the change-control verbs: `freeze`, `unfreeze`, `lock`/`unlock` and `audit`.

Pure, like the rest of the grammar: a freeze's length and glob are checked here, so a malformed
one is refused before anything is stored; whether it matches anything is the service's question.
"""

from __future__ import annotations

from oec_chatops.domain import Verb
from oec_chatops.durations import parse_duration
from oec_chatops.env_globs import glob_problem
from oec_chatops.errors import CommandError
from oec_chatops.slack.grammar.args import Args, at_most, check_name, env_ref, needs, path_word
from oec_chatops.slack.grammar.command import Command
from oec_chatops.slack.grammar.specs import FREEZE_FOR, usage
from oec_chatops.slack.grammar.text import quote


def env_glob(verb: Verb, word: str) -> str:
    glob = word.strip("`").lower()
    check_name(verb, glob, what="environment glob")
    problem = glob_problem(glob)
    if problem:
        raise CommandError(
            f"{quote(glob)} is not an environment glob: {problem}.", hint=usage(verb)
        )
    return glob


def parse_freeze(verb: Verb, args: Args, reason: str | None) -> Command:
    """`freeze <env-glob> for <duration>`: the length is required, so no freeze lasts forever."""
    needs(verb, args, "environment glob")
    words = args.positional
    if len(words) != 3 or words[1].lower() != FREEZE_FOR:
        raise CommandError(
            "Say which environments and for how long, e.g. `/oec freeze production for 2h`.",
            hint=usage(verb),
        )
    try:
        length = parse_duration(words[2])
    except ValueError:
        length = None
    if not length:
        raise CommandError(
            f"{quote(words[2])} is not a duration; write e.g. `90m`, `2h` or `1d12h`.",
            hint=usage(verb),
        )
    return Command(verb, target=env_glob(verb, words[0]), duration=length, reason=reason)


def parse_unfreeze(verb: Verb, args: Args, reason: str | None) -> Command:
    needs(verb, args, "environment glob")
    at_most(verb, args, 1)
    return Command(verb, target=env_glob(verb, args.positional[0]))


def parse_lock(verb: Verb, args: Args, reason: str | None) -> Command:
    return Command(verb, env=env_ref(verb, args), reason=reason)


MAX_AUDIT_PAGE = 1000


def parse_audit(verb: Verb, args: Args, reason: str | None) -> Command:
    """`audit [<project/env>] [--since 7d] [--page 2]`: the duration is read by the service,
    with the policy's duration parser, so both accept the same spellings."""
    at_most(verb, args, 1)
    env = None
    if args.positional:
        env = path_word(
            verb,
            args.positional[0],
            what="environment",
            expected="an environment: write `project/env`, an environment name or its id.",
        )
    raw = args.options.get("page")
    page = None
    if raw is not None:
        try:
            page = int(raw)
        except ValueError:
            page = 0
        if not 1 <= page <= MAX_AUDIT_PAGE:
            raise CommandError(
                f"`--page` is a number from 1 to {MAX_AUDIT_PAGE}; got {quote(raw)}.",
                hint=usage(verb),
            )
    return Command(verb, env=env, since=args.options.get("since"), page=page)
