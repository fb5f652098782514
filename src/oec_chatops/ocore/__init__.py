"""oCore (seed 004, CONTRACT.md §2) as a hosting platform: its client and its `Platform` adapter.

    client = OcoreClient.create(url, token, settings=settings, clock=clock)
    platform: Platform = OcoreAdapter(client, clock=clock, settings=settings)

Every value the contract pins (poll interval, 5-minute limit, production suffixes, server-name
fallback) lives in `OcoreSettings`.
"""

from oec_chatops.ocore.adapter import NO_LOGS, OcoreAdapter
from oec_chatops.ocore.client import DEFAULT_BASE_URL, OcoreClient
from oec_chatops.ocore.errors import LACKS_MANAGE, OcoreOutcomeUnknown, OcoreUnsupported
from oec_chatops.ocore.healthscore import format_health_score, weakest_factors
from oec_chatops.ocore.models import (
    HealthFactor,
    HealthScore,
    OcoreEnvironment,
    OcoreEnvironmentStatus,
)
from oec_chatops.ocore.settings import OcoreSettings
from oec_chatops.ocore.token import OcoreToken

__all__ = [
    "DEFAULT_BASE_URL",
    "LACKS_MANAGE",
    "NO_LOGS",
    "HealthFactor",
    "HealthScore",
    "OcoreAdapter",
    "OcoreClient",
    "OcoreEnvironment",
    "OcoreEnvironmentStatus",
    "OcoreOutcomeUnknown",
    "OcoreSettings",
    "OcoreToken",
    "OcoreUnsupported",
    "format_health_score",
    "weakest_factors",
]
