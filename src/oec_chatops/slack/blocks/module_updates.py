"""What the approval card and the requester's reply say about a module update. Pure.

A reinit (`reinitialize_specific`) reinstalls modules and may reset their data; nothing later
brings it back. So the warning is said where the decision is taken (the card, and the confirm
dialog of its Approve button) and to the person who asked, in the same words, and the reply
says the request waits for an approval because of what it is, not because the environment is
protected (a reinit is always gated, see `domain.ALWAYS_GATED_VERBS`).
"""

from __future__ import annotations

from oec_chatops.domain import Approval, Verb


def change_warning(verb: str) -> str | None:
    """The warning a change carries on its card and in its reply, or None.

    It names no modules (the card lists them on its own line): a long list would push it past
    Slack's section limit, and a warning cut off is no warning."""
    if verb != Verb.REINIT.value:
        return None
    return (
        ":warning: *Module data may be reset.* A reinit reinstalls the modules named: records "
        "and settings they hold can be lost, and no later deploy brings them back."
    )


def always_gated_notice(a: Approval) -> str:
    """The requester's answer for a change that waits for an approval on every environment."""
    needs = "an approval" if a.required == 1 else f"{a.required} approvals"
    text = f"A {a.verb} always needs an approval: yours on `{a.env_label}` waits for {needs} here."
    warning = change_warning(a.verb)
    return f"{text}\n{warning}" if warning else text
