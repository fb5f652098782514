"""Settings: typed, read once from the environment, secrets kept as `SecretStr`.

Nothing else in the package reads `os.environ`. A bad setting stops start-up with one line that
names the variable and says what is wrong with it, never its value (as `starlette.config` does).

With no credential variable set at all (`CREDENTIALS`), the bot runs on its embedded defaults:
the built-in oec.sh simulator and the local Slack stand-in (the playground), in one process.
Anything in between fails closed: a partial set of credentials, or a misspelt variable that
would otherwise leave none, stops start-up naming every missing or unknown variable, because
a bot that quietly became the demo would answer `/readyz` ok while serving no one.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oec_chatops.errors import ConfigError
from oec_chatops.oauth_config import OAUTH_VARIABLES, oauth_problems, oauth_requested
from oec_chatops.oec.signing import Scheme
from oec_chatops.platforms import PlatformSecrets, load_platforms, single_platform
from oec_chatops.retention import (
    DEFAULT_AUDIT,
    DEFAULT_DELIVERIES,
    MIN_RETENTION,
    RetentionPolicy,
    default_dedupe,
    format_duration,
    parse_duration,
)
from oec_chatops.secretbox import KEY_VARIABLE, parse_keys

DEFAULT_OEC_API_URL = "https://api.oec.sh/api/public/v1"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MAX_WEBHOOK_BODY = 1024 * 1024
DEFAULT_DB = Path("oec-chatops.db")

# Every variable that holds a Slack or oec.sh credential. Any one of them set means "this is a
# real bot": the demo runs only when none is, so a half-configured bot can never become it.
CREDENTIALS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "OEC_API_KEY",
    "OEC_API_KEY_RO",
    "OEC_WEBHOOK_SECRET",
    *OAUTH_VARIABLES,  # a multi-workspace install (`oauth_config`)
)
# Any one of these set means "this is a real bot": the credentials, and the platforms file
# (it names the variables holding a real bot's hosts' secrets; the demo never reads it).
REAL_BOT = (*CREDENTIALS, "OEC_CHATOPS_PLATFORMS")
SLACK_INGRESS = frozenset({"SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"})  # HTTP or Socket Mode
# Variables in these namespaces are ours: one the bot does not read is most likely a misspelling.
OWN_PREFIXES = ("SLACK_", "OEC_")
# What Kubernetes injects for a Service named e.g. `oec-chatops` (OEC_CHATOPS_SERVICE_HOST,
# OEC_CHATOPS_PORT=tcp://10.0.0.7:3000, ...): not settings, and not a mistake.
_SERVICE_LINK = re.compile(
    r"_(?:SERVICE_HOST|SERVICE_PORT(?:_\w+)?|PORT_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)$"
)
_SERVICE_LINK_PORT = re.compile(r"^(?:tcp|udp|sctp)://")

_OEC_KEY = re.compile(r"^oec_live_(?:(?:ro|rw)_)?[A-Za-z0-9_-]{20,200}$")


class Settings(BaseSettings):
    """Every setting the bot reads. Field names are the environment variables, lower-cased."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, env_ignore_empty=True
    )
    # Read by `load_settings` from the platforms file and the variables it names.
    _platforms: tuple[PlatformSecrets, ...] = PrivateAttr(default=())

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # xapp-...: Socket Mode instead of a public URL
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # A multi-workspace install (`oauth_config`): the app's OAuth credentials, and the key(s)
    # sealing each workspace's bot token and oec.sh key in the database (`secretbox`).
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    oec_chatops_encryption_key: SecretStr | None = None

    oec_api_key: SecretStr | None = None
    oec_api_key_ro: SecretStr | None = None
    oec_api_url: str = DEFAULT_OEC_API_URL
    # Several secrets, comma-separated, while a webhook secret is being rotated.
    oec_webhook_secret: SecretStr | None = None
    oec_webhook_scheme: Scheme = Scheme.OEC_V1
    oec_webhook_allow_untimestamped: bool = False
    oec_webhook_tolerance: int = Field(default=300, ge=30, le=3600)

    # An SQLite file, or `postgresql://...` for several replicas sharing one database.
    oec_chatops_db: Path | str = DEFAULT_DB
    oec_chatops_policy: Path | None = None
    # Several hosting platforms (oec.sh, oCore, deployERP): a TOML file, see `platforms.py`.
    oec_chatops_platforms: Path | None = None
    # Retention, as `30d`, `12h` or seconds (see `retention.py`). Dedupe keys default to a day
    # longer than payloads and may never be set shorter than payloads or the tolerance.
    oec_chatops_retain_deliveries: float = DEFAULT_DELIVERIES
    oec_chatops_retain_audit: float = DEFAULT_AUDIT
    oec_chatops_retain_dedupe: float | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    # Where Slack and oec.sh reach this bot (https://chatops.example.com): the default address
    # `webhooks register` gives oec.sh, so the operator types it once.
    public_url: str | None = None
    # Slack calls: a bound on each, and the outbox's pace (Slack's published limits; 0: no pacing).
    oec_chatops_slack_timeout: float = Field(default=10.0, gt=0, le=300)
    # PostgreSQL replicas: how long an outbox row stays claimed by a replica that stopped
    # renewing its claims (it died) before another sends it (services/outbox/claims.py).
    oec_chatops_outbox_claim: float = Field(default=30.0, ge=1, le=600)
    oec_chatops_slack_posts_per_second: float = Field(default=1.0, ge=0)
    oec_chatops_slack_updates_per_minute: float = Field(default=50.0, ge=0)

    @field_validator("oec_chatops_db", mode="before")
    @classmethod
    def _db(cls, v: object) -> object:
        """A PostgreSQL URL stays a string (a Path would fold its `//`); anything else is a
        file path, as before."""
        if isinstance(v, str) and v.startswith(("postgresql://", "postgres://")):
            return v
        return Path(v) if isinstance(v, str) else v

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return v

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return v

    @field_validator("oec_chatops_encryption_key")
    @classmethod
    def _encryption_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            try:
                parse_keys(v.get_secret_value())
            except ConfigError as exc:
                raise ValueError(str(exc).removeprefix(KEY_VARIABLE + ": ")) from None
        return v

    @property
    def oauth(self) -> bool:
        """Serving every workspace that installs the app (`/slack/install`), not one."""
        return self.slack_client_id is not None

    @field_validator("oec_api_key", "oec_api_key_ro")
    @classmethod
    def _oec_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not _OEC_KEY.match(v.get_secret_value()):
            raise ValueError("must look like oec_live_rw_<token> (or oec_live_ro_<token>)")
        return v

    @field_validator("oec_api_url", "slack_api_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http(s) URL")
        return v

    @field_validator(
        "oec_chatops_retain_deliveries",
        "oec_chatops_retain_audit",
        "oec_chatops_retain_dedupe",
        mode="before",
    )
    @classmethod
    def _duration(cls, v: object) -> float | None:
        if v is None:
            return None
        seconds = parse_duration(v)
        if seconds < MIN_RETENTION:
            raise ValueError(f"must be at least {format_duration(MIN_RETENTION)}")
        return seconds

    @field_validator("oec_chatops_retain_dedupe")
    @classmethod
    def _dedupe_outlives_replays(cls, v: float | None, info: ValidationInfo) -> float | None:
        # A key pruned while its delivery could still be replayed would let the replay in.
        if v is None:
            return None
        payloads = info.data.get("oec_chatops_retain_deliveries", DEFAULT_DELIVERIES)
        tolerance = info.data.get("oec_webhook_tolerance", 300)
        if v < payloads:
            raise ValueError(
                "must be at least OEC_CHATOPS_RETAIN_DELIVERIES "
                f"({format_duration(payloads)}): the key outlives the payload"
            )
        if v < tolerance:
            raise ValueError(
                f"must be at least OEC_WEBHOOK_TOLERANCE ({tolerance} s): "
                "a key must outlive every replay the signature check would accept"
            )
        return v

    @property
    def retention(self) -> RetentionPolicy:
        """What the pruner keeps, and for how long."""
        deliveries = self.oec_chatops_retain_deliveries
        tolerance = float(self.oec_webhook_tolerance)
        return RetentionPolicy(
            deliveries=deliveries,
            dedupe=self.oec_chatops_retain_dedupe or default_dedupe(deliveries, tolerance),
            audit=self.oec_chatops_retain_audit,
            tolerance=tolerance,
            untimestamped_accepted=self.oec_webhook_allow_untimestamped,
        )

    @property
    def embedded(self) -> bool:
        """True when no credential at all is set: run the simulator and the playground
        in-process. `load_settings` refuses every partial set, so this cannot be a typo."""
        return all(getattr(self, name.lower()) is None for name in REAL_BOT)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", v):
            raise ValueError("must be the bot's address, e.g. https://chatops.example.com")
        return v.rstrip("/") if v is not None else None

    @property
    def webhook_url(self) -> str | None:
        """Where oec.sh should deliver webhooks: PUBLIC_URL's /webhooks/oec, when it is set."""
        return f"{self.public_url}/webhooks/oec" if self.public_url else None

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The configured webhook secrets, newest first as the operator listed them."""
        if self.oec_webhook_secret is None:
            return ()
        raw = self.oec_webhook_secret.get_secret_value()
        return tuple(s.strip() for s in raw.split(",") if s.strip())

    def platforms(self) -> tuple[PlatformSecrets, ...]:
        """The hosts this bot serves: the platforms file's entries with their secrets, or the
        single-platform OEC_API_* variables as one host named `oec` (empty in the demo)."""
        if self.oec_chatops_platforms is not None:
            return self._platforms
        key, ro = self.oec_api_key, self.oec_api_key_ro
        single = single_platform(
            self.oec_api_url,
            key.get_secret_value() if key else None,
            ro.get_secret_value() if ro else None,
            self.oec_webhook_secret.get_secret_value() if self.oec_webhook_secret else None,
        )
        return (single,) if single else ()

    def platform_variables(self) -> tuple[str, ...]:
        """The variables the platforms file names (none without one)."""
        return tuple(v for p in self._platforms for v in p.entry.variables())

    def with_platforms(self, path: Path, hosts: tuple[PlatformSecrets, ...]) -> Settings:
        """A copy configured for `hosts`, read from the platforms file at `path` (the demo)."""
        copy = self.model_copy(update={"oec_chatops_platforms": path})
        copy._platforms = hosts
        return copy

    def secret_values(self) -> tuple[str, ...]:
        """Every secret value, so the log filter can redact them wherever they would appear."""
        values = [
            s.get_secret_value()
            for s in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.slack_client_secret,
                self.oec_chatops_encryption_key,
                self.oec_api_key,
                self.oec_api_key_ro,
            )
            if s is not None
        ]
        if self.oec_chatops_encryption_key is not None:  # several keys while rotating: each
            values += self.oec_chatops_encryption_key.get_secret_value().split(",")
        hosts = [v for p in self._platforms for v in p.values()]
        # A webhook secret may be several, comma-separated (rotation): redact each.
        hosts += [part.strip() for v in hosts for part in v.split(",")]
        if isinstance(self.oec_chatops_db, str):  # a PostgreSQL URL: its password, if any
            hosts.append(urlsplit(self.oec_chatops_db).password or "")
        return tuple(v for v in (*values, *self.webhook_secrets, *hosts) if len(v) >= 6)


def known_variables() -> frozenset[str]:
    """The environment variables the bot reads (upper-case), from the fields themselves."""
    return frozenset(name.upper() for name in Settings.model_fields)


@dataclass(frozen=True)
class UnknownVariable:
    """A SLACK_/OEC_ variable the bot does not read, and the known one it most resembles."""

    name: str
    suggestion: str | None

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return f"{self.name} is not a variable oec-chatops reads{hint}"


def unknown_variables(
    environ: Mapping[str, str] | None = None, *, named: Iterable[str] = ()
) -> tuple[UnknownVariable, ...]:
    """Each SLACK_/OEC_ variable the bot does not read: most likely a misspelt setting.

    Names only, never values. `environ` defaults to the process environment; `named` are the
    variables the platforms file names (read too, e.g. `OEC_API_KEY_EU`).
    """
    env = os.environ if environ is None else environ
    known = sorted(known_variables() | {n.upper() for n in named})
    found = []
    for raw_name, value in sorted(env.items()):
        name = raw_name.upper()
        if not name.startswith(OWN_PREFIXES) or name in known or _is_service_link(name, value):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        found.append(UnknownVariable(raw_name, close[0] if close else None))
    return tuple(found)


def _is_service_link(name: str, value: str) -> bool:
    return bool(_SERVICE_LINK.search(name)) or (
        name.endswith("_PORT") and bool(_SERVICE_LINK_PORT.match(value))
    )


def missing_credentials(present: frozenset[str]) -> tuple[str, ...]:
    """What a real bot still needs, given the credential variables that are set (upper-case).

    Nothing when none is set (the demo). Socket Mode's app-level token stands in for the
    signing secret; the read-only key and the webhook secret are optional for a real bot
    (the webhook secret only feeds notifications), but each of them still makes it one.
    """
    if not present & set(REAL_BOT):
        return ()
    needs = (
        ("SLACK_BOT_TOKEN", {"SLACK_BOT_TOKEN"}),
        ("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)", SLACK_INGRESS),
        # With a platforms file, each host's key is named (and checked) there instead.
        ("OEC_API_KEY", {"OEC_API_KEY", "OEC_CHATOPS_PLATFORMS"}),
    )
    missing = [name for name, any_of in needs if not present & any_of]
    return tuple(missing)


def _problems(
    present: frozenset[str], invalid: list[str], unknown: tuple[UnknownVariable, ...]
) -> list[str]:
    """Every reason not to start, in the order an operator fixes them; empty means start."""
    problems = list(invalid)
    if oauth_requested(present):
        oauth = oauth_problems(present)
        return problems + oauth + ([str(u) for u in unknown] if oauth else [])
    missing = missing_credentials(present)
    if missing:
        found = ", ".join(n for n in REAL_BOT if n in present)
        problems.append(
            f"missing {', '.join(missing)} ({found} set: this is not the demo, which runs "
            "only when no Slack or oec.sh credential variable is set)"
        )
        problems.extend(str(u) for u in unknown)
    elif unknown and not present & set(REAL_BOT):
        problems.append(
            "; ".join(str(u) for u in unknown)
            + ": with no credential set this would start the demo; fix the name, or unset it"
        )
    return problems


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from the environment (or `environ`), raising ConfigError on a bad value.

    `environ` replaces the process environment entirely, which is what tests want. One
    ConfigError names every malformed, missing and (where it matters) unknown variable at once.
    """
    env = os.environ if environ is None else environ
    fields = Settings.model_fields
    present = frozenset(
        {k.upper() for k, v in env.items() if v and k.lower() in fields}
        | {k.upper() for k, v in overrides.items() if v is not None}
    )
    settings: Settings | None = None
    invalid: list[str] = []
    try:
        if environ is None:
            settings = Settings(**overrides)  # type: ignore[arg-type]
        else:
            values: dict[str, object] = {
                k.lower(): v for k, v in environ.items() if k.lower() in fields and v
            }
            values.update(overrides)
            defaults = Settings.model_construct()  # defaults, to be validated below
            settings = Settings.model_validate({**defaults.model_dump(), **values})
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
            message = str(error["msg"]).removeprefix("Value error, ")
            invalid.append(f"{name}: {message}")
    problems = _problems(present, invalid, unknown_variables(env))
    hosts: tuple[PlatformSecrets, ...] = ()
    if settings is not None and settings.oec_chatops_platforms is not None:
        try:
            hosts = load_platforms(settings.oec_chatops_platforms, env)
        except ConfigError as exc:
            problems.append(str(exc).rstrip("."))
    if problems or settings is None:
        raise ConfigError("; ".join(problems) + ".")
    settings._platforms = hosts
    return settings
