"""The policy: roles, protected environments, approvers, and every way the file can be wrong."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from oec_chatops.domain import ALWAYS_GATED_VERBS, EnvRef, Role, Verb
from oec_chatops.errors import ConfigError, PolicyDenied
from oec_chatops.policy import (
    ApprovalRules,
    Policy,
    approval_refusal,
    approval_rules,
    authorize,
    backup_first,
    can_approve,
    is_protected,
    load_policy,
    parse_duration,
    parse_policy,
    required_role,
    role_of,
    visible_verbs,
)

EXAMPLE = """
default_role = "viewer"          # viewer | deployer | admin
[roles]                          # Slack user ids (U...) or user-group ids (S...)
admins    = ["U0ADMIN"]
deployers = ["S0DEVTEAM", "U0DEV"]
viewers   = []
approvers = ["U0LEAD1", "U0LEAD2"]
[protected]                      # changes here need approval
match = ["production", "*-prod", "shop/main"]   # env type, env name, or project/env globs
approvals = 2                    # distinct approvers required
self_approval = true
expires = "2h"                   # 90s, 30m, 2h, 1d
"""


@pytest.fixture
def example() -> Policy:
    return parse_policy(EXAMPLE)


def env(
    name: str,
    *,
    project: str = "Acme Shop",
    slug: str | None = "shop",
    env_type: str | None = None,
) -> EnvRef:
    return EnvRef(
        env_id="e-" + name,
        env_name=name,
        project_id="p-1",
        project_name=project,
        project_slug=slug,
        env_type=env_type,
    )


# Parsing -------------------------------------------------------------------------------------


def test_the_example_file_parses(example: Policy) -> None:
    assert example.default_role is Role.VIEWER
    assert example.admins == {"U0ADMIN"}
    assert example.deployers == {"S0DEVTEAM", "U0DEV"}
    assert example.viewers == frozenset()
    assert example.approvers == {"U0LEAD1", "U0LEAD2"}
    assert example.protected == ("production", "*-prod", "shop/main")
    assert approval_rules(example) == ApprovalRules(2, True, timedelta(hours=2))


def test_an_empty_file_is_the_default_policy() -> None:
    assert parse_policy("") == Policy.default()


def test_default_policy_everyone_views_and_nobody_changes() -> None:
    p = Policy.default()
    assert role_of(p, "U1", ["S1"]) is Role.VIEWER
    assert not authorize(p, "U1", [], Verb.DEPLOY).allowed
    assert authorize(p, "U1", [], Verb.STATUS).allowed
    assert not can_approve(p, "U1", [])
    assert approval_rules(p) == ApprovalRules(1, False, timedelta(minutes=30))


def test_defaults_for_a_file_that_only_lists_roles() -> None:
    p = parse_policy('[roles]\nadmins = ["U0ADMIN"]')
    assert p.admins == {"U0ADMIN"}
    assert p.rules == ApprovalRules()


def test_a_single_string_where_a_list_is_expected_is_accepted() -> None:
    p = parse_policy('[roles]\nadmins = "U0ADMIN"\n[protected]\nmatch = "production"')
    assert p.admins == {"U0ADMIN"}
    assert p.protected == ("production",)


def test_globs_are_case_folded_and_roles_trimmed() -> None:
    p = parse_policy('default_role = " Deployer "\n[protected]\nmatch = ["Shop/*-PROD"]')
    assert p.default_role is Role.DEPLOYER
    assert p.protected == ("shop/*-prod",)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("default_role = 'superuser'", "`default_role` is 'superuser'; expected one of viewer"),
        ("default_role = 3", "`default_role` is 3"),
        ("[role]\nadmins = ['U1AA']", "unknown key `role`"),
        ("[roles]\nsuperusers = ['U1AA']", "unknown key `roles.superusers`"),
        ("[roles]\ndeployer = ['U1AA']", "unknown key `roles.deployer`"),
        ("[protected]\nexpiry = '30m'", "unknown key `protected.expiry`"),
        ("roles = 1", "`roles` must be a table"),
        ("[roles]\nadmins = [1]", "`roles.admins` must be a list of strings"),
        ("[roles]\nadmins = {a = 1}", "`roles.admins` must be a list of strings"),
        ("[roles]\nadmins = ['@alice']", "`roles.admins[0]` is '@alice'"),
        ("[roles]\napprovers = ['U0LEAD', 'lead']", "`roles.approvers[1]` is 'lead'"),
        ("[protected]\nmatch = ['']", "`protected.match[0]` is ''"),
        ("[protected]\nmatch = ['a/b/c']", "`protected.match[0]` is 'a/b/c'"),
        ("[protected]\napprovals = 0", "`protected.approvals` is 0"),
        ("[protected]\napprovals = 11", "`protected.approvals` is 11"),
        ("[protected]\napprovals = true", "`protected.approvals` is True"),
        ("[protected]\napprovals = '2'", "`protected.approvals` is '2'"),
        ("[protected]\nself_approval = 'no'", "`protected.self_approval` is 'no'"),
        ("[protected]\nexpires = '30 minutes'", "`protected.expires` is '30 minutes'"),
        ("[protected]\nexpires = '0s'", "`protected.expires` is '0s'"),
        ("[protected]\nexpires = '31d'", "at most 30d"),
        ("[protected]\nexpires = ''", "`protected.expires` is ''"),
        ("[protected]\nexpires = -5", "`protected.expires` is -5"),
        ("[protected]\nexpires = true", "`protected.expires` is True"),
        ("default_role = ", "not valid TOML"),
    ],
)
def test_bad_files_name_the_bad_key(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_policy(text)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "m", "30", "30x", "1m1h", "-5m", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_expires_as_a_number_of_seconds() -> None:
    assert parse_policy("[protected]\nexpires = 600").rules.expires == timedelta(minutes=10)


def test_load_policy_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_policy(path) == parse_policy(EXAMPLE)
    assert load_policy(str(path)) == parse_policy(EXAMPLE)


def test_load_policy_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml does not exist"):
        load_policy(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text("[roles]\nadmins = ['x']", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: `roles\.admins\[0\]`"):
        load_policy(bad)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_policy(binary)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_policy(tmp_path)  # a directory


# Roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "groups", "role"),
    [
        ("U0ADMIN", [], Role.ADMIN),
        ("U0DEV", [], Role.DEPLOYER),
        ("U0SOMEONE", ["S0DEVTEAM"], Role.DEPLOYER),
        ("U0SOMEONE", ["S0OTHER", "S0DEVTEAM"], Role.DEPLOYER),
        ("U0SOMEONE", [], Role.VIEWER),
        ("U0LEAD1", [], Role.VIEWER),  # approving is a capability, not a role
    ],
)
def test_role_of(example: Policy, user: str, groups: list[str], role: Role) -> None:
    assert role_of(example, user, groups) is role


def test_the_highest_listed_role_wins() -> None:
    p = parse_policy('[roles]\nadmins = ["S0OPS"]\ndeployers = ["U0DEV"]\nviewers = ["U0DEV"]')
    assert role_of(p, "U0DEV", []) is Role.DEPLOYER
    assert role_of(p, "U0DEV", ["S0OPS"]) is Role.ADMIN


def test_viewers_pins_someone_below_a_higher_default() -> None:
    p = parse_policy('default_role = "deployer"\n[roles]\nviewers = ["U0INTERN"]')
    assert role_of(p, "U0INTERN", []) is Role.VIEWER
    assert role_of(p, "U0ANYONE", []) is Role.DEPLOYER


def test_groups_can_be_any_iterable(example: Policy) -> None:
    assert role_of(example, "U0X", iter(["S0DEVTEAM"])) is Role.DEPLOYER
    assert role_of(example, "U0X", (g for g in ["S0DEVTEAM"])) is Role.DEPLOYER


@pytest.mark.parametrize(
    ("verb", "role"),
    [
        (Verb.HELP, Role.VIEWER),
        (Verb.WHOAMI, Role.VIEWER),
        (Verb.PROJECTS, Role.VIEWER),
        (Verb.ENVS, Role.VIEWER),
        (Verb.STATUS, Role.VIEWER),
        (Verb.LOGS, Role.VIEWER),
        (Verb.APPROVALS, Role.VIEWER),
        (Verb.SUBSCRIPTIONS, Role.VIEWER),
        (Verb.DEPLOY, Role.DEPLOYER),
        (Verb.REDEPLOY, Role.DEPLOYER),
        (Verb.RESTART, Role.DEPLOYER),
        (Verb.START, Role.DEPLOYER),
        (Verb.STOP, Role.DEPLOYER),
        (Verb.SUBSCRIBE, Role.DEPLOYER),
        (Verb.UNSUBSCRIBE, Role.DEPLOYER),
    ],
)
def test_required_role(verb: Verb, role: Role) -> None:
    assert required_role(verb) is role


def test_authorize_allows_with_no_message(example: Policy) -> None:
    d = authorize(example, "U0DEV", [], Verb.DEPLOY)
    assert d.allowed
    assert (d.role, d.required, d.message) == (Role.DEPLOYER, Role.DEPLOYER, "")
    d.raise_if_denied()


def test_authorize_denies_with_a_sentence_that_says_what_to_do(example: Policy) -> None:
    d = authorize(example, "U0NOBODY", [], Verb.DEPLOY)
    assert not d.allowed
    assert d.role is Role.VIEWER
    assert d.required is Role.DEPLOYER
    assert d.message == (
        "`/oec deploy` needs the deployer role; you are a viewer. "
        "Ask an admin to add you to `deployers` in the policy file."
    )
    with pytest.raises(PolicyDenied) as info:
        d.raise_if_denied()
    assert info.value.required_role == "deployer"
    assert str(info.value) == d.message


def test_admins_may_do_everything(example: Policy) -> None:
    assert all(authorize(example, "U0ADMIN", [], v).allowed for v in Verb)


def test_visible_verbs(example: Policy) -> None:
    viewer = visible_verbs(example, "U0NOBODY", [])
    assert viewer == (
        Verb.HELP,
        Verb.WHOAMI,
        Verb.PROJECTS,
        Verb.ENVS,
        Verb.STATUS,
        Verb.LOGS,
        Verb.BACKUPS,
        Verb.METRICS,
        Verb.APPROVALS,
        Verb.SUBSCRIPTIONS,
    )
    admin_only = {Verb.FREEZE, Verb.UNFREEZE, Verb.REINIT, Verb.AUDIT, Verb.RESTORE}
    deployer = visible_verbs(example, "U0X", ["S0DEVTEAM"])
    assert deployer == tuple(v for v in Verb if v not in admin_only)
    assert visible_verbs(example, "U0ADMIN", []) == tuple(Verb)


def test_a_module_reinit_is_for_admins_and_always_gated(example: Policy) -> None:
    denied = authorize(example, "U0X", ["S0DEVTEAM"], Verb.REINIT)
    assert not denied.allowed
    assert denied.required is Role.ADMIN
    assert "needs the admin role" in denied.message
    assert authorize(example, "U0ADMIN", [], Verb.REINIT).allowed
    assert authorize(example, "U0X", ["S0DEVTEAM"], Verb.UPDATE).allowed
    assert authorize(example, "U0X", ["S0DEVTEAM"], Verb.PULL).allowed
    assert not authorize(example, "U0NOBODY", [], Verb.UPDATE).allowed
    assert Verb.REINIT in ALWAYS_GATED_VERBS


def test_only_admins_read_the_audit_trail(example: Policy) -> None:
    assert not authorize(example, "U0X", ["S0DEVTEAM"], Verb.AUDIT).allowed
    assert not authorize(example, "U0NOBODY", [], Verb.AUDIT).allowed
    assert authorize(example, "U0ADMIN", [], Verb.AUDIT).allowed


# Protection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "protected"),
    [
        (env("staging", env_type="production"), True),  # the type alone protects
        (env("live", env_type="Production"), True),
        (env("production"), True),  # a plain word matches the env name
        (env("PRODUCTION"), True),
        (env("anything", env_type=" production "), True),
        (env("shop-prod"), True),  # *-prod
        (env("Shop-PROD"), True),
        (env("prod"), False),
        (env("main"), True),  # shop/main by slug
        (env("main", slug=None, project="shop"), True),  # by project name
        (env("main", slug="store", project="Shop"), True),  # by name when the slug differs
        (env("main", slug="store", project="Store"), False),
        (env("staging", env_type="staging"), False),
        (env("staging", env_type=None), False),
    ],
)
def test_is_protected(example: Policy, ref: EnvRef, protected: bool) -> None:
    assert is_protected(example, ref) is protected


def test_a_bare_word_matches_the_type_too() -> None:
    p = parse_policy('[protected]\nmatch = ["staging"]')
    assert is_protected(p, env("qa", env_type="staging"))
    assert not is_protected(p, env("qa", env_type="development"))


def test_project_globs() -> None:
    p = parse_policy('[protected]\nmatch = ["acme*/*"]')
    assert is_protected(p, env("dev", slug=None, project="Acme Shop"))
    assert not is_protected(p, env("dev", slug="shop", project="Shop"))


def test_production_type_is_protected_even_with_no_match_list() -> None:
    assert is_protected(Policy.default(), env("x", env_type="production"))
    assert not is_protected(Policy.default(), env("production-like"))


# Approvers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "groups", "allowed"),
    [
        ("U0LEAD1", [], True),
        ("U0ADMIN", [], True),
        ("U0DEV", [], False),
        ("U0X", ["S0DEVTEAM"], False),
    ],
)
def test_can_approve(example: Policy, user: str, groups: list[str], allowed: bool) -> None:
    assert can_approve(example, user, groups) is allowed


def test_approvers_can_be_a_user_group() -> None:
    p = parse_policy('[roles]\napprovers = ["S0LEADS"]')
    assert can_approve(p, "U0ANY", ["S0LEADS"])


def test_approval_refusal() -> None:
    strict = parse_policy('[roles]\napprovers = ["U0LEAD1"]')
    assert approval_refusal(strict, "U0LEAD1", [], requested_by="U0DEV") is None
    own = approval_refusal(strict, "U0LEAD1", [], requested_by="U0LEAD1")
    assert own is not None
    assert "your own request" in own
    stranger = approval_refusal(strict, "U0DEV", [], requested_by="U0X")
    assert stranger is not None
    assert "`approvers`" in stranger
    lenient = parse_policy('[roles]\napprovers = ["U0LEAD1"]\n[protected]\nself_approval = true')
    assert approval_refusal(lenient, "U0LEAD1", [], requested_by="U0LEAD1") is None


def test_policy_is_frozen(example: Policy) -> None:
    with pytest.raises(AttributeError):
        example.default_role = Role.ADMIN  # type: ignore[misc]


def test_a_glob_with_a_platform_prefix_matches_that_platform_only() -> None:
    p = parse_policy('[protected]\nmatch = ["derp:*/*-live"]')
    assert is_protected(p, env("shop-live", slug="derp:eu-1", project="derp:eu-1"))
    assert not is_protected(p, env("shop-live", slug="ocore:eu-1", project="ocore:eu-1"))
    assert not is_protected(p, env("shop-live", slug="eu-1", project="eu-1"))


def test_a_glob_without_a_prefix_matches_on_every_platform() -> None:
    p = parse_policy('[protected]\nmatch = ["eu-1/shop-*"]')
    assert is_protected(p, env("shop-live", slug="derp:eu-1", project="derp:eu-1"))
    assert is_protected(p, env("shop-live", slug="ocore:eu-1", project="ocore:eu-1"))
    assert is_protected(p, env("shop-live", slug="eu-1", project="eu-1"))


def test_backup_before_is_read_from_the_protected_table() -> None:
    p = parse_policy(
        '[protected]\nmatch = ["*-prod"]\nbackup_before = true\nbackup_timeout = "30m"'
    )
    assert p.rules.backup_before is True
    assert p.rules.backup_timeout == timedelta(minutes=30)
    prod = EnvRef("e1", "shop-prod", "p1", "Shop")
    staging = EnvRef("e2", "shop-staging", "p1", "Shop")
    assert backup_first(p, prod) is True
    assert backup_first(p, staging) is False  # unprotected: nothing waits for a backup
    assert parse_policy("").rules.backup_before is False


@pytest.mark.parametrize(
    "line",
    [
        'backup_before = "yes"',
        'backup_timeout = "soon"',
        'backup_timeout = "10s"',
        'backup_timeout = "2d"',
    ],
)
def test_a_wrong_backup_option_stops_start_up(line: str) -> None:
    with pytest.raises(ConfigError, match=r"protected\.backup_"):
        parse_policy(f"[protected]\n{line}")


def test_restore_is_for_admins_and_backup_for_deployers() -> None:
    assert required_role(Verb.RESTORE) is Role.ADMIN
    assert required_role(Verb.BACKUP) is Role.DEPLOYER
