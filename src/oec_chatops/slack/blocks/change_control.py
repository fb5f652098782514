"""Freezes and locks as Slack shows them: refusals, confirmations, the status lines, and the
text an approval card shows while it waits for a freeze to end.

End times are given in the freeze's own time zone, named ("Thu 31 Dec 2026 06:00
Europe/Brussels"), then as a Slack date token that each reader sees in their own time zone: the
person refused learns both what the freeze says and what that means for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from oec_chatops.domain import ActiveFreeze, EnvLock
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    as_utc,
    code,
    context,
    cut,
    escape,
    mention,
    message,
    section,
    slack_date,
)

MAX_REASON_SHOWN = 300


def zone_time(moment: datetime, zone: str) -> str:
    """`Thu 31 Dec 2026 06:00 Europe/Brussels`: a moment on the named wall clock."""
    local = as_utc(moment).astimezone(ZoneInfo(zone))
    return f"{local:%a %d %b %Y %H:%M} {zone}"


def until(f: ActiveFreeze) -> str:
    """The freeze's end: on its own clock, named, then in the reader's time zone."""
    return f"{zone_time(f.ends_at, f.zone)} ({slack_date(f.ends_at)} your time)"


def _why(reason: str | None) -> str:
    return escape(cut(reason, MAX_REASON_SHOWN)) if reason else "no reason given"


def _source(f: ActiveFreeze) -> str:
    if f.scheduled:
        return "scheduled in the policy file"
    return f"set by {mention(f.created_by)}" if f.created_by else "set from Slack"


def freeze_line(f: ActiveFreeze) -> str:
    """`:snowflake: production, shop/* until … — Year-end close (scheduled in the policy file)`."""
    envs = ", ".join(code(g) for g in f.environments)
    return f":snowflake: {envs} frozen until {until(f)}: {_why(f.reason)} ({_source(f)})"


def lock_line(lock: EnvLock) -> str:
    """`:lock: shop/prod locked by @ana since …: migrating the database`."""
    return (
        f":lock: {code(lock.env_label)} locked by {mention(lock.holder)} since "
        f"{slack_date(lock.since)}: {_why(lock.reason)}"
    )


def render_frozen_refusal(verb: str, label: str, f: ActiveFreeze, *, admin: bool) -> Message:
    """A change refused by a freeze: which, why, until when, and (for admins) the way past it."""
    text = (
        f":snowflake: {code(label)} is frozen until {until(f)}: {_why(f.reason)} "
        f"({_source(f)}). Your {escape(verb)} was not sent."
    )
    hint = (
        f"To change it anyway, ask for an approved override: "
        f"`/oec {escape(verb)} {escape(label)} --override -- why it cannot wait`."
        if admin
        else "Only an admin can override a freeze."
    )
    return message(
        f"{label} is frozen until {zone_time(f.ends_at, f.zone)}: {f.reason}",
        [section(text), context(hint)],
    )


def render_locked_refusal(verb: str, lock: EnvLock) -> Message:
    """A change refused by someone else's lock: who holds it, since when, why."""
    text = f"{lock_line(lock)}. Your {escape(verb)} was not sent."
    hint = (
        f"Only {mention(lock.holder)} or an admin can change it until they run "
        f"`/oec unlock {escape(lock.env_label)}`."
    )
    return message(
        f"{lock.env_label} is locked by someone else; your {verb} was not sent.",
        [section(text), context(hint)],
    )


def freeze_hold_text(f: ActiveFreeze) -> str:
    """After "waiting for" on an approved card: the freeze that holds it and its end."""
    return f"the freeze to end at {until(f)}: {_why(f.reason)} ({_source(f)})"


def freeze_expired_text(f: ActiveFreeze) -> str:
    return (
        f"It was approved, but the freeze ({_why(f.reason)}, until {until(f)}) lasted past the "
        "request's expiry, so it was not run. Ask again after the freeze."
    )


def lock_hold_text(lock: EnvLock) -> str:
    return f"{mention(lock.holder)} to unlock {code(lock.env_label)} ({_why(lock.reason)})"


def lock_expired_text(lock: EnvLock) -> str:
    return (
        f"It was approved, but {code(lock.env_label)} stayed locked by {mention(lock.holder)} "
        "past the request's expiry, so it was not run."
    )


def render_frozen(f: ActiveFreeze) -> Message:
    """`/oec freeze` done."""
    return message(
        f"Frozen {', '.join(f.environments)} until {zone_time(f.ends_at, f.zone)}.",
        [
            section(freeze_line(f)),
            context(
                "Changes there are refused until then; admins may ask for an approved "
                "`--override`. `/oec unfreeze` ends it early."
            ),
        ],
    )


def render_unfrozen(glob: str, lifted: int, scheduled: Sequence[ActiveFreeze]) -> Message:
    """`/oec unfreeze`: what was lifted, and the scheduled freezes that still apply."""
    if lifted:
        text = f":sunny: Lifted the freeze on {code(glob)}."
    else:
        text = f"No freeze set from Slack on exactly {code(glob)} is in force; nothing changed."
    lines = [section(text)]
    if scheduled:
        lines.append(
            section(
                "Still in force (scheduled in the policy file; edit the file to change them):\n"
                + "\n".join(freeze_line(f) for f in scheduled)
            )
        )
    return message(f"Unfreeze {glob}: {lifted} lifted.", lines)


def render_lock_taken(lock: EnvLock) -> Message:
    return message(
        f"Locked {lock.env_label}.",
        [
            section(lock_line(lock)),
            context(
                "Only you (or an admin) can change it now. "
                f"`/oec unlock {escape(lock.env_label)}` when you are done."
            ),
        ],
    )


def render_lock_held(lock: EnvLock, *, yours: bool) -> Message:
    """`/oec lock` on a locked environment: it stays as it is."""
    if yours:
        return message(
            f"You already hold the lock on {lock.env_label}.",
            [section(f"{lock_line(lock)}. You already hold it; nothing changed.")],
        )
    return message(
        f"{lock.env_label} is already locked by someone else.",
        [
            section(f"{lock_line(lock)}. Nothing changed."),
            context(f"Ask {mention(lock.holder)} to unlock it when they are done."),
        ],
    )


def render_unlocked(lock: EnvLock, *, by: str) -> Message:
    broken = by != lock.holder
    text = f":unlock: Unlocked {code(lock.env_label)}"
    text += f" (it was {mention(lock.holder)}'s)." if broken else "."
    return message(f"Unlocked {lock.env_label}.", [section(text)])


def status_blocks(lock: EnvLock | None, freeze: ActiveFreeze | None) -> list[Block]:
    """Lines `/oec status` adds: the lock and the freeze in force on the environment."""
    lines = []
    if freeze is not None:
        lines.append(freeze_line(freeze))
    if lock is not None:
        lines.append(lock_line(lock))
    return [section("\n".join(lines))] if lines else []


def with_change_control(msg: Message, lock: EnvLock | None, freeze: ActiveFreeze | None) -> Message:
    """`msg` (an environment's status) with its lock and freeze lines before its last block."""
    extra = status_blocks(lock, freeze)
    if not extra:
        return msg
    kept = list(msg["blocks"])
    return {**msg, "blocks": [*kept[:-1], *extra, *kept[-1:]]}
