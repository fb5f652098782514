"""Live container logs (`/oec logs <env> --runtime`) in a code block. Pure.

Cut like task logs (`logs.tail`): the most recent lines are the ones that matter, so lines are
dropped from the top until the escaped text fits a section. The source is named in the
message, because an Odoo traceback and a PostgreSQL line read alike at a glance.
"""

from __future__ import annotations

import math

from oec_chatops.domain import EnvRef
from oec_chatops.oec.ops_models import RuntimeLog
from oec_chatops.slack.blocks.kit import Message, slack_date
from oec_chatops.slack.blocks.logs import DEFAULT_LOG_CHARS, tail_message

SOURCE_NAMES = {"odoo": "Odoo", "postgres": "PostgreSQL", "container": "Container"}


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source.capitalize() or "Runtime")


def render_runtime_logs(
    env: EnvRef, log: RuntimeLog, *, max_chars: int = DEFAULT_LOG_CHARS
) -> Message:
    """The end of an environment's live Odoo, PostgreSQL or container log."""
    fetched = f" · fetched {slack_date(log.fetched_at)}" if log.fetched_at else ""
    kind = f"{source_name(log.source)} log"
    return tail_message(env, log.log, kind=kind, suffix=fetched, max_chars=max_chars)


def runtime_limit_text(retry_after: float) -> str:
    """Why a runtime-log or metrics request was not sent, and when it can be."""
    seconds = max(1, math.ceil(retry_after))
    return (
        "oec.sh allows 6 runtime-log and metrics requests a minute per environment: "
        f"try again in {seconds} s."
    )
