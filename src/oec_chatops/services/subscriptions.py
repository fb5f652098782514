"""Which channel hears about which project's events: `/oec subscribe | unsubscribe | subscriptions`.

A subscription names a project (resolved once, stored by id so renames do not break it), an
environment glob, and event names or globs. Changes are audited; a channel the bot cannot post
in gets its subscriptions flagged by the outbox, and subscribing again clears the flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oec_chatops.clock import Clock
from oec_chatops.services.audit import audit
from oec_chatops.services.channel_access import ChannelAccess
from oec_chatops.services.resolver import Resolver, slugify
from oec_chatops.services.types import Invocation, Reply
from oec_chatops.slack import blocks, grammar
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

    async def subscribe(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        """Add (or widen) a subscription; refused in a channel the bot cannot post in, where
        every event would be lost."""
        await self.channels.require_postable(inv.channel_id)
        project_q, env_glob = _split_target(cmd.target or "")
        project = await self.resolver.project(project_q)
        events = cmd.events or grammar.DEFAULT_SUBSCRIBE_EVENTS
        label = project.slug or slugify(project.name)
        with self.store.tx():
            sub = self._put(
                inv,
                channel_id=inv.channel_id,
                project_id=project.id,
                label=label,
                env_glob=env_glob,
                events=events,
            )
            self._audit(inv, "subscription.add", sub.target, events)
        await reply(
            blocks.render_notice(
                f"This channel now hears about `{sub.target}`: "
                + ", ".join(f"`{e}`" for e in sub.events)
                + "."
            )
        )

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
                        events=keep,
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
        await reply(
            blocks.render_subscriptions([(s.target, s.events, s.flagged_reason) for s in subs])
        )

    def _put(
        self,
        inv: Invocation,
        *,
        channel_id: str,
        project_id: str,
        label: str,
        env_glob: str,
        events: Sequence[str],
    ) -> Subscription:
        return self.store.subscriptions.add(
            channel_id=channel_id,
            project_id=project_id,
            project_label=label,
            env_glob=env_glob,
            events=events,
            created_by=inv.user_id,
            now=self.clock.time(),
        )

    def _audit(
        self, inv: Invocation, action: str, target: str | None, events: Sequence[str]
    ) -> None:
        audit(
            self.store,
            self.clock,
            actor=inv.user_id,
            action=action,
            target=target,
            result="ok",
            detail={"channel_id": inv.channel_id, "events": list(events)},
        )
