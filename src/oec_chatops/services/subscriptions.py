"""Which channel hears about which project's events: `/oec subscribe | unsubscribe | subscriptions`.

A subscription names a project (resolved once, stored by id so renames do not break it), an
environment glob, and event names or globs. Changes are audited; a channel the bot cannot post
in gets its subscriptions flagged by the outbox, and subscribing again clears the flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oec_chatops.context import request_id_var
from oec_chatops.services.resolver import slugify
from oec_chatops.slack import blocks, grammar

if TYPE_CHECKING:
    from oec_chatops.container import Container
    from oec_chatops.services.commands import Invocation, Reply


def _split_target(target: str) -> tuple[str, str]:
    project, _, env_glob = target.partition("/")
    return project, (env_glob or "*").lower()


async def subscribe(c: Container, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
    project_q, env_glob = _split_target(cmd.target or "")
    project = await c.resolver.project(project_q)
    events = cmd.events or grammar.DEFAULT_SUBSCRIBE_EVENTS
    label = project.slug or slugify(project.name)
    with c.store.tx():
        sub = c.store.subscriptions.add(
            channel_id=inv.channel_id,
            project_id=project.id,
            project_label=label,
            env_glob=env_glob,
            events=events,
            created_by=inv.user_id,
            now=c.clock.time(),
        )
        c.store.audit.record(
            at=c.clock.time(),
            actor=inv.user_id,
            action="subscription.add",
            target=sub.target,
            result="ok",
            detail={"channel_id": inv.channel_id, "events": list(events)},
            request_id=request_id_var.get(),
        )
    await reply(
        blocks.render_notice(
            f"This channel now hears about `{sub.target}`: "
            + ", ".join(f"`{e}`" for e in sub.events)
            + "."
        )
    )


async def unsubscribe(c: Container, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
    project_q, env_glob = _split_target(cmd.target or "")
    project = await c.resolver.project(project_q)
    has_glob = "/" in (cmd.target or "")
    current = [
        s
        for s in c.store.subscriptions.for_channel(inv.channel_id)
        if s.project_id == project.id and (not has_glob or s.env_glob == env_glob)
    ]
    if not current:
        await reply(blocks.render_notice(f"This channel has no subscription to `{cmd.target}`."))
        return
    with c.store.tx():
        if cmd.events:
            removed_events = set(cmd.events)
            for s in current:
                keep = [e for e in s.events if e not in removed_events]
                if keep:
                    c.store.subscriptions.add(
                        channel_id=s.channel_id,
                        project_id=s.project_id,
                        project_label=s.project_label,
                        env_glob=s.env_glob,
                        events=keep,
                        created_by=inv.user_id,
                        now=c.clock.time(),
                    )
                else:
                    c.store.subscriptions.remove(
                        channel_id=s.channel_id, project_id=s.project_id, env_glob=s.env_glob
                    )
        else:
            for s in current:
                c.store.subscriptions.remove(
                    channel_id=s.channel_id, project_id=s.project_id, env_glob=s.env_glob
                )
        c.store.audit.record(
            at=c.clock.time(),
            actor=inv.user_id,
            action="subscription.remove",
            target=cmd.target,
            result="ok",
            detail={"channel_id": inv.channel_id, "events": list(cmd.events)},
            request_id=request_id_var.get(),
        )
    what = ", ".join(f"`{e}`" for e in cmd.events) + " of " if cmd.events else ""
    await reply(blocks.render_notice(f"Unsubscribed this channel from {what}`{cmd.target}`."))


async def show(c: Container, inv: Invocation, reply: Reply) -> None:
    subs = c.store.subscriptions.for_channel(inv.channel_id)
    await reply(blocks.render_subscriptions([(s.target, s.events, s.flagged_reason) for s in subs]))
