"""A notification names its environment the way commands accept it, even before the bot has
listed that project: the label in a message can be typed back."""

from __future__ import annotations

from pathlib import Path

from tests.support.stack import CHANNEL, running_stack
from tests.support.webhook_helpers import deliver, deployment_messages, task_data, text_of, until


async def test_a_platform_deploy_is_labelled_by_the_project_slug(tmp_path: Path) -> None:
    async with running_stack(tmp_path, webhook_events=None) as s:
        assert s.c.store.environments.get(s.env_id("acme-shop/staging")) is None  # never listed
        task_id = "7c0ffee0-0000-4000-8000-000000000001"
        data = task_data(s, "acme-shop/staging", task_id, "running")
        assert data["project_name"] == "Acme Shop"
        assert (await deliver(s, "deploy.started", data)).status_code == 200

        await until(lambda: deployment_messages(s.fake, CHANNEL, task_id), what="the message")
        [message] = deployment_messages(s.fake, CHANNEL, task_id)
        assert "acme-shop/staging" in text_of(message)
        assert "Acme Shop/staging" not in text_of(message)
