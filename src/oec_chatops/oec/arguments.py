"""The client's arguments, checked before anything is sent. Pure.

A module name, a quick-update mode or an id that oec.sh would refuse (or that would change which
route a request reaches) is an `OecInvalidRequest` naming the field, with nothing sent: quicker
for the user, and no write budget spent on a request that cannot succeed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from oec_chatops.context import request_id_var
from oec_chatops.oec.errors import OecConfigError, OecInvalidRequest
from oec_chatops.oec.modules import parse_modules

QUICK_UPDATE_MODES = frozenset(
    {"pull_restart", "update_all", "update_specific", "reinitialize_specific"}
)
MODES_WITH_MODULES = frozenset({"update_specific", "reinitialize_specific"})
ACTION_VERBS = {
    "deploy": "deploy",
    "redeploy": "deploy",
    "restart": "restart",
    "start": "start",
    "stop": "stop",
}
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII: safe in a header


def invalid(message: str, field: str, endpoint: str) -> OecInvalidRequest:
    """The error for one refused argument."""
    return OecInvalidRequest(
        message,
        fields=[{"field": field, "message": message}],
        endpoint=endpoint,
        request_id=request_id_var.get(),
    )


def check_base_url(
    base_url: str,
    *,
    what: str = "The oec.sh API URL (OEC_API_URL)",
    example: str = "https://api.oec.sh/api/public/v1",
) -> tuple[str, str]:
    """The base URL without a trailing slash, and its scheme://host[:port] root.

    Every platform client checks its URL here, `what` and `example` naming that platform's, so
    a bad URL is refused at construction with the same sentence shape everywhere.
    """
    try:
        url = httpx.URL(base_url.strip())
    except httpx.InvalidURL as exc:
        raise OecConfigError(f"{what} is not a valid URL.") from exc
    if url.scheme not in {"http", "https"} or not url.host:
        raise OecConfigError(f"{what} must be an absolute http(s) URL, like {example}.")
    port = f":{url.port}" if url.port else ""
    root = f"{url.scheme}://{url.host}{port}"
    return root + url.path.rstrip("/"), root


def path_segment(value: str, name: str, endpoint: str) -> str:
    """An id as one path segment: never empty, never able to climb out of its route."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid(f"{name} must not be empty.", name, endpoint)
    return quote(text, safe="")


def check_modules(modules: Sequence[str], endpoint: str, *, allow_all: bool = True) -> list[str]:
    """Technical module names as §9.6 allows them, deduplicated, in the given order.

    The rule and its messages live in `oec.modules` (pure, shared with the command layer).
    """
    return parse_modules(modules, allow_all=allow_all, endpoint=endpoint).as_list


def check_idempotency_key(value: str, endpoint: str) -> str:
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.fullmatch(value):
        raise invalid(
            "The idempotency key must be 1-255 visible ASCII characters (a UUID is best).",
            "idempotency_key",
            endpoint,
        )
    return value


def action_name(verb: str) -> str:
    """The route of a chat verb: `redeploy` is `deploy` (§9.6)."""
    name = ACTION_VERBS.get(verb.strip().lower())
    if name is None:
        raise invalid(
            f"Unknown action {verb!r}; use one of {', '.join(sorted(ACTION_VERBS))}.",
            "verb",
            "POST /environments/{env_id}/{action}",
        )
    return name


def quick_update_body(mode: str, modules: Sequence[str] | None, endpoint: str) -> dict[str, Any]:
    """The body of a quick-update: `*_specific` modes need modules, the others take none."""
    if mode not in QUICK_UPDATE_MODES:
        raise invalid(
            f"Unknown quick-update mode {mode!r}; use one of "
            f"{', '.join(sorted(QUICK_UPDATE_MODES))}.",
            "mode",
            endpoint,
        )
    body: dict[str, Any] = {"mode": mode}
    if mode in MODES_WITH_MODULES:
        if not modules:
            raise invalid(
                f"Quick-update mode {mode} needs the modules to update.", "modules", endpoint
            )
        body["modules"] = check_modules(modules, endpoint, allow_all=False)
    elif modules:
        raise invalid(f"Quick-update mode {mode} takes no module list.", "modules", endpoint)
    return body
