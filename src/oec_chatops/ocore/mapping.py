"""oCore instances as the bot's domain types: servers are the groups (projects). Pure.

oCore has no projects; CONTRACT.md §1-§2 make the **server** the group of a reference
(`ocore:eu-1/shop-prod`). An instance carries only `serverId`, so the group's name comes from
the platform entry's `servers` table, else the first `server_name_chars` characters of the id
(both in `OcoreSettings`). Instances without a server land in one group, `unassigned`.
"""

from __future__ import annotations

from oec_chatops.ocore.models import (
    HealthScore,
    OcoreEnvironment,
    OcoreEnvironmentStatus,
    OcoreHealth,
    OcoreInstance,
)
from oec_chatops.ocore.settings import OcoreSettings
from oec_chatops.oec.models import Project

UNASSIGNED = "unassigned"
PRODUCTION = "production"


def server_name(server_id: str, settings: OcoreSettings) -> str:
    """The configured name of a server, else the first characters of its id."""
    if server_id == UNASSIGNED:
        return UNASSIGNED
    return settings.servers.get(server_id) or server_id[: settings.server_name_chars]


def to_project(server_id: str, settings: OcoreSettings, *, count: int | None = None) -> Project:
    name = server_name(server_id, settings)
    return Project(id=server_id, name=name, slug=name, server_id=server_id, environment_count=count)


def group_of(instance: OcoreInstance) -> str:
    return instance.server_id or UNASSIGNED


def is_production(instance: OcoreInstance, settings: OcoreSettings) -> bool:
    """The pinned rule: slug or name ends in a production suffix (case-insensitive)."""
    names = [n.lower() for n in (instance.slug, instance.name) if n]
    return any(n.endswith(suffix) for n in names for suffix in settings.production_suffixes)


def to_environment(instance: OcoreInstance, settings: OcoreSettings) -> OcoreEnvironment:
    """The instance as an `Environment`: status exactly as oCore gave it."""
    domain = instance.primary_domain
    group = group_of(instance)
    return OcoreEnvironment(
        id=instance.id,
        name=instance.slug or instance.name or instance.id,
        status=instance.status,
        url=f"https://{domain}" if domain and "://" not in domain else domain,
        odoo_version=instance.odoo_version,
        project_id=group,
        server_id=instance.server_id,
        environment_type=PRODUCTION if is_production(instance, settings) else None,
        slug=instance.slug,
        status_message=instance.status_message,
        server_name=server_name(group, settings),
        last_seen_at=instance.last_seen_at,
    )


def group_by_server(
    instances: list[OcoreInstance], settings: OcoreSettings
) -> list[tuple[Project, OcoreEnvironment]]:
    """Every instance with its server as the project, ordered by server name then instance."""
    counts: dict[str, int] = {}
    for inst in instances:
        counts[group_of(inst)] = counts.get(group_of(inst), 0) + 1
    projects = {g: to_project(g, settings, count=n) for g, n in counts.items()}
    pairs = [(projects[group_of(i)], to_environment(i, settings)) for i in instances]
    return sorted(pairs, key=lambda pe: (pe[0].name, pe[0].id, pe[1].name))


def to_status(
    health: OcoreHealth, instance: OcoreInstance | None, score: HealthScore | None
) -> OcoreEnvironmentStatus:
    """`/health` (with the instance's URL and the health score when known) as a status."""
    url = None
    if instance is not None and instance.primary_domain:
        domain = instance.primary_domain
        url = domain if "://" in domain else f"https://{domain}"
    return OcoreEnvironmentStatus(
        environment_id=health.id,
        status=health.status,
        url=url,
        slug=health.slug,
        status_message=health.status_message,
        last_seen_at=health.last_seen_at,
        health_score=score,
    )
