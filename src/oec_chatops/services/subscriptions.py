"""Which channel hears about which project's events: `/oec subscribe | unsubscribe | subscriptions`.

A subscription names a project (resolved once, stored by id so renames do not break it), an
environment glob, event names or globs, and how quiet it is (`--only failures`, a daily
digest, threads; `alerts` for monitoring alerts only: `subscription_settings`). Changes are audited; a channel the bot cannot post
in gets its subscriptions flagged by the outbox, and subscribing again clears the flag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from oec_chatops.clock import Clock
from oec_chatops.digest_time import DEFAULT_TZ
from oec_chatops.services.audit import audit
from oec_chatops.services.channel_access import ChannelAccess
from oec_chatops.services.resolver import Resolver, slugify
from oec_chatops.services.subscription_settings import Settings, changes, settle
from oec_chatops.services.types import Invocation, Reply
from oec_chatops.slack import blocks, grammar
from oec_chatops.slack.grammar.subscribe import SubscribeOptions
from oec_chatops.store import Store
from oec_chatops.store.rows import Subscription


def _split_target(target: str) -> tuple[str, str]:
    project, _, env_glob = target.partition("/")
    return project, (env_glob or "*").lower()


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """Adds, narrows and lists a channel's subscriptions, each change audited."""

    store: Store
    clock: Clock
    resolver: Resolver
    channels: ChannelAccess
    # A multi-workspace install: why nothing oec.sh sends would reach the asking workspace
    # yet (its webhook is not connected), said with the answer instead of leaving it silent.
    webhook_gap: Callable[[], str | None] | None = None

    async def subscribe(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        """Add a subscription, or change the options typed on an existing one (and say what
        changed); refused in a channel the bot cannot post in, where every event would be
        lost."""
        await self.channels.require_postable(inv.channel_id)
        project_q, env_glob = _split_target(cmd.target or "")
        project = await self.resolver.project(project_q)
        label = project.slug or slugify(project.name)
        opts = cmd.options or SubscribeOptions()
        with self.store.tx():
            old = self.store.subscriptions.get(
                channel_id=inv.channel_id, project_id=project.id, env_glob=env_glob
            )
            new = settle(old, cmd.events, opts, self._schedule(inv.channel_id, old))
            sub = self._put(
                inv,
                channel_id=inv.channel_id,
                project_id=project.id,
                label=label,
                env_glob=env_glob,
                settings=new,
            )
            aligned = 0
            if new.digest_at is not None and new.digest_tz is not None:
                aligned = self.store.subscriptions.set_digest_schedule(
                    inv.channel_id, at=new.digest_at, tz=new.digest_tz
                )
            said = changes(Settings.of(old), new) if old is not None else None
            action = "subscription.add" if old is None else "subscription.update"
            self._audit(inv, action, sub.target, sub.events, how=new.how(), changed=said)
        gap = self.webhook_gap() if self.webhook_gap is not None else None
        await reply(
            blocks.render_subscribed(
                sub.target, sub.events, new.how(), changed=said, aligned=aligned, warning=gap
            )
        )

    def _schedule(self, channel_id: str, old: Subscription | None) -> tuple[str, str] | None:
        """The digest time the channel's other digest subscriptions already use, if any."""
        for s in self.store.subscriptions.for_channel(channel_id):
            if s.digest_at is not None and s.id != (old.id if old else None):
                return s.digest_at, s.digest_tz or DEFAULT_TZ
        return None

    async def unsubscribe(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        project_q, env_glob = _split_target(cmd.target or "")
        project = await self.resolver.project(project_q)
        has_glob = "/" in (cmd.target or "")
        current = [
            s
            for s in self.store.subscriptions.for_channel(inv.channel_id)
            if s.project_id == project.id and (not has_glob or s.env_glob == env_glob)
        ]
        if not current:
            await reply(
                blocks.render_notice(f"This channel has no subscription to `{cmd.target}`.")
            )
            return
        removed_events = set(cmd.events)
        with self.store.tx():
            for s in current:
                keep = [e for e in s.events if e not in removed_events] if cmd.events else []
                if keep:
                    self._put(
                        inv,
                        channel_id=s.channel_id,
                        project_id=s.project_id,
                        label=s.project_label,
                        env_glob=s.env_glob,
                        settings=dataclasses.replace(Settings.of(s), events=tuple(keep)),
                    )
                else:
                    self.store.subscriptions.remove(
                        channel_id=s.channel_id, project_id=s.project_id, env_glob=s.env_glob
                    )
            self._audit(inv, "subscription.remove", cmd.target, cmd.events)
        what = ", ".join(f"`{e}`" for e in cmd.events) + " of " if cmd.events else ""
        await reply(blocks.render_notice(f"Unsubscribed this channel from {what}`{cmd.target}`."))

    async def show(self, inv: Invocation, reply: Reply) -> None:
        subs = self.store.subscriptions.for_channel(inv.channel_id)
        rows = [(s.target, s.events, s.flagged_reason, Settings.of(s).how()) for s in subs]
        tz = next((s.digest_tz for s in subs if s.digest_at is not None), None) or DEFAULT_TZ
        waiting = self.store.digests.waiting(inv.channel_id)
        note = None
        if waiting:
            _day, due_at, count = waiting[0]
            when = datetime.fromtimestamp(due_at, ZoneInfo(tz)).strftime("%a %d %b %H:%M")
            note = (
                f":calendar: Next digest: {when} ({tz}), "
                f"{count} {'event' if count == 1 else 'events'} so far."
            )
        await reply(blocks.render_subscriptions(rows, digest_note=note))

    def _put(
        self,
        inv: Invocation,
        *,
        channel_id: str,
        project_id: str,
        label: str,
        env_glob: str,
        settings: Settings,
    ) -> Subscription:
        return self.store.subscriptions.add(
            channel_id=channel_id,
            project_id=project_id,
            project_label=label,
            env_glob=env_glob,
            events=settings.events,
            created_by=inv.user_id,
            now=self.clock.time(),
            kind=settings.kind,
            only_failures=settings.only_failures,
            digest_at=settings.digest_at,
            digest_tz=settings.digest_tz,
            threads=settings.threads,
        )

    def _audit(
        self,
        inv: Invocation,
        action: str,
        target: str | None,
        events: Sequence[str],
        **more: object,
    ) -> None:
        audit(
            self.store,
            self.clock,
            actor=inv.user_id,
            action=action,
            target=target,
            result="ok",
            detail={"channel_id": inv.channel_id, "events": list(events), **more},
        )
