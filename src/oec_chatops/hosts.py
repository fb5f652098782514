"""`Hosts`: several named platforms behind the one `Platform` the services are typed against.

Every id the services see from a composite says which host to ask: `name:<host's id>` for
projects (servers), environments and tasks of every host except the one named `oec`, whose ids
stay as oec.sh gives them. Why that one stays bare: a bot that ran with the single-platform
variables has oec.sh's bare ids in its database (subscriptions, deployments, approvals), and
oec.sh's webhooks at `/webhooks/oec` carry bare ids too; adding a second host must not orphan
any of them. Anything without a known prefix is therefore routed to `oec`, and is "not found"
when no host has that name. oec.sh's ids are UUIDs and contain no `:`, so nothing is misrouted.

Project names (what `/oec projects` and `/oec envs` print as headings) carry the prefix on
every host, oec.sh included, so each environment shows where it lives; slugs carry it except on
`oec`, so labels read `derp:eu-1/shop-prod` and `acme-shop/staging` as before, and the resolver
also accepts `oec:acme-shop/staging`. A bot with a single oec.sh platform does not use `Hosts`
at all (container.py).

Listing everything (`list_everywhere`) asks every host at once; one host failing does not hide
the others: the answer carries the rows of the hosts that answered and the names of those that
did not, and only when every host fails does the listing fail.

`read_limit` is the smallest of the hosts' limits: the tracker spends a fifth of one budget over
all the tasks it follows, wherever they run, so the smallest budget is the one that can never be
overspent whichever host the tasks are on (a per-host budget would follow more tasks at once,
at the cost of a tracker that knows about hosts).

Errors keep their class (the `OecError` tree) and gain the host's display name (`exc.host`),
so `services.explain` says "deployERP (derp) refused ..." instead of always "oec.sh".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from oec_chatops.oec.errors import OecError, OecNotFound
from oec_chatops.oec.models import (
    ActionAccepted,
    Environment,
    EnvironmentStatus,
    Project,
    Task,
    TaskLog,
)
from oec_chatops.platform import Platform

log = logging.getLogger(__name__)

SEP = ":"
LEGACY_NAME = "oec"  # this host's ids stay bare; an id without a known prefix is its
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Host:
    """One configured platform: its prefix, how it is named in sentences, its adapter."""

    name: str
    display: str  # "oec.sh", "oCore", "deployERP": what explain() says
    platform: Platform


@dataclass(frozen=True, slots=True)
class Listing:
    """Every environment of the hosts that answered, and the hosts that could not be reached."""

    pairs: list[tuple[Project, Environment]]
    errors: dict[str, OecError]  # host name -> why it could not be listed

    @property
    def unreachable(self) -> list[str]:
        return list(self.errors)


def prefixed(name: str, value: str | None) -> str | None:
    """`value` as the services see it: `name:value`, or bare for the `oec` host."""
    if value is None or name == LEGACY_NAME:
        return value
    return f"{name}{SEP}{value}"


class Hosts:
    """A `Platform` over several named hosts, routing each id by its `name:` prefix."""

    def __init__(self, hosts: Sequence[Host]) -> None:
        if not hosts:
            raise ValueError("Hosts needs at least one host.")
        self._hosts: dict[str, Host] = {h.name: h for h in hosts}
        if len(self._hosts) != len(hosts):
            raise ValueError("host names must be unique.")

    def __repr__(self) -> str:
        return f"Hosts({', '.join(self._hosts)})"

    def names(self) -> tuple[str, ...]:
        return tuple(self._hosts)

    def split(self, value: str) -> tuple[Host, str]:
        """The host an id belongs to and the host's own id; `OecNotFound` for no known host."""
        name, sep, rest = value.partition(SEP)
        if sep and name in self._hosts and rest:
            return self._hosts[name], rest
        legacy = self._hosts.get(LEGACY_NAME)
        if legacy is not None:
            return legacy, value
        raise OecNotFound(
            f"{value!r} names no configured platform ({', '.join(self._hosts)}).",
            status=404,
            code="not_found",
        )

    def read_limit(self) -> int:
        return min(h.platform.read_limit() for h in self._hosts.values())

    # Queries -------------------------------------------------------------------------------

    async def list_projects(self) -> list[Project]:
        results = await self._everywhere(lambda h: h.platform.list_projects())
        return [_project(h, p) for h, ps in results.items() for p in ps]

    async def get_project(self, project_id: str) -> Project:
        host, own = self.split(project_id)
        return _project(host, await _call(host, host.platform.get_project(own)))

    async def list_environments(
        self, project_id: str, *, status: str | None = None
    ) -> list[Environment]:
        host, own = self.split(project_id)
        envs = await _call(host, host.platform.list_environments(own, status=status))
        return [_environment(host, e) for e in envs]

    async def list_all_environments(
        self, *, status: str | None = None
    ) -> list[tuple[Project, Environment]]:
        return (await self.list_everywhere(status=status)).pairs

    async def list_everywhere(
        self, *, status: str | None = None, only: str | None = None
    ) -> Listing:
        """Every environment of every host (or of host `only`), and who could not be reached."""
        chosen = [self._hosts[only]] if only in self._hosts else list(self._hosts.values())
        errors: dict[str, OecError] = {}
        results = await self._everywhere(
            lambda h: h.platform.list_all_environments(status=status), chosen, errors
        )
        pairs = [(_project(h, p), _environment(h, e)) for h, ps in results.items() for p, e in ps]
        return Listing(pairs, errors)

    async def get_environment(self, env_id: str) -> Environment:
        host, own = self.split(env_id)
        return _environment(host, await _call(host, host.platform.get_environment(own)))

    async def get_environment_status(self, env_id: str) -> EnvironmentStatus:
        host, own = self.split(env_id)
        status = await _call(host, host.platform.get_environment_status(own))
        last = status.last_deploy
        return status.model_copy(
            update={
                "environment_id": prefixed(host.name, status.environment_id),
                "last_deploy": last.model_copy(update={"id": prefixed(host.name, last.id)})
                if last
                else None,
            }
        )

    async def get_logs(
        self, env_id: str, *, task_id: str | None = None, lines: int = 200
    ) -> TaskLog:
        host, own = self.split(env_id)
        own_task = self.split(task_id)[1] if task_id else None
        answer = await _call(host, host.platform.get_logs(own, task_id=own_task, lines=lines))
        return answer.model_copy(update={"task_id": prefixed(host.name, answer.task_id)})

    async def get_task(self, task_id_or_poll_url: str) -> Task:
        host, own = self.split(task_id_or_poll_url)
        task = await _call(host, host.platform.get_task(own))
        return task.model_copy(
            update={
                "id": prefixed(host.name, task.id),
                "environment_id": prefixed(host.name, task.environment_id),
            }
        )

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        host, own = self.split(env_id)
        accepted = await _call(
            host,
            host.platform.action(verb, own, idempotency_key=idempotency_key, modules=modules),
        )
        # A poll URL is the host's own; only oec.sh's (bare, routed to it) can be kept.
        return accepted.model_copy(
            update={
                "task_id": prefixed(host.name, accepted.task_id),
                "environment_id": prefixed(host.name, accepted.environment_id),
                "poll_url": accepted.poll_url if host.name == LEGACY_NAME else None,
            }
        )

    async def _everywhere(
        self,
        call: Callable[[Host], Awaitable[list[T]]],
        hosts: Sequence[Host] | None = None,
        unreachable: dict[str, OecError] | None = None,
    ) -> Mapping[Host, list[T]]:
        """`call` on every host at once; a failing host is logged and put in `unreachable`.

        Only when every host fails does this raise (the first host's error), so the answer is
        never an empty list that looks like "nothing there".
        """
        chosen = list(hosts or self._hosts.values())
        answers = await asyncio.gather(*(_call(h, call(h)) for h in chosen), return_exceptions=True)
        results: dict[Host, list[T]] = {}
        errors: list[BaseException] = []
        for host, answer in zip(chosen, answers, strict=True):
            if isinstance(answer, OecError):
                log.warning(
                    "hosts.unreachable", extra={"host": host.name, "error": type(answer).__name__}
                )
                errors.append(answer)
                if unreachable is not None:
                    unreachable[host.name] = answer
            elif isinstance(answer, BaseException):
                raise answer
            else:
                results[host] = answer
        if errors and not results:
            raise errors[0]
        return results


async def _call(host: Host, pending: Awaitable[T]) -> T:
    """Await a host's call; an API error leaves with the host's display name on it."""
    try:
        return await pending
    except OecError as exc:
        exc.host = host.display
        raise


def _project(host: Host, p: Project) -> Project:
    return p.model_copy(
        update={
            "id": prefixed(host.name, p.id),
            "name": f"{host.name}{SEP}{p.name}",  # where it lives, on every host
            "slug": prefixed(host.name, p.slug) if p.slug else None,
            "server_id": prefixed(host.name, p.server_id),
        }
    )


def _environment(host: Host, e: Environment) -> Environment:
    return e.model_copy(
        update={
            "id": prefixed(host.name, e.id),
            "project_id": prefixed(host.name, e.project_id),
            "server_id": prefixed(host.name, e.server_id),
        }
    )


def _as_platform(hosts: Hosts) -> Platform:
    return hosts  # mypy checks here that the composite is a whole Platform
