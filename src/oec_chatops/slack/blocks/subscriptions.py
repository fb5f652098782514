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

SubscriptionRow = tuple[str, Sequence[str], str | None, str]
"""(target such as `shop/*-prod`, event names or globs, why it is flagged or None, how it
posts in words: `mode_text`)."""

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


def mode_text(
    *, kind: str, only_failures: bool, digest_at: str | None, digest_tz: str | None, threads: bool
) -> str:
    """How a subscription posts, in words: "only failures, daily digest at 09:00 (UTC)"."""
    parts = ["only failures"] if only_failures else []
    if kind == "alerts":
        parts.append("alerts as they fire, resolved ones in the alert's thread")
    elif digest_at is not None:
        parts.append(f"daily digest at {digest_at} ({digest_tz or 'UTC'})")
    else:
        parts.append("each event as it happens")
    if threads:
        parts.append("deployment follow-ups as thread replies")
    return ", ".join(parts)


def render_subscriptions(
    rows: Sequence[SubscriptionRow], *, digest_note: str | None = None
) -> Message:
    """This channel's subscriptions, each with its filters and mode; a flagged one (project
    gone, say) says why; `digest_note` says when the next digest is due."""
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
    for target, events, flagged, how in rows:
        line = f"{code(target)} → {events_text(events)}" + (f"\n    _{how}_" if how else "")
        if flagged:
            line += f"\n:warning: {flag_text(flagged, target)}"
        lines.append(line)
    return message(
        f"This channel has {plural(len(rows), 'subscription')}.",
        [
            header(f"Subscriptions ({len(rows)})"),
            *listing(lines, max_blocks=MAX_BLOCKS - 2, more="more subscriptions"),
            *([context(digest_note)] if digest_note else []),
            context(
                f"{code('/oec subscribe <project> --only failures')} (and other options) changes "
                f"one; {code('/oec unsubscribe <project>[/<env-glob>]')} removes one."
            ),
        ],
    )


def render_subscribed(
    target: str,
    events: Sequence[str],
    how: str = "",
    *,
    changed: Sequence[str] | None = None,
    aligned: int = 0,
    warning: str | None = None,
) -> Message:
    """The answer to `subscribe`: what will be posted here from now on. `changed` (for an
    existing subscription) lists what changed, empty when nothing did; `aligned` counts the
    channel's other digest subscriptions moved to the same digest time; `warning` says why
    nothing would be posted yet after all."""
    now = f"{events_text(events)} from {code(target)}" + (f" ({how})" if how else "")
    if changed is None:
        lines = [f":bell: This channel now gets {now}."]
    elif not changed:
        lines = [f"Nothing changed: this channel already gets {now}."]
    else:
        lines = [f":bell: Updated {code(target)}:", *(f"• {c}" for c in changed)]
        lines.append(f"This channel now gets {now}.")
    if aligned:
        lines.append(
            f"The channel's other digest {plural(aligned, 'subscription')} now post at the same "
            "time: a channel gets one digest a day."
        )
    if warning:
        lines.append(f":warning: {warning}")
    return message(f"Subscribed this channel to {target}.", [section("\n".join(lines))])


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
