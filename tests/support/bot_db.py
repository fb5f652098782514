"""The bot's database written from outside a bot process, as an operator's earlier command
would have left it: for the tests that start the bot as a child process and kill it."""

from __future__ import annotations

import time
from pathlib import Path

from oec_chatops.store import Store
from tests.support.stack import ADMIN, CHANNEL


def subscribe_in_db(db: Path | str, *, project_id: str, project_label: str, events: str) -> None:
    """The deploy channel subscribed to every environment of the project, for `events`."""
    store = Store(db)
    try:
        store.subscriptions.add(
            channel_id=CHANNEL,
            project_id=project_id,
            project_label=project_label,
            env_glob="*",
            events=(events,),
            created_by=ADMIN,
            now=time.time(),
        )
    finally:
        store.close()
