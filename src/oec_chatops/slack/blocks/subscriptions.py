"""What a channel is subscribed to, and the answers to `subscribe` / `unsubscribe`."""

from __future__ import annotations

from collections.abc import Sequence

from oec_chatops.blockkit_limits import (
    MAX_BLOCKS,
)
from oec_chatops.slack.blocks.event_names import friendly_events
from oec_chatops.slack.blocks.kit import (
    Message,
    code,
    context,
    header,
    listing,
    message,
    plural,
    section,
)

SubscriptionRow = tuple[str, Sequence[str], str | None]
"""(target such as `shop/*-prod`, event names or globs, why it is flagged or None)."""

INVITE = "/invite @oec"  # the bot user's display name in manifest.yml


def flag_text(reason: str, target: str) -> str:
    """Why a flagged subscription posts nothing, and what clears it, in words.

    `reason` is the Slack error the outbox got when it last posted here (it flags every
    subscription of a channel it cannot post in); subscribing again clears the flag."""
    again = f"{code(f'/oec subscribe {target}')}"
    if reason in ("not_in_channel", "channel_not_found"):
        return (
            "Paused: I'm not in this channel any more, so its events are not posted here. "
            f"{code(INVITE)}, then {again} to turn it back on."
        )
    if reason in ("is_archived", "channel_is_archived"):
        return (
            "Paused: this channel is archived, so its events are not posted here. "
            f"Unarchive it and run {again}, or subscribe another channel."
        )
    if reason == "restricted_action":
        return (
            "Paused: a workspace setting stops me from posting in this channel. "
            f"Ask a Slack admin to allow it, then run {again}."
        )
    return (
        f"Paused: Slack refused my last post here ({code(reason)}). "
        f"Run {again} to try again once that is fixed."
    )


def events_text(events: Sequence[str]) -> str:
    """In words ("deployments and status changes"): this is read by people, not typed."""
    return friendly_events(events)


def render_subscriptions(rows: Sequence[SubscriptionRow]) -> Message:
    """This channel's subscriptions; a flagged one (project gone, say) says why."""
    if not rows:
        return message(
            "This channel has no subscriptions.",
            [
                section(
                    "This channel has no subscriptions. "
                    f"{code('/oec subscribe <project>')} posts a project's deployments here."
                )
            ],
        )
    lines = []
    for target, events, flagged in rows:
        line = f"{code(target)} → {events_text(events)}"
        if flagged:
            line += f"\n:warning: {flag_text(flagged, target)}"
        lines.append(line)
    return message(
        f"This channel has {plural(len(rows), 'subscription')}.",
        [
            header(f"Subscriptions ({len(rows)})"),
            *listing(lines, max_blocks=MAX_BLOCKS - 2, more="more subscriptions"),
            context(f"{code('/oec unsubscribe <project>[/<env-glob>]')} removes one."),
        ],
    )


def render_subscribed(target: str, events: Sequence[str]) -> Message:
    """The answer to `subscribe`: what will be posted here from now on."""
    return message(
        f"Subscribed this channel to {target}.",
        [section(f":bell: This channel now gets {events_text(events)} from {code(target)}.")],
    )


def render_unsubscribed(target: str, events: Sequence[str], *, removed: bool) -> Message:
    """The answer to `unsubscribe`; `removed` is False when there was nothing to remove."""
    if not removed:
        return message(
            f"No subscription to {target} here.",
            [
                section(
                    f"This channel has no subscription to {code(target)}"
                    + (f" for {events_text(events)}." if events else ".")
                    + " `/oec subscriptions` lists them."
                )
            ],
        )
    what = events_text(events) if events else "anything"
    return message(
        f"Unsubscribed this channel from {target}.",
        [section(f":no_bell: This channel no longer gets {what} from {code(target)}.")],
    )
