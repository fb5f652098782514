"""One command line's arguments: positional words and `--name value` options, checked against
what the verb accepts, and the checks shared by the verbs that take an environment or a name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oec_chatops.domain import Verb
from oec_chatops.errors import CommandError
from oec_chatops.slack.grammar.specs import MAX_NAME_CHARS, usage
from oec_chatops.slack.grammar.text import quote

VERB_OPTIONS: Mapping[Verb, frozenset[str]] = {
    Verb.ENVS: frozenset({"status"}),
    Verb.LOGS: frozenset({"lines", "runtime", "source"}),
    Verb.DEPLOY: frozenset({"modules", "override"}),
    # An admin's change through a freeze, with an approval (services.change_control).
    Verb.REDEPLOY: frozenset({"override"}),
    Verb.RESTART: frozenset({"override"}),
    Verb.START: frozenset({"override"}),
    Verb.STOP: frozenset({"override"}),
    Verb.UPDATE: frozenset({"override"}),
    Verb.PULL: frozenset({"override"}),
    Verb.REINIT: frozenset({"override"}),
    Verb.SUBSCRIBE: frozenset({"events", "only", "digest", "at", "tz", "threads"}),
    Verb.UNSUBSCRIBE: frozenset({"events"}),
    Verb.AUDIT: frozenset({"since", "page"}),
    Verb.BACKUP: frozenset({"no-filestore"}),
    Verb.RESTORE: frozenset({"override"}),
}
# Options that are switches: present or not, never followed by a value (`--runtime`).
FLAGS: frozenset[str] = frozenset({"runtime", "override", "no-filestore"})
FLAG_SET = "yes"


@dataclass(frozen=True, slots=True)
class Args:
    """Positional words and `--name value` options of one command line."""

    positional: tuple[str, ...]
    options: Mapping[str, str]

    @classmethod
    def split(cls, verb: Verb, tokens: list[str]) -> Args:
        allowed = VERB_OPTIONS.get(verb, frozenset())
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
                raise CommandError(unknown_option(verb, name), hint=usage(verb))
            if name in options:
                raise CommandError(f"`--{name}` is given twice.", hint=usage(verb))
            if name in FLAGS:
                if eq:
                    raise CommandError(f"`--{name}` takes no value.", hint=usage(verb))
                options[name] = FLAG_SET
                continue
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


def unknown_option(verb: Verb, name: str) -> str:
    if verb is Verb.REDEPLOY and name == "modules":
        return (
            "`/oec redeploy` takes no `--modules`; "
            "use `/oec deploy <project/env> --modules a,b` to update modules."
        )
    if verb in (Verb.UPDATE, Verb.REINIT, Verb.PULL) and name == "modules":
        return (
            f"`/oec {verb.value}` takes the modules without `--modules`: "
            f"`/oec {'update' if verb is Verb.PULL else verb.value} <project/env> a,b`."
        )
    allowed = sorted(VERB_OPTIONS.get(verb, frozenset()))
    if not allowed:
        return f"`/oec {verb.value}` takes no options; got `--{name}`."
    names = ", ".join(f"`--{n}`" for n in allowed)
    return f"`/oec {verb.value}` has no option `--{name}` (it knows {names})."


def at_most(verb: Verb, args: Args, count: int) -> None:
    extra = args.positional[count:]
    if extra:
        words = " ".join(extra)
        raise CommandError(f"Too many arguments: {quote(words)}.", hint=usage(verb))


def env_ref(verb: Verb, args: Args) -> str:
    """The one environment an environment verb takes: `project/env`, a name or an id."""
    needs(verb, args, "environment")
    at_most(verb, args, 1)
    return path_word(
        verb,
        args.positional[0],
        what="environment",
        expected="an environment: write `project/env`, an environment name or its id.",
    )


def needs(verb: Verb, args: Args, what: str) -> None:
    """At least one positional word, or an error naming what is missing."""
    if not args.positional:
        raise CommandError(f"`/oec {verb.value}` needs {article(what)} {what}.", hint=usage(verb))


def path_word(verb: Verb, word: str, *, what: str, expected: str) -> str:
    """`a` or `a/b` (backticks stripped, a checked name); otherwise "is not {expected}"."""
    ref = word.strip("`")
    check_name(verb, ref, what=what)
    parts = ref.split("/")
    if len(parts) > 2 or not all(parts):
        raise CommandError(f"{quote(ref)} is not {expected}", hint=usage(verb))
    return ref


def check_name(verb: Verb, name: str, *, what: str) -> None:
    if not name:
        raise CommandError(f"`/oec {verb.value}` needs {article(what)} {what}.", hint=usage(verb))
    if len(name) > MAX_NAME_CHARS:
        raise CommandError(
            f"That {what} name is {len(name)} characters long; names are shorter than "
            f"{MAX_NAME_CHARS}.",
            hint=usage(verb),
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise CommandError(f"The {what} name has control characters in it.", hint=usage(verb))


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
