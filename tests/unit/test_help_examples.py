"""The example on the user's own data: a change goes to an environment that runs at once."""

from __future__ import annotations

from oec_chatops.domain import EnvRef, Verb
from oec_chatops.slack.grammar import OwnExample, own_example


def ref(project: str, env: str) -> EnvRef:
    return EnvRef(env_id=f"{project}-{env}", env_name=env, project_id=project, project_name=project)


REFS = [ref("shop", "staging"), ref("shop", "main"), ref("erp", "prod")]


def protected(r: EnvRef) -> bool:
    return r.env_name in {"main", "prod"}


def test_a_change_is_shown_on_an_unprotected_environment() -> None:
    assert own_example(Verb.DEPLOY, REFS, protected) == OwnExample("/oec deploy shop/staging")


def test_when_every_environment_is_protected_the_example_says_it_asks_first() -> None:
    only = [r for r in REFS if protected(r)]
    assert own_example(Verb.RESTART, only, protected) == OwnExample(
        "/oec restart erp/prod", needs_approval=True
    )


def test_a_read_takes_any_environment_and_a_project_verb_a_project() -> None:
    assert own_example(Verb.LOGS, REFS, protected) == OwnExample("/oec logs erp/prod")
    assert own_example(Verb.ENVS, REFS, protected) == OwnExample("/oec envs erp")


def test_no_example_without_a_target_or_without_environments() -> None:
    assert own_example(Verb.APPROVALS, REFS, protected) is None
    assert own_example(Verb.DEPLOY, [], protected) is None
