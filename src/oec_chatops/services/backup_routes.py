"""Which host keeps an environment's backups, and the calls the approval steps make on them.

With several hosts each environment id says where it lives (`hosts.Hosts.split`); an id of a
host without backups (oCore) is answered "not offered by <host>'s API" and nothing is sent, so
a `name:`-prefixed id never reaches another host's API. Task ids the hosts answer get their
host's prefix here, exactly as `Hosts` gives every other task id, so the tracker follows a
backup or a restore like any task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from oec_chatops.backup_host import BackupHost
from oec_chatops.errors import CommandError
from oec_chatops.hosts import LEGACY_NAME, Hosts, prefixed
from oec_chatops.oec.errors import OecContractError
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.oec.ops_models import Backup

# How far a lost backup create's server clock may be from ours and still be "that request".
ADOPT_SKEW = timedelta(minutes=2)
_ADOPT_LOOK = 5


@dataclass(frozen=True, slots=True)
class Routed:
    """One environment's backups: its host, the host's own id for it, and how to name both."""

    host: BackupHost
    env_id: str  # the host's own id
    name: str  # the host's prefix (`oec` ids stay bare)
    display: str

    def task_id(self, backup: Backup) -> str:
        """The prefixed task id the tracker follows this backup by."""
        own = self.host.task_id(self.env_id, backup)
        task = prefixed(self.name, own)
        if not task:
            raise OecContractError(
                f"{self.display} answered a backup without a task to follow it by.",
                endpoint="POST backups",
            )
        return task

    def accepted(self, answer: ActionAccepted, env_id: str) -> ActionAccepted:
        """The host's 202 with ids as the services know them."""
        return answer.model_copy(
            update={
                "task_id": prefixed(self.name, answer.task_id),
                "environment_id": env_id,
                "poll_url": answer.poll_url if self.name == LEGACY_NAME else None,
            }
        )


@dataclass(frozen=True, slots=True)
class BackupRoutes:
    """The hosts that keep backups, by host name (a single platform: its one entry)."""

    by_host: Mapping[str, BackupHost]
    hosts: Hosts | None = None

    def route(self, env_id: str) -> Routed:
        """The environment's backups, or a refusal naming the host that keeps none."""
        if self.hosts is None:
            host = self.by_host.get(LEGACY_NAME)
            if host is None:
                raise CommandError("Backups are not offered by this platform's API.")
            return Routed(host, env_id, LEGACY_NAME, "oec.sh")
        h, own = self.hosts.split(env_id)
        host = self.by_host.get(h.name)
        if host is None:
            raise CommandError(
                f"Backups are not offered by {h.display}'s API.",
                hint="The bot takes and restores backups of oec.sh and deployERP environments.",
            )
        return Routed(host, own, h.name, h.display)

    def offers(self, env_id: str) -> bool:
        try:
            self.route(env_id)
        except CommandError:
            return False
        return True

    async def restore(self, env_id: str, backup_id: str, *, key: str) -> ActionAccepted:
        """Send an approved restore, at most once per `key` (the approval id)."""
        r = self.route(env_id)
        if not r.host.restores:
            raise CommandError(f"Restoring is not offered by {r.display}'s API.")
        return r.accepted(await r.host.restore(backup_id, key=key), env_id)

    async def adopt(self, env_id: str, since: datetime) -> Backup | None:
        """A manual backup of the environment started at or after `since`, if one shows: the
        one a create whose answer (or whose recording) was lost started."""
        r = self.route(env_id)
        for backup in await r.host.latest(r.env_id, limit=_ADOPT_LOOK):
            created = backup.created_at
            if created is None or backup.backup_type not in (None, "manual"):
                continue
            if created.tzinfo is None:
                created = created.replace(tzinfo=since.tzinfo)
            if created >= since - ADOPT_SKEW:
                return backup
        return None
