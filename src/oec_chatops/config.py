"""Settings: typed, read once from the environment, secrets kept as `SecretStr`.

Nothing else in the package reads `os.environ`. A bad setting stops start-up with one line that
names the variable and says what is wrong with it, never its value (as `starlette.config` does).

With neither `SLACK_BOT_TOKEN` nor `OEC_API_KEY` set, the bot runs on its embedded defaults: the
built-in oec.sh simulator and the local Slack stand-in (the playground), in one process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oec_chatops.errors import ConfigError
from oec_chatops.oec.signing import Scheme

DEFAULT_OEC_API_URL = "https://api.oec.sh/api/public/v1"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MAX_WEBHOOK_BODY = 1024 * 1024

_OEC_KEY = re.compile(r"^oec_live_(?:(?:ro|rw)_)?[A-Za-z0-9_-]{20,200}$")


class Settings(BaseSettings):
    """Every setting the bot reads. Field names are the environment variables, lower-cased."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, env_ignore_empty=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # xapp-...: Socket Mode instead of a public URL
    slack_api_url: str = DEFAULT_SLACK_API_URL

    oec_api_key: SecretStr | None = None
    oec_api_key_ro: SecretStr | None = None
    oec_api_url: str = DEFAULT_OEC_API_URL
    # Several secrets, comma-separated, while a webhook secret is being rotated.
    oec_webhook_secret: SecretStr | None = None
    oec_webhook_scheme: Scheme = Scheme.OEC_V1
    oec_webhook_allow_untimestamped: bool = False
    oec_webhook_tolerance: int = Field(default=300, ge=30, le=3600)

    oec_chatops_db: Path = Path("oec-chatops.db")
    oec_chatops_policy: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    public_url: str | None = None  # where Slack and oec.sh reach this bot, for `check` and docs
    # Slack calls: a bound on each, and the outbox's pace (Slack's published limits; 0: no pacing).
    oec_chatops_slack_timeout: float = Field(default=10.0, gt=0, le=300)
    oec_chatops_slack_posts_per_second: float = Field(default=1.0, ge=0)
    oec_chatops_slack_updates_per_minute: float = Field(default=50.0, ge=0)

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

    @property
    def embedded(self) -> bool:
        """True when no credentials are set: run the simulator and the playground in-process."""
        return self.slack_bot_token is None and self.oec_api_key is None

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The configured webhook secrets, newest first as the operator listed them."""
        if self.oec_webhook_secret is None:
            return ()
        raw = self.oec_webhook_secret.get_secret_value()
        return tuple(s.strip() for s in raw.split(",") if s.strip())

    def secret_values(self) -> tuple[str, ...]:
        """Every secret value, so the log filter can redact them wherever they would appear."""
        values = [
            s.get_secret_value()
            for s in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.oec_api_key,
                self.oec_api_key_ro,
            )
            if s is not None
        ]
        return tuple(v for v in (*values, *self.webhook_secrets) if len(v) >= 6)


def _check_complete(s: Settings) -> None:
    if s.embedded:
        return
    if s.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is required when OEC_API_KEY is set.")
    if s.oec_api_key is None:
        raise ConfigError("OEC_API_KEY is required when SLACK_BOT_TOKEN is set.")
    if s.slack_signing_secret is None and s.slack_app_token is None:
        raise ConfigError("SLACK_SIGNING_SECRET is required (or SLACK_APP_TOKEN for Socket Mode).")


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from the environment (or `environ`), raising ConfigError on a bad value.

    `environ` replaces the process environment entirely, which is what tests want.
    """
    try:
        if environ is None:
            settings = Settings(**overrides)  # type: ignore[arg-type]
        else:
            values: dict[str, object] = {
                k.lower(): v for k, v in environ.items() if k.lower() in Settings.model_fields and v
            }
            values.update(overrides)
            settings = Settings.model_construct()  # defaults, to be validated below
            settings = Settings.model_validate({**settings.model_dump(), **values})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}.") from None
    _check_complete(settings)
    return settings
