"""The demo world: two servers, instances of every environment (one production), a backup.

`shop-prod` (environment `production`) is the instance approvals protect; `shop-staging` and
`shop-dev` sit beside it on `eu-1`, `crm-prod` and `crm-staging` on `us-1`. Creation times are
a minute apart so every sort order is stable. `extra` generated development instances
(`load-001`, ...) go on `us-1` for pagination.
"""

from __future__ import annotations

from dataclasses import dataclass

from oec_chatops.deployerp_sim.records import Backup, Instance, Server

EU, US = "srv_eu1", "srv_us1"


@dataclass(frozen=True, slots=True)
class World:
    servers: list[Server]
    instances: list[Instance]
    backups: list[Backup]


def demo_world(now: float, *, extra: int = 0) -> World:
    t0 = now - 30 * 86400
    servers = [
        Server(EU, "eu-1", "hetzner", "fsn1", "203.0.113.10", t0),
        Server(US, "us-1", "aws", "us-east-1", "203.0.113.20", t0 + 60),
    ]
    specs = [
        ("ins_shop_prod", "shop-prod", EU, "production", "17.0"),
        ("ins_shop_staging", "shop-staging", EU, "staging", "17.0"),
        ("ins_shop_dev", "shop-dev", EU, "development", "18.0"),
        ("ins_crm_prod", "crm-prod", US, "production", "16.0"),
        ("ins_crm_staging", "crm-staging", US, "staging", "16.0"),
    ]
    specs += [
        (f"ins_load_{n:03d}", f"load-{n:03d}", US, "development", "17.0")
        for n in range(1, extra + 1)
    ]
    instances = [
        Instance(
            id=iid,
            name=name,
            server_id=sid,
            environment=env,
            odoo_version=version,
            url=f"https://{name}.deployerp.example",
            created_at=t0 + 3600 + 60 * n,
            updated_at=t0 + 3600 + 60 * n,
        )
        for n, (iid, name, sid, env, version) in enumerate(specs)
    ]
    backups = [
        Backup(
            id="bkp_seed_1",
            instance_id="ins_shop_prod",
            created_at=now - 86400,
            ends_at=now - 86400 + 20,
            status="completed",
            size_bytes=734_003_200,
            completed_at=now - 86400 + 20,
        )
    ]
    return World(servers, instances, backups)


def empty_world() -> World:
    return World([], [], [])
