"""The platforms file (`OEC_CHATOPS_PLATFORMS`, CONTRACT.md §1) as typed entries. Pure.

One bot may serve several Odoo hosts: each `[[platform]]` entry names a host, its kind
(`oec`, `ocore`, `deployerp`), its API URL and the **names** of the environment variables that
hold its secrets. The file never holds a secret itself, so it can be committed and reviewed;
the values are read from the environment at start-up.

Fail closed: a malformed file, a bad name, a duplicate, or any `*_env` variable that is not set
stops start-up with one `ConfigError` naming every problem at once (names only, never values),
which the CLI turns into exit 2. A half-configured host must not silently disappear from
`/oec envs`: people would read its absence as "nothing there".

Without the file, `single_platform` turns today's `OEC_API_*` variables into one entry named
`oec`, so existing deployments, databases and references keep working unchanged.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from oec_chatops.errors import ConfigError

Kind = Literal["oec", "ocore", "deployerp"]
KINDS: tuple[Kind, ...] = ("oec", "ocore", "deployerp")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_FIELDS = ("key_env", "read_key_env", "webhook_secret_env")
_KNOWN = frozenset({"name", "kind", "url", "servers", *_SECRET_FIELDS})


@dataclass(frozen=True, slots=True)
class PlatformEntry:
    """One `[[platform]]` entry: where the host is and which variables hold its secrets."""

    name: str
    kind: Kind
    url: str | None
    key_env: str
    read_key_env: str | None = None
    webhook_secret_env: str | None = None
    servers: Mapping[str, str] = field(default_factory=dict)

    def variables(self) -> tuple[str, ...]:
        """Every environment variable this entry needs set."""
        return tuple(v for v in (self.key_env, self.read_key_env, self.webhook_secret_env) if v)


@dataclass(frozen=True, slots=True)
class PlatformSecrets:
    """An entry with its secrets read from the environment (repr never shows them)."""

    entry: PlatformEntry
    key: str = field(repr=False)
    read_key: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.key, self.read_key, self.webhook_secret) if v)


def parse_platforms(text: str, *, source: str = "platforms file") -> tuple[PlatformEntry, ...]:
    """Entries from the TOML text, or one `ConfigError` naming every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc}).") from None
    raw = data.get("platform")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{source}: needs at least one [[platform]] entry.")
    problems: list[str] = []
    entries: list[PlatformEntry] = []
    seen: set[str] = set()
    for n, item in enumerate(raw, start=1):
        where = f"{source}: platform #{n}"
        if not isinstance(item, dict):
            problems.append(f"{where} is not a table")
            continue
        entry = _entry(item, where, problems)
        if entry is None:
            continue
        if entry.name in seen:
            problems.append(f"{where}: the name {entry.name!r} is used twice")
        seen.add(entry.name)
        entries.append(entry)
    if problems:
        raise ConfigError("; ".join(problems) + ".")
    return tuple(entries)


def _entry(item: dict[str, Any], where: str, problems: list[str]) -> PlatformEntry | None:
    before = len(problems)
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(f"{where}: name must be lower-case letters, digits and '-' (got {name!r})")
    kind = item.get("kind")
    if name == "oec" and kind != "oec":  # `oec` is the host whose ids stay bare (hosts.py)
        problems.append(f"{where}: the name 'oec' is for the oec.sh platform (kind = \"oec\")")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
    url = item.get("url")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("http://", "https://"))
    ):
        problems.append(f"{where}: url must be an http(s) URL")
    for key in sorted(set(item) - _KNOWN):
        problems.append(f"{where}: unknown field {key!r}")
    envs: dict[str, str | None] = {}
    for key in _SECRET_FIELDS:
        value = item.get(key)
        if value is not None and (not isinstance(value, str) or not _ENV_NAME.match(value)):
            problems.append(f"{where}: {key} must name an environment variable")
            value = None
        envs[key] = value
    if envs["key_env"] is None and "key_env" not in item:
        problems.append(f"{where}: key_env is required (the variable holding the API key)")
    servers = item.get("servers", {})
    if not isinstance(servers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in servers.items()
    ):
        problems.append(f"{where}: servers must map server ids to names")
        servers = {}
    elif servers and kind != "ocore":
        problems.append(f'{where}: servers is only for kind = "ocore"')
    if kind == "ocore" and envs["webhook_secret_env"]:
        problems.append(f"{where}: oCore sends no webhooks; remove webhook_secret_env")
    if len(problems) > before:
        return None
    assert isinstance(name, str)
    assert kind in KINDS
    assert envs["key_env"]
    return PlatformEntry(
        name=name,
        kind=kind,
        url=url,
        key_env=envs["key_env"],
        read_key_env=envs["read_key_env"],
        webhook_secret_env=envs["webhook_secret_env"],
        servers=dict(servers),
    )


def read_secrets(
    entries: tuple[PlatformEntry, ...], environ: Mapping[str, str]
) -> tuple[PlatformSecrets, ...]:
    """Each entry's secrets from `environ`; one `ConfigError` naming every unset variable."""
    missing = sorted({v for e in entries for v in e.variables() if not environ.get(v, "").strip()})
    if missing:
        raise ConfigError(
            "the platforms file names variables that are not set: " + ", ".join(missing) + "."
        )
    return tuple(
        PlatformSecrets(
            entry=e,
            key=environ[e.key_env].strip(),
            read_key=environ[e.read_key_env].strip() if e.read_key_env else None,
            webhook_secret=(
                environ[e.webhook_secret_env].strip() if e.webhook_secret_env else None
            ),
        )
        for e in entries
    )


def load_platforms(path: Path, environ: Mapping[str, str]) -> tuple[PlatformSecrets, ...]:
    """The file at `path`, parsed, with its secrets read: the one I/O step (reading the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"OEC_CHATOPS_PLATFORMS: cannot read {path} ({exc.strerror or exc})."
        ) from None
    return read_secrets(parse_platforms(text, source=str(path)), environ)


def single_platform(
    url: str, key: str | None, read_key: str | None, webhook_secret: str | None
) -> PlatformSecrets | None:
    """Today's OEC_API_* variables as the one platform `oec` (None without a key: the demo)."""
    if key is None:
        return None
    entry = PlatformEntry(
        name="oec",
        kind="oec",
        url=url,
        key_env="OEC_API_KEY",
        read_key_env="OEC_API_KEY_RO" if read_key else None,
        webhook_secret_env="OEC_WEBHOOK_SECRET" if webhook_secret else None,
    )
    return PlatformSecrets(entry, key, read_key, webhook_secret)
