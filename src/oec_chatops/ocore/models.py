"""What oCore sends (seed 004, CONTRACT.md §2), parsed tolerantly, and the domain types it maps to.

oCore spells fields in camelCase; the models read them through a camel-case alias generator
and ignore every field the bot does not use. Everything but ids is optional, and a status string
is kept exactly as given: an unknown one is shown, not refused.

`OcoreEnvironment` and `OcoreEnvironmentStatus` are the shared `Environment` and
`EnvironmentStatus` with oCore's extra facts (slug, status message, last seen, health score), so
they satisfy `Platform` and still carry what `/oec status` shows for an oCore instance.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from oec_chatops.oec.models import Environment, EnvironmentStatus


class OcoreModel(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="ignore", populate_by_name=True, alias_generator=to_camel
    )


class OcoreDomain(OcoreModel):
    domain: str
    is_primary: bool = False


class OcoreInstance(OcoreModel):
    """One element of `GET /instances` and the answer of `GET /instances/{id}`."""

    id: str
    name: str | None = None
    slug: str | None = None
    server_id: str | None = None
    status: str = "unknown"
    status_message: str | None = None
    odoo_version: str | None = None
    odoo_edition: str | None = None
    domains: list[OcoreDomain] = Field(default_factory=list)
    health_score: float | None = None
    health_score_grade: str | None = None
    last_seen_at: datetime | None = None
    last_restart_at: datetime | None = None
    restart_count: int | None = None
    enterprise_update_available: bool | None = None

    @property
    def primary_domain(self) -> str | None:
        """The primary domain, else the first one, else None."""
        for d in self.domains:
            if d.is_primary:
                return d.domain
        return self.domains[0].domain if self.domains else None


class OcoreInstanceList(OcoreModel):
    instances: list[OcoreInstance] = Field(default_factory=list)
    total: int | None = None


class OcoreHealth(OcoreModel):
    """`GET /instances/{id}/health`."""

    id: str
    slug: str | None = None
    status: str = "unknown"
    status_message: str | None = None
    last_seen_at: datetime | None = None


class HealthFactor(OcoreModel):
    name: str
    score: float = 0.0
    weight: float | None = None
    weighted: float | None = None
    details: str | None = None


class HealthScore(OcoreModel):
    """`GET /instances/{id}/health-score`."""

    score: float | None = None
    grade: str | None = None
    computed_at: datetime | None = None
    factors: list[HealthFactor] = Field(default_factory=list)


class OcoreEnvironment(Environment):
    """An oCore instance as an `Environment`; the group (project) is its server."""

    slug: str | None = None
    status_message: str | None = None
    server_name: str | None = None
    last_seen_at: datetime | None = None


class OcoreEnvironmentStatus(EnvironmentStatus):
    """`/health` (and the health score when oCore gave one) as an `EnvironmentStatus`."""

    slug: str | None = None
    status_message: str | None = None
    last_seen_at: datetime | None = None
    health_score: HealthScore | None = None
