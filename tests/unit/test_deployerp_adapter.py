"""The adapter's pure mappings: task ids, action statuses, instances and servers."""

from __future__ import annotations

import pytest

from oec_chatops.deployerp.adapter import (
    action_task,
    decode_task_id,
    encode_task_id,
    instance_environment,
    server_project,
)
from oec_chatops.deployerp.models import DerpAction, DerpInstance, DerpServer
from oec_chatops.oec.errors import OecInvalidRequest


@pytest.mark.parametrize(
    ("instance_id", "action_id"),
    [("ins_1", "act_1"), ("ins~odd", "act%7Eodd"), ("a%25b", "~"), ("%~", "%257E")],
)
def test_task_ids_round_trip_whatever_the_ids_hold(instance_id: str, action_id: str) -> None:
    task_id = encode_task_id(instance_id, action_id)
    assert task_id.count("~") == 1
    assert decode_task_id(task_id) == (instance_id, action_id)


@pytest.mark.parametrize("task_id", ["", "act_1", "a~b~c", "~act", "ins~"])
def test_a_task_id_of_another_shape_is_refused_before_any_request(task_id: str) -> None:
    with pytest.raises(OecInvalidRequest):
        decode_task_id(task_id)


@pytest.mark.parametrize(
    ("status", "expected", "terminal"),
    [
        ("pending", "queued", False),
        ("running", "running", False),
        ("completed", "completed", True),
        ("failed", "failed", True),
    ],
)
def test_action_statuses_become_task_statuses(status: str, expected: str, terminal: bool) -> None:
    task = action_task(
        DerpAction(id="act_1", instance_id="ins_1", action="deploy", status=status, error="boom")
    )
    assert (task.id, task.status, task.terminal) == ("ins_1~act_1", expected, terminal)
    assert (task.type, task.environment_id, task.error_message) == ("deploy", "ins_1", "boom")


def test_instances_are_environments_of_their_server() -> None:
    env = instance_environment(
        DerpInstance(
            id="ins_1",
            name="shop-prod",
            server_id="srv_1",
            status="deploying",
            environment="production",
        )
    )
    assert (env.project_id, env.server_id, env.environment_type) == ("srv_1", "srv_1", "production")
    assert env.status == "deploying"
    project = server_project(DerpServer(id="srv_1", name="eu-1"), environment_count=3)
    assert (project.id, project.name, project.slug, project.environment_count) == (
        "srv_1",
        "eu-1",
        "eu-1",
        3,
    )
