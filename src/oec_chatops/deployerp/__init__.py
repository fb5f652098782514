"""deployERP (seed 003, CONTRACT.md §3): its client, its `Platform` adapter and its webhooks.

from oec_chatops.deployerp import DerpClient, DerpPlatform, DerpSettings
platform = DerpPlatform(DerpClient(key=secret, settings=DerpSettings(base_url=url)))
"""

from oec_chatops.deployerp.adapter import DerpPlatform
from oec_chatops.deployerp.client import DerpClient
from oec_chatops.deployerp.settings import DerpSettings

__all__ = ["DerpClient", "DerpPlatform", "DerpSettings"]
