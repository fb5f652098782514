"""Turns what a user typed (`shop/staging`, `staging`, an id) into one environment.

The API has no organisation-wide environment list, so the resolver lists projects and their
environments and keeps the result for a short while (and in the store's environment cache, so
webhooks can be labelled without an API call). A miss answers with the closest names.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from dataclasses import dataclass, field

from oec_chatops.clock import Clock
from oec_chatops.domain import EnvRef
from oec_chatops.errors import CommandError
from oec_chatops.hosts import Hosts
from oec_chatops.oec.errors import OecError, OecNotFound
from oec_chatops.oec.models import Environment, Project
from oec_chatops.platform import Platform
from oec_chatops.store.store import Store

CACHE_SECONDS = 30.0
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def slugify(name: str) -> str:
    """`Acme Shop` -> `acme-shop`: what people type for a project name with spaces."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _NoMatch(CommandError):
    """A name that resolves to no single thing; `choices` are what the person may have meant."""

    def __init__(self, query: str, choices: list[str], message: str, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.query = query
        self.choices = choices


def _did_you_mean(choices: list[str]) -> str:
    return ("Did you mean " + ", ".join(f"`{c}`" for c in choices) + "?") if choices else ""


class UnknownEnvironment(_NoMatch):
    """No environment matches; `choices` are the closest labels."""

    def __init__(self, query: str, choices: list[str]) -> None:
        message = f"No environment matches `{query}`."
        super().__init__(query, choices, message, _did_you_mean(choices))


class AmbiguousEnvironment(_NoMatch):
    """Several environments match a bare name; `choices` are their full labels."""

    def __init__(self, query: str, choices: list[str]) -> None:
        message = f"`{query}` matches {len(choices)} environments."
        hint = "Say which one: " + ", ".join(f"`{c}`" for c in choices)
        super().__init__(query, choices, message, hint)


class UnknownProject(_NoMatch):
    """No project matches; `choices` are the closest names."""

    def __init__(self, query: str, choices: list[str]) -> None:
        super().__init__(query, choices, f"No project matches `{query}`.", _did_you_mean(choices))


class AmbiguousProject(_NoMatch):
    """A project name found on several platforms; `choices` are its prefixed names."""

    def __init__(self, query: str, choices: list[str]) -> None:
        hint = "Say which one: " + ", ".join(f"`{c}`" for c in choices)
        super().__init__(query, choices, f"`{query}` is on {len(choices)} platforms.", hint)


def to_ref(project: Project, env: Environment) -> EnvRef:
    return EnvRef(
        env_id=env.id,
        env_name=env.name,
        project_id=project.id,
        project_name=project.name,
        project_slug=project.slug or slugify(project.name),
        env_type=env.environment_type,
        url=env.url,
        status=env.status,
    )


@dataclass
class _Snapshot:
    at: float
    projects: list[Project]
    refs: list[EnvRef]
    unreachable: dict[str, OecError] = field(default_factory=dict)  # host name -> its error


@dataclass(kw_only=True, eq=False)
class Resolver:
    """Names as people type them → projects and environments of the platform."""

    platform: Platform
    store: Store
    clock: Clock
    # With several platforms: one listing per host, and which hosts could not be reached.
    hosts: Hosts | None = None
    _snapshot: _Snapshot | None = field(default=None, init=False)
    _listing: asyncio.Task[_Snapshot] | None = field(default=None, init=False)

    async def snapshot(self, *, fresh: bool = False) -> _Snapshot:
        """The projects and environments, listed at most once per CACHE_SECONDS.

        Commands that find the list stale at the same moment share one listing instead of
        each sending their own: a burst of `/oec status` after a quiet minute costs one round
        of reads, not one per command (which would also eat the key's read budget). `fresh`
        skips the cache; a listing already under way started after the caller's snapshot was
        made, so joining it is fresh enough.
        """
        now = self.clock.monotonic()
        if not fresh and self._snapshot and now - self._snapshot.at < CACHE_SECONDS:
            return self._snapshot
        listing = self._listing
        if listing is None or listing.done():
            listing = asyncio.get_running_loop().create_task(self._list(now), name="resolver")
            # Retrieved here so that a failure nobody waits for any more is not logged as lost.
            listing.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._listing = listing
        # A caller that gives up (its command was cancelled) must not cancel the others' listing.
        return await asyncio.shield(listing)

    async def _list(self, now: float) -> _Snapshot:
        if self.hosts is not None:
            listing = await self.hosts.list_everywhere()
            seen: dict[str, Project] = {}
            for project, _ in listing.pairs:
                seen.setdefault(project.id, project)
            refs = [to_ref(p, e) for p, e in listing.pairs]
            self.store.environments.remember(refs, self.clock.time())
            self._snapshot = _Snapshot(now, list(seen.values()), refs, listing.errors)
            return self._snapshot
        projects = await self.platform.list_projects()
        env_lists = await asyncio.gather(*(self.platform.list_environments(p.id) for p in projects))
        refs = [to_ref(p, e) for p, envs in zip(projects, env_lists, strict=True) for e in envs]
        self.store.environments.remember(refs, self.clock.time())
        self._snapshot = _Snapshot(now, projects, refs)
        return self._snapshot

    def forget(self) -> None:
        self._snapshot = None

    async def project(self, query: str) -> Project:
        snap = await self.snapshot()
        q = query.strip().lower()
        for p in snap.projects:
            if q in (p.id.lower(), p.name.lower(), (p.slug or slugify(p.name))):
                return p
        # Without a platform prefix: the one project of that name on any platform.
        bare = [p for p in snap.projects if q in _names(p.id, p.name, p.slug)]
        if len(bare) == 1:
            return bare[0]
        if len(bare) > 1:
            raise AmbiguousProject(query, sorted(p.slug or p.name for p in bare))
        names = [p.slug or slugify(p.name) for p in snap.projects]
        raise UnknownProject(query, difflib.get_close_matches(q, names, n=3, cutoff=0.5))

    async def environment(self, query: str) -> EnvRef:
        """Resolve `project/env`, a bare unique env name, or an environment id."""
        q = query.strip()
        if _UUID.match(q):
            try:
                return await self._by_id(q)
            except UnknownEnvironment:
                # With several platforms a bare id may be another host's: look it up by name.
                found = _match((await self.snapshot()).refs, q)
                if len(found) == 1:
                    return found[0]
                raise
        snap = await self.snapshot()
        found = _match(snap.refs, q)
        if not found:
            # The list may be stale (an environment created a minute ago): look once more.
            snap = await self.snapshot(fresh=True)
            found = _match(snap.refs, q)
        if len(found) == 1:
            _only_among_reachable(snap, q, found[0])
            return found[0]
        if len(found) > 1:
            raise AmbiguousEnvironment(q, sorted(r.label for r in found))
        _unreachable(snap, q)
        labels = [r.label for r in snap.refs]
        close = difflib.get_close_matches(
            q.lower(), [lbl.lower() for lbl in labels], n=3, cutoff=0.4
        )
        by_lower = {lbl.lower(): lbl for lbl in labels}
        if not close and "/" not in q:
            close = [
                r.label.lower() for r in snap.refs if r.env_name.lower().startswith(q.lower()[:3])
            ][:3]
        raise UnknownEnvironment(q, [by_lower.get(c, c) for c in close])

    async def _by_id(self, env_id: str) -> EnvRef:
        cached = self.store.environments.get(env_id)
        try:
            env = await self.platform.get_environment(env_id)
        except OecNotFound:
            raise UnknownEnvironment(env_id, []) from None
        if cached is not None and cached.project_id == env.project_id:
            project_name, slug = cached.project_name, cached.project_slug
        else:
            project = await self.platform.get_project(env.project_id) if env.project_id else None
            project_name = project.name if project else "unknown-project"
            slug = (project.slug or slugify(project.name)) if project else None
        ref = EnvRef(
            env_id=env.id,
            env_name=env.name,
            project_id=env.project_id or "",
            project_name=project_name,
            project_slug=slug,
            env_type=env.environment_type,
            url=env.url,
            status=env.status,
        )
        self.store.environments.remember([ref], self.clock.time())
        return ref


def _unreachable(snap: _Snapshot, query: str) -> None:
    """Nothing matched, but a platform did not answer: never say "no such environment" when it
    may be on that platform. A reference to it raises its own error (explained in its words)."""
    if not snap.unreachable:
        return
    host = query.partition(":")[0].lower() if ":" in query else None
    if host in snap.unreachable:
        raise snap.unreachable[host]
    if host is None:
        names = ", ".join(f"`{n}`" for n in snap.unreachable)
        raise CommandError(
            f"No environment matches `{query}` on the platforms that answered; "
            f"{names} could not be reached.",
            hint="Try again in a minute, or name the platform: `name:group/env`.",
        )


def _only_among_reachable(snap: _Snapshot, query: str, ref: EnvRef) -> None:
    """A bare name that is unique only because a platform did not answer may name the wrong
    environment (the other one was there too): refuse, and give the full reference."""
    if not snap.unreachable or ":" in query:
        return
    names = ", ".join(f"`{n}`" for n in snap.unreachable)
    full = ref.label if ":" in ref.label else f"oec:{ref.label}"
    raise CommandError(
        f"`{query}` matches `{ref.label}`, but {names} could not be reached and may have "
        "one of that name too.",
        hint=f"Name the platform to go ahead: `{full}`.",
    )


def _bare(value: str) -> str:
    """`derp:eu-1` -> `eu-1`: a name without its platform prefix (`hosts.Hosts` adds it)."""
    return value.partition(":")[2] or value


def _names(*values: str | None) -> set[str]:
    found = {v.lower() for v in values if v}
    return found | {_bare(v) for v in found}


def _host_of(ref: EnvRef) -> str:
    """The platform an environment lives on: its id's prefix; bare ids are oec.sh's (`oec`)."""
    host, sep, _ = ref.env_id.lower().partition(":")
    return host if sep else "oec"


def _match(refs: list[EnvRef], query: str) -> list[EnvRef]:
    """The refs a query names: `[platform:]project/env`, `[platform:]env`, or an id.

    With several platforms every id and project name carries its platform's prefix; a query
    with a prefix matches that platform only, one without matches on every platform (and an
    unambiguous bare name resolves, several give `AmbiguousEnvironment` with full labels).
    """
    q = query.lower()
    host, sep, rest = q.partition(":")
    if sep and "/" not in host and any(_host_of(r) == host for r in refs):
        refs = [r for r in refs if _host_of(r) == host]
        q = rest
    if "/" in q:
        project_q, _, env_q = q.partition("/")
        return [
            r
            for r in refs
            if project_q in _names(r.project_id, r.project_name, r.project_slug)
            and env_q in _names(r.env_name, r.env_id)
        ]
    return [r for r in refs if q in _names(r.env_name, r.env_id)]
