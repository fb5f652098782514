"""`/oec help <verb>`'s example on the user's own data: a command they can paste and run.

The generic examples (`shop/staging`) teach the shape of a command but not what to type in this
workspace; an example naming one of the user's real environments does both. Pure: the caller
lists the environments and says which are protected (policy), this module only chooses.

For a change (deploy, restart, ...) an unprotected environment is chosen, so the pasted
example runs at once; when every environment is protected, the example says it will ask for an
approval first rather than pretend it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oec_chatops.domain import ACTION_VERBS, EnvRef, Verb

ENV_VERBS = frozenset(
    {Verb.STATUS, Verb.LOGS, Verb.BACKUPS, Verb.METRICS, Verb.BACKUP} | set(ACTION_VERBS)
)
"""Verbs that take `<project/env>`."""
PROJECT_VERBS = frozenset({Verb.ENVS, Verb.SUBSCRIBE, Verb.UNSUBSCRIBE})
"""Verbs that take a project."""


@dataclass(frozen=True, slots=True)
class OwnExample:
    """A command on the user's data, and whether running it asks for an approval first."""

    command: str
    needs_approval: bool = False


def own_example(
    verb: Verb, refs: Sequence[EnvRef], protected: Callable[[EnvRef], bool]
) -> OwnExample | None:
    """The example of `verb` on one of `refs`, or None when the verb takes no target or there
    is no environment to name. Deterministic (sorted by label) so help reads the same twice."""
    if not refs or (verb not in ENV_VERBS and verb not in PROJECT_VERBS):
        return None
    if verb is Verb.REINIT:  # which modules to reinstall is not ours to guess
        return None
    ordered = sorted(refs, key=lambda r: r.label.lower())
    name = f"/oec {verb.value}"
    if verb in PROJECT_VERBS:
        project = ordered[0].project_slug or ordered[0].project_name
        return OwnExample(f"{name} {project}")
    if verb not in ACTION_VERBS:
        return OwnExample(f"{name} {ordered[0].label}")
    free = [r for r in ordered if not protected(r)]
    ref = free[0] if free else ordered[0]
    modules = " all" if verb is Verb.UPDATE else ""  # a module every environment has
    return OwnExample(f"{name} {ref.label}{modules}", needs_approval=not free)
