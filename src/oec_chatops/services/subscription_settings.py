"""What `/oec subscribe` makes of a subscription: typed options over its current settings. Pure.

Subscribing again changes only what was typed: `--only failures` alone keeps the events, the
mode and the threads as they were. A channel has one digest time: a digest subscription takes
the time already set in the channel unless `--at`/`--tz` are typed, which then move every
digest subscription of the channel (`Subscriptions.set_digest_schedule`). An `alerts`
subscription stays one unless events are named (which make it an events subscription).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from oec_chatops.digest_time import DEFAULT_AT, DEFAULT_TZ
from oec_chatops.errors import CommandError
from oec_chatops.slack.blocks.subscriptions import events_text, mode_text
from oec_chatops.slack.grammar import DEFAULT_SUBSCRIBE_EVENTS
from oec_chatops.slack.grammar.subscribe import ALERT_EVENTS, SubscribeOptions
from oec_chatops.store.rows import Subscription


@dataclass(frozen=True, slots=True)
class Settings:
    kind: str
    events: tuple[str, ...]
    only_failures: bool
    digest_at: str | None
    digest_tz: str | None
    threads: bool

    @classmethod
    def of(cls, s: Subscription) -> Settings:
        return cls(s.kind, s.events, s.only_failures, s.digest_at, s.digest_tz, s.threads)

    def how(self) -> str:
        return mode_text(
            kind=self.kind,
            only_failures=self.only_failures,
            digest_at=self.digest_at,
            digest_tz=self.digest_tz,
            threads=self.threads,
        )


def settle(
    old: Subscription | None,
    events: tuple[str, ...],
    o: SubscribeOptions,
    schedule: tuple[str, str] | None,
) -> Settings:
    """The settings after `subscribe`: typed > the channel's digest time > current > default."""
    was = Settings.of(old) if old is not None else None
    if was is not None and was.kind == "alerts" and not o.alerts and not events:
        if o.digest or o.threads is not None:
            raise CommandError(
                "This is an `alerts` subscription: alerts are posted as they fire, with no "
                "digest or threads. Name the events to make it an events subscription instead."
            )
        o = dataclasses.replace(o, alerts=True)  # `--only ...` alone keeps it alerts
    same_kind = was is not None and was.kind == ("alerts" if o.alerts else "events")
    only = o.only_failures
    if only is None:
        only = was.only_failures if (was and same_kind) else False
    if o.alerts:
        return Settings("alerts", ALERT_EVENTS, only, None, None, False)
    if not events:
        events = was.events if (was and same_kind) else DEFAULT_SUBSCRIBE_EVENTS
    digest_at = was.digest_at if (was and same_kind) else None
    digest_tz = was.digest_tz if (was and same_kind) else None
    if o.digest is False:
        digest_at = digest_tz = None
    elif o.digest:
        at, tz = schedule or (digest_at or DEFAULT_AT, digest_tz or DEFAULT_TZ)
        digest_at, digest_tz = o.at or at, o.tz or tz
    threads = o.threads if o.threads is not None else bool(was and same_kind and was.threads)
    if threads and digest_at is not None:
        raise CommandError(
            "A daily digest posts no deployment messages, so there are no threads to reply "
            "in: use `threads off` with `--digest daily`, or `--digest off` with `threads on`."
        )
    return Settings("events", events, only, digest_at, digest_tz, threads)


def changes(old: Settings | None, new: Settings) -> list[str]:
    """What changed, in words (empty when nothing did)."""
    if old is None:
        return []
    said: list[str] = []
    if old.kind != new.kind:
        said.append(f"now {'alerts only' if new.kind == 'alerts' else 'events'}")
    if old.events != new.events:
        said.append(f"events: {events_text(old.events)} → {events_text(new.events)}")
    if old.how() != new.how():
        said.append(f"delivery: {old.how()} → {new.how()}")
    return said
