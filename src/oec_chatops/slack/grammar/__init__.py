"""The `/oec` command language: text in, a typed `Command` out, or a `CommandError` with usage.

Pure: no I/O. Names stay raw here (`shop/staging`, a bare env name or an id); turning them into
ids is the resolver's job, because only the API knows what exists.

One concept a module: `text` (normalising and tokens), `specs` (the verbs, their help and
limits), `args` (positional words and options), `parser` (the per-verb parsers). This package
re-exports the public names, so `from oec_chatops.slack.grammar import parse_command` and
`grammar.Command` read as before.
"""

from oec_chatops.oec.models import ENV_STATUS_FILTERS, WEBHOOK_EVENTS
from oec_chatops.slack.grammar.command import Command
from oec_chatops.slack.grammar.examples import OwnExample, own_example
from oec_chatops.slack.grammar.parser import parse_command
from oec_chatops.slack.grammar.specs import (
    ALIASES,
    ALL_MODULES,
    DEFAULT_SUBSCRIBE_EVENTS,
    MAX_LINES,
    MAX_MODULES,
    MAX_NAME_CHARS,
    MAX_REASON_CHARS,
    MIN_LINES,
    MODULE_NAME,
    VERB_SPECS,
    VerbSpec,
    lookup_verb,
    usage,
)
from oec_chatops.slack.grammar.text import normalize

__all__ = [
    "ALIASES",
    "ALL_MODULES",
    "DEFAULT_SUBSCRIBE_EVENTS",
    "ENV_STATUS_FILTERS",
    "MAX_LINES",
    "MAX_MODULES",
    "MAX_NAME_CHARS",
    "MAX_REASON_CHARS",
    "MIN_LINES",
    "MODULE_NAME",
    "VERB_SPECS",
    "WEBHOOK_EVENTS",
    "Command",
    "OwnExample",
    "VerbSpec",
    "lookup_verb",
    "normalize",
    "own_example",
    "parse_command",
    "usage",
]
