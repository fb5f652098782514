"""API keys as the deployERP simulator checks them: Bearer only, one documented level each.

Levels are ordered Read < Write < Delete < Admin; a write needs Write or above. Keys are held by
fingerprint (`sim.keys.fingerprint`), so the state never keeps a key to recognise it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from oec_chatops.deployerp_sim.errors import DerpApiError
from oec_chatops.deployerp_sim.settings import DerpSimSettings
from oec_chatops.sim.keys import fingerprint


class Level(IntEnum):
    READ = 1
    WRITE = 2
    DELETE = 3
    ADMIN = 4


@dataclass(frozen=True, slots=True)
class Caller:
    level: Level
    fingerprint: str


def build_keyring(settings: DerpSimSettings) -> dict[str, Level]:
    ring: dict[str, Level] = {}
    for keys, level in (
        (settings.read_keys, Level.READ),
        (settings.write_keys, Level.WRITE),
        (settings.delete_keys, Level.DELETE),
        (settings.admin_keys, Level.ADMIN),
    ):
        ring.update({fingerprint(k): level for k in keys})
    return ring


def authenticate(headers: Mapping[str, str], keyring: Mapping[str, Level]) -> Caller:
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DerpApiError(
            401, "unauthorized", "Missing API key: send Authorization: Bearer <key>."
        )
    fp = fingerprint(token.strip())
    level = keyring.get(fp)
    if level is None:
        raise DerpApiError(401, "unauthorized", "Invalid or missing API key.")
    return Caller(level, fp)
