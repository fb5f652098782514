"""Live container logs (`/oec logs <env> --runtime`) in a code block. Pure.

Cut like task logs (`logs.tail`): the most recent lines are the ones that matter, so lines are
dropped from the top until the escaped text fits a section. The source is named in the
message, because an Odoo traceback and a PostgreSQL line read alike at a glance.
"""

from __future__ import annotations

import math

from oec_chatops.domain import EnvRef
from oec_chatops.oec.ops_models import RuntimeLog
from oec_chatops.slack.blocks.kit import (
    Message,
    code,
    context,
    message,
    plural,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.logs import DEFAULT_LOG_CHARS, code_block, tail, truncation_note

SOURCE_NAMES = {"odoo": "Odoo", "postgres": "PostgreSQL", "container": "Container"}


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source.capitalize() or "Runtime")


def render_runtime_logs(
    env: EnvRef, log: RuntimeLog, *, max_chars: int = DEFAULT_LOG_CHARS
) -> Message:
    """The end of an environment's live Odoo, PostgreSQL or container log."""
    name = source_name(log.source)
    t = tail(log.log, max_chars)
    fetched = f" · fetched {slack_date(log.fetched_at)}" if log.fetched_at else ""
    if not t.text:
        return message(
            f"No {name} log lines for {env.label}.",
            [section(f"No {name} log lines for {code(env.label)}{fetched}.")],
        )
    notes = [f"{name} log of {code(env.label)}{fetched}"]
    note = truncation_note(t, api_truncated=False)
    if note:
        notes.append(note)
    return message(
        f"{name} log of {env.label}: last {plural(t.shown, 'line')}",
        [section(code_block(t)), context(*notes)],
    )


def runtime_limit_text(retry_after: float) -> str:
    """Why a runtime-log or metrics request was not sent, and when it can be."""
    seconds = max(1, math.ceil(retry_after))
    return (
        "oec.sh allows 6 runtime-log and metrics requests a minute per environment: "
        f"try again in {seconds} s."
    )
