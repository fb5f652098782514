"""The demo organisation the simulator starts with: deterministic ids, realistic values.

Two projects ("Acme Shop", "Globex ERP"), each with development, staging and production
environments; Globex's staging is in `error` after a failed deploy. Every environment has a
completed past deployment, so its status snapshot has a `last_deploy`. Ids are uuid5 of a
fixed name, so tests and the playground can refer to them; times are relative to `now`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from oec_chatops.sim.records import Environment, Org, Project, Server, Task
from oec_chatops.sim.timeline import Target, TaskKind, Timeline, plan_task

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://api.oec.sh/simulator")
DAY = 86_400.0
PAST_DEPLOY_SECONDS = 96.0


def seed_id(name: str) -> str:
    """The deterministic id of a seeded thing, e.g. `seed_id("env/acme-shop/staging")`."""
    return str(uuid.uuid5(NAMESPACE, name))


@dataclass(slots=True)
class World:
    org: Org
    servers: list[Server] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    environments: list[Environment] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def empty_world() -> World:
    return World(org=_org())


def _org() -> Org:
    return Org(
        id=seed_id("org/northwind"),
        name="Northwind Odoo Partners",
        slug="northwind",
        plan="professional",
        max_environments=25,
        max_cpu_cores=32,
        max_ram_mb=131_072,
        max_disk_gb=1_000,
    )


# (env name, type, branch, url, cpu, ram, disk, server key, status)
_ENVS: dict[str, list[tuple[str, str, str, str, float, int, int, str, str]]] = {
    "acme-shop": [
        ("development", "development", "develop", "https://acme-shop-dev.apps.example.com",
         1.0, 2048, 10, "ams3", "running"),
        ("staging", "staging", "staging", "https://acme-shop-staging.apps.example.com",
         2.0, 4096, 20, "ams3", "running"),
        ("production", "production", "main", "https://shop.acme.example.com",
         4.0, 8192, 80, "fsn1", "running"),
    ],
    "globex-erp": [
        ("development", "development", "develop", "https://globex-erp-dev.apps.example.com",
         1.0, 2048, 10, "ams3", "running"),
        ("staging", "staging", "release/16.0", "https://globex-erp-staging.apps.example.com",
         2.0, 4096, 30, "ams3", "error"),
        ("production", "production", "main", "https://erp.globex.example.com",
         6.0, 16384, 120, "fsn1", "running"),
    ],
}  # fmt: skip


def demo_world(now: float) -> World:
    """The seeded organisation as it stands at `now`."""
    world = World(org=_org())
    servers = {
        "fsn1": Server(
            seed_id("server/fsn1"), "hetzner-fsn1-prod", "hetzner", "fsn1", 8, 65_536, 480,
            now - 400 * DAY,
        ),
        "ams3": Server(
            seed_id("server/ams3"), "do-ams3-staging", "digitalocean", "ams3", 4, 16_384, 160,
            now - 300 * DAY,
        ),
    }  # fmt: skip
    world.servers = list(servers.values())
    projects = [
        Project(
            seed_id("project/acme-shop"), "Acme Shop", "acme-shop", "17.0",
            "https://github.com/acme/acme-shop", "github", "main", servers["fsn1"].id,
            now - 200 * DAY,
        ),
        Project(
            seed_id("project/globex-erp"), "Globex ERP", "globex-erp", "16.0",
            "https://gitlab.com/globex/erp", "gitlab", "main", servers["fsn1"].id,
            now - 150 * DAY,
        ),
    ]  # fmt: skip
    world.projects = projects
    for p_index, project in enumerate(projects):
        for e_index, row in enumerate(_ENVS[project.slug]):
            name, env_type, branch, url, cpu, ram, disk, server_key, status = row
            env = Environment(
                id=seed_id(f"env/{project.slug}/{name}"),
                project_id=project.id,
                name=name,
                environment_type=env_type,
                status=status,
                url=url,
                odoo_version=project.odoo_version,
                branch=branch,
                server_id=servers[server_key].id,
                cpu_cores=cpu,
                ram_mb=ram,
                disk_gb=disk,
                created_at=project.created_at + (e_index + 1) * DAY,
                updated_at=now - (p_index * 3 + e_index + 1) * 3_600,
            )
            world.environments.append(env)
            server_name = servers[server_key].name
            deployed_at = now - (p_index * 3 + e_index + 1) * 7_200.0
            world.tasks.append(
                _past_deploy(f"{project.slug}/{name}/1", env, project, server_name, deployed_at)
            )
            if status == "error":
                world.tasks.append(
                    _past_deploy(
                        f"{project.slug}/{name}/2", env, project, server_name, now - 1_800.0,
                        fail=True,
                    )
                )  # fmt: skip
    return world


def _past_deploy(
    key: str,
    env: Environment,
    project: Project,
    server_name: str,
    queued_at: float,
    *,
    fail: bool = False,
) -> Task:
    task_id = seed_id(f"task/{key}")
    target = Target(
        server_name=server_name,
        repo_url=project.git_repo_url,
        branch=env.branch,
        odoo_version=env.odoo_version,
        url=env.url,
        ref=task_id.replace("-", "")[:7],
    )
    timeline = Timeline.schedule(
        plan_task(TaskKind.DEPLOY, target, fail=fail),
        queued_at=queued_at,
        task_seconds=PAST_DEPLOY_SECONDS,
    )
    return Task(
        id=task_id,
        kind=TaskKind.DEPLOY,
        environment_id=env.id,
        timeline=timeline,
        branch=env.branch,
        status=timeline.outcome,
    )
