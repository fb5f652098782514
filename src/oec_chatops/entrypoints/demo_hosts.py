"""The demo's two other hosts: the oCore and deployERP simulators beside oec.sh's.

`serve` with no credentials shows one bot on three hosts: both simulators run on loopback with
credentials generated for this run, and the bot gets a platforms file (written into the demo's
temporary directory, so a person can read what configured it) naming all three, read through
the same parser a real bot uses. deployERP's simulator signs its webhooks to the bot's
`/webhooks/derp`; its address must be known before the simulator is built, so the bot's port is
chosen first (`free_port`) when the caller asked for any free one.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from oec_chatops.deployerp_sim import DerpSimSettings, build_derp_sim_app
from oec_chatops.ocore_sim import (
    API_PREFIX,
    MANAGE,
    READ,
    SEED_SERVERS,
    OcoreSimSettings,
    build_ocore_sim_app,
    mint_token,
)
from oec_chatops.platforms import PlatformSecrets, parse_platforms, read_secrets
from oec_chatops.playground import serve_on_loopback

DEMO_ACTION_SECONDS = 8.0


@dataclass(frozen=True)
class OtherHosts:
    """Where the two simulators listen, and the platforms they make with oec.sh's."""

    ocore_url: str
    derp_url: str
    platforms_file: Path
    platforms: tuple[PlatformSecrets, ...]


def free_port(host: str) -> int:
    """A port nothing listens on right now (the bot binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def demo_platforms_toml(*, oec_url: str, ocore_url: str, derp_url: str) -> str:
    """The contract's example file, pointed at the demo's three simulators."""
    servers = ", ".join(f'"{k}" = "{v}"' for k, v in SEED_SERVERS.items())
    return (
        '[[platform]]\nname = "oec"\nkind = "oec"\n'
        f'url = "{oec_url}"\nkey_env = "OEC_API_KEY"\nread_key_env = "OEC_API_KEY_RO"\n'
        'webhook_secret_env = "OEC_WEBHOOK_SECRET"\n\n'
        '[[platform]]\nname = "ocore"\nkind = "ocore"\n'
        f'url = "{ocore_url}"\nkey_env = "OCORE_TOKEN"\nservers = {{ {servers} }}\n\n'
        '[[platform]]\nname = "derp"\nkind = "deployerp"\n'
        f'url = "{derp_url}"\nkey_env = "DEPLOYERP_API_KEY"\n'
        'webhook_secret_env = "DEPLOYERP_WEBHOOK_SECRET"\n'
    )


@contextlib.asynccontextmanager
async def other_hosts(
    *,
    host: str,
    ocore_port: int,
    derp_port: int,
    bot_url: str,
    oec_url: str,
    oec_secrets: dict[str, str],
    directory: Path,
    action_seconds: float = DEMO_ACTION_SECONDS,
) -> AsyncIterator[OtherHosts]:
    """Run both simulators while the block runs; `oec_secrets` are oec.sh's variables."""
    ocore_secret = secrets.token_urlsafe(32)
    token = mint_token(subject="demo-bot", permissions=(READ, MANAGE), secret=ocore_secret)
    derp_key = "derp_sk_write_" + secrets.token_urlsafe(24)
    hook_secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    ocore_app = build_ocore_sim_app(
        OcoreSimSettings(
            tokens=(token,),
            signing_secret=ocore_secret,
            start_seconds=action_seconds,
            stop_seconds=action_seconds / 2,
            restart_seconds=action_seconds,
        )
    )
    derp_app = build_derp_sim_app(
        DerpSimSettings(
            write_keys=(derp_key,),
            webhook_urls=(f"{bot_url}/webhooks/derp",),
            webhook_secret=hook_secret,
            action_seconds=action_seconds,
        )
    )
    async with (
        serve_on_loopback(ocore_app, host=host, port=ocore_port, lifespan="on") as ocore_url,
        serve_on_loopback(derp_app, host=host, port=derp_port, lifespan="on") as derp_url,
    ):
        text = demo_platforms_toml(
            oec_url=oec_url, ocore_url=ocore_url + API_PREFIX, derp_url=derp_url + "/v1"
        )
        path = directory / "platforms.toml"
        path.write_text(text, encoding="utf-8")
        environ = {
            **oec_secrets,
            "OCORE_TOKEN": token,
            "DEPLOYERP_API_KEY": derp_key,
            "DEPLOYERP_WEBHOOK_SECRET": hook_secret,
        }
        platforms = read_secrets(parse_platforms(text, source=str(path)), environ)
        yield OtherHosts(ocore_url, derp_url, path, platforms)
