"""Short answers when a command cannot go ahead: errors, near misses, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oec_chatops.domain import Role
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    code,
    context,
    escape,
    fit_mrkdwn,
    plural,
    section,
)
from oec_chatops.slack.blocks.kit import message as finish

MAX_CHOICES = 10


class Denial(Protocol):
    """What a refusal shows; `policy.Decision` is one (blocks does not import policy)."""

    @property
    def message(self) -> str: ...

    @property
    def role(self) -> Role: ...

    @property
    def required(self) -> Role: ...


def render_error(
    message: str, *, hint: str | None = None, request_id: str | None = None
) -> Message:
    """A problem the user can act on. `message` and `hint` are plain text with `code` spans.

    Both are escaped, so an echoed user word cannot turn into a link or a mention. The
    request id lets an operator find the log lines of this very request.
    """
    blocks: list[Block] = [section(f":warning: {escape(message)}")]
    if hint:
        blocks.append(section(escape(hint)))
    if request_id:
        blocks.append(context(f"Request {code(request_id)}"))
    return finish(message, blocks)


def render_did_you_mean(
    query: str, choices: Sequence[str], *, kind: str = "environment"
) -> Message:
    """Nothing matched `query`; these names come close (best first)."""
    missing = f"No {kind} matches {code(query)}."
    if not choices:
        return finish(
            f"No {kind} matches {query}.",
            [section(f":mag: {missing}"), context("`/oec envs` lists what exists.")],
        )
    shown = "\n".join(f"• {code(c)}" for c in choices[:MAX_CHOICES])
    blocks: list[Block] = [section(fit_mrkdwn(f":mag: {missing} Did you mean:\n{shown}", 3000))]
    if len(choices) > MAX_CHOICES:
        blocks.append(
            context(f"…and {plural(len(choices) - MAX_CHOICES, 'more match', 'more matches')}.")
        )
    return finish(f"No {kind} matches {query}. Did you mean {choices[0]}?", blocks)


def render_denied(decision: Denial) -> Message:
    """A refusal by the policy, with the sentence that says how to get access."""
    return finish(
        decision.message,
        [
            section(f":no_entry: {escape(decision.message)}"),
            context(f"Your role: *{decision.role.value}* · needed: *{decision.required.value}*"),
        ],
    )


def render_notice(text: str, *, emoji: str | None = None) -> Message:
    """A one-line confirmation ("Subscribed this channel to `shop`.").

    `text` is plain text with `code` spans, escaped like `render_error`'s message, so names
    echoed from the user are safe. For mentions or links use a dedicated renderer.
    """
    shown = escape(text)
    return finish(text, [section(f"{emoji} {shown}" if emoji else shown)])
