"""The example `/oec help <verb>` shows on the user's own environments.

Help must answer even when oec.sh does not: a failed or refused listing leaves the generic
examples, logged, rather than turning `/oec help deploy` into an error. The listing is the
resolver's snapshot, the same one every command resolves names against (cached, shared), so
help costs no extra reads in a busy minute.
"""

from __future__ import annotations

import logging

from oec_chatops import policy
from oec_chatops.domain import Verb
from oec_chatops.oec.errors import OecError
from oec_chatops.policy import Policy
from oec_chatops.services.resolver import Resolver
from oec_chatops.slack import grammar

log = logging.getLogger("oec_chatops.services.help")


async def own_example(resolver: Resolver, pol: Policy, verb: Verb) -> grammar.OwnExample | None:
    """An example of `verb` on a real environment (unprotected for a change), or None."""
    if verb not in grammar.examples.ENV_VERBS and verb not in grammar.examples.PROJECT_VERBS:
        return None
    try:
        snap = await resolver.snapshot()
    except OecError as exc:
        log.warning("help.no_listing", extra={"verb": verb.value, "error": type(exc).__name__})
        return None
    return grammar.own_example(verb, snap.refs, lambda ref: policy.is_protected(pol, ref))
