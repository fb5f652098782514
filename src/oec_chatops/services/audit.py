"""One audit row, stamped with the clock's time and the id of the request being served.

Every service writes its decisions the same way; the stamping lives here once.
"""

from __future__ import annotations

from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var, team_id_var
from oec_chatops.store import Store


def audit(
    store: Store,
    clock: Clock,
    *,
    actor: str,
    action: str,
    target: str | None,
    result: str,
    detail: dict[str, Any],
) -> None:
    """Record who did what to what, and how it ended (inside the caller's transaction), in
    the workspace being served (`team_id_var`: `/oec audit` shows a workspace its own rows)."""
    store.audit.record(
        at=clock.time(),
        actor=actor,
        action=action,
        target=target,
        result=result,
        detail=detail,
        request_id=request_id_var.get(),
        team_id=team_id_var.get(),
    )
