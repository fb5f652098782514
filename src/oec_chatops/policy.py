"""Who may run which `/oec` verb, which environments need approval, and who may approve.

Pure: values in, values out. The one exception is `load_policy`, which reads the file named by
`OEC_CHATOPS_POLICY` once at start-up; it lives here so that every way a policy file can be
wrong (missing, not UTF-8, bad TOML, bad key) becomes a `ConfigError` in one place, and callers
never handle `tomllib` or `OSError` themselves.

The file, by example::

    default_role = "viewer"          # viewer | deployer | admin
    [roles]                          # Slack user ids (U.../W...) or user-group ids (S...)
    admins    = ["U0ADMIN"]
    deployers = ["S0DEVTEAM", "U0DEV"]
    viewers   = []                   # pins people to viewer when default_role is higher
    approvers = ["U0LEAD1", "U0LEAD2"]
    [protected]                      # changes here need approval
    match = ["production", "*-prod", "shop/main"]
    approvals = 1                    # distinct approvers required
    self_approval = false
    expires = "30m"                  # 90s, 30m, 2h, 1d, 1h30m
    backup_before = false            # true: every approved change here takes a backup first
    backup_timeout = "1h"            # ... and is not sent when it has not completed by then

    [[freeze]]                       # changes refused while it lasts (freeze_windows)
    environments = ["production"]
    reason = "Year-end close"
    timezone = "Europe/Brussels"
    start = 2026-12-20T18:00:00
    end = 2027-01-04T08:00:00

An environment whose type is `production` is always protected, whatever `match` says.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from oec_chatops.domain import ACTION_VERBS, ADMIN_VERBS, EnvRef, Role, Verb
from oec_chatops.durations import parse_duration as parse_duration  # its old home
from oec_chatops.env_globs import env_matches
from oec_chatops.errors import ConfigError, PolicyDenied
from oec_chatops.freeze_windows import FreezeWindow, parse_freeze_tables

PRODUCTION_TYPE = "production"
MAX_APPROVALS = 10
MAX_EXPIRY = timedelta(days=30)
DEFAULT_EXPIRY = timedelta(minutes=30)

# A Slack user id (U..., or W... on Enterprise Grid) or a user-group id (S...).
_SLACK_ID = re.compile(r"[UWS][A-Z0-9]{2,30}")

_TOP_KEYS = ("default_role", "roles", "protected", "freeze")
_ROLE_KEYS = ("admins", "deployers", "viewers", "approvers")
_PROTECTED_KEYS = (
    "match",
    "approvals",
    "self_approval",
    "expires",
    "backup_before",
    "backup_timeout",
)
DEFAULT_BACKUP_TIMEOUT = timedelta(hours=1)
MAX_BACKUP_TIMEOUT = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """How a protected change gets approved."""

    required: int = 1
    self_approval: bool = False
    expires: timedelta = DEFAULT_EXPIRY
    # Take a backup before every approved change to a protected environment, and wait for it
    # (at most `backup_timeout`): a failed or late backup stops the change.
    backup_before: bool = False
    backup_timeout: timedelta = DEFAULT_BACKUP_TIMEOUT


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy file. Ids are Slack user or user-group ids; globs are lower case."""

    default_role: Role = Role.VIEWER
    admins: frozenset[str] = frozenset()
    deployers: frozenset[str] = frozenset()
    viewers: frozenset[str] = frozenset()
    approvers: frozenset[str] = frozenset()
    protected: tuple[str, ...] = ()
    rules: ApprovalRules = ApprovalRules()
    freezes: tuple[FreezeWindow, ...] = ()  # `[[freeze]]` tables: scheduled freeze windows

    @classmethod
    def default(cls) -> Policy:
        """The policy without a file: everyone may look, nobody may change anything."""
        return cls()


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a user may run a verb, and the sentence to show them when not."""

    allowed: bool
    verb: Verb
    role: Role
    required: Role
    message: str = ""

    def raise_if_denied(self) -> None:
        """For services that prefer an exception: raise PolicyDenied with the message."""
        if not self.allowed:
            raise PolicyDenied(self.message, required_role=self.required.value)


# Reading ------------------------------------------------------------------------------------


def load_policy(path: str | Path) -> Policy:
    """Read and parse a policy file; every failure is a ConfigError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"policy file {p} does not exist (OEC_CHATOPS_POLICY)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"policy file {p} is not UTF-8 text") from exc
    except OSError as exc:
        raise ConfigError(f"policy file {p} cannot be read: {exc.strerror}") from exc
    try:
        return parse_policy(text)
    except ConfigError as exc:
        raise ConfigError(f"policy file {p}: {exc}") from exc


def parse_policy(text: str) -> Policy:
    """Parse the TOML text of a policy file.

    Unknown keys are errors rather than ignored: a typo such as `[role]` or `deployer = [...]`
    would otherwise silently leave everyone a viewer (or worse, protect nothing).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the policy is not valid TOML: {exc}") from exc
    _only_keys(data, _TOP_KEYS, where="")
    roles = _table(data, "roles")
    _only_keys(roles, _ROLE_KEYS, where="roles.")
    protected = _table(data, "protected")
    _only_keys(protected, _PROTECTED_KEYS, where="protected.")
    return Policy(
        default_role=_role(data.get("default_role", Role.VIEWER.value)),
        admins=_ids(roles, "admins"),
        deployers=_ids(roles, "deployers"),
        viewers=_ids(roles, "viewers"),
        approvers=_ids(roles, "approvers"),
        protected=_globs(protected),
        rules=ApprovalRules(
            required=_approvals(protected.get("approvals", 1)),
            self_approval=_bool(protected, "self_approval", default=False),
            expires=_expires(protected.get("expires", "30m")),
            backup_before=_bool(protected, "backup_before", default=False),
            backup_timeout=_backup_timeout(protected.get("backup_timeout", "1h")),
        ),
        freezes=parse_freeze_tables(data.get("freeze", [])),
    )


def _only_keys(table: Mapping[str, Any], allowed: Iterable[str], *, where: str) -> None:
    known = tuple(allowed)
    for key in table:
        if key not in known:
            names = ", ".join(f"`{where}{k}`" for k in known)
            raise ConfigError(f"unknown key `{where}{key}` in the policy (known: {names})")


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table (`[{key}]`)")
    return value


def _role(value: object) -> Role:
    if isinstance(value, str):
        try:
            return Role(value.strip().lower())
        except ValueError:
            pass
    names = ", ".join(r.value for r in Role)
    raise ConfigError(f"`default_role` is {value!r}; expected one of {names}")


def _strings(table: Mapping[str, Any], key: str, *, where: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{where}{key}` must be a list of strings")
    return [v.strip() for v in value]


def _ids(roles: Mapping[str, Any], key: str) -> frozenset[str]:
    ids = _strings(roles, key, where="roles.")
    for i, user_or_group in enumerate(ids):
        if not _SLACK_ID.fullmatch(user_or_group):
            raise ConfigError(
                f"`roles.{key}[{i}]` is {user_or_group!r}, which is not a Slack user id "
                "(U... or W...) or user-group id (S...)"
            )
    return frozenset(ids)


def _globs(protected: Mapping[str, Any]) -> tuple[str, ...]:
    globs = _strings(protected, "match", where="protected.")
    for i, glob in enumerate(globs):
        if not glob or glob.count("/") > 1:
            raise ConfigError(
                f"`protected.match[{i}]` is {glob!r}; write an environment type or name, "
                "or `project/env` (globs allowed)"
            )
    return tuple(g.lower() for g in globs)


def _approvals(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_APPROVALS:
        raise ConfigError(
            f"`protected.approvals` is {value!r}; expected a whole number from 1 to {MAX_APPROVALS}"
        )
    return value


def _bool(table: Mapping[str, Any], key: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"`protected.{key}` is {value!r}; expected true or false")
    return value


def _expires(value: object) -> timedelta:
    expires = _duration_of(value)
    if expires is None or not timedelta(0) < expires <= MAX_EXPIRY:
        raise ConfigError(
            f"`protected.expires` is {value!r}; expected a duration such as 90s, 30m, 2h or 1d "
            "(at most 30d)"
        )
    return expires


def _duration_of(value: object) -> timedelta | None:
    """A duration as written (`30m`) or as whole seconds; None when it is neither."""
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return None


# Deciding -----------------------------------------------------------------------------------


def role_of(policy: Policy, user_id: str, group_ids: Iterable[str]) -> Role:
    """The highest role any list gives the user or one of their groups, else the default.

    Being listed replaces the default rather than adding to it, so `viewers` can pin someone
    to viewer in a team whose default is deployer.
    """
    who = {user_id, *group_ids}
    highest_first = (
        (policy.admins, Role.ADMIN),
        (policy.deployers, Role.DEPLOYER),
        (policy.viewers, Role.VIEWER),
    )
    for ids, role in highest_first:
        if who & ids:
            return role
    return policy.default_role


def required_role(verb: Verb) -> Role:
    """The least role that may run a verb: looking is for viewers, changing for deployers,
    and what may reset or overwrite data (a module reinit, a restore), stop everyone (a freeze)
    or read the audit trail (who did what, by name) for admins."""
    if verb in ADMIN_VERBS or verb in (Verb.FREEZE, Verb.UNFREEZE, Verb.AUDIT, Verb.RESTORE):
        return Role.ADMIN
    if verb in ACTION_VERBS or verb in (
        Verb.SUBSCRIBE,
        Verb.UNSUBSCRIBE,
        Verb.LOCK,
        Verb.UNLOCK,
        Verb.BACKUP,
    ):
        return Role.DEPLOYER
    return Role.VIEWER


def authorize(policy: Policy, user_id: str, group_ids: Iterable[str], verb: Verb) -> Decision:
    """May this user run this verb at all? (Protection and approval are decided separately.)"""
    role = role_of(policy, user_id, group_ids)
    needed = required_role(verb)
    if role >= needed:
        return Decision(allowed=True, verb=verb, role=role, required=needed)
    message = (
        f"`/oec {verb.value}` needs the {needed.value} role; you are {_a(role.value)}. "
        f"Ask an admin to add you to `{needed.value}s` in the policy file."
    )
    return Decision(allowed=False, verb=verb, role=role, required=needed, message=message)


def visible_verbs(policy: Policy, user_id: str, group_ids: Iterable[str]) -> tuple[Verb, ...]:
    """The verbs this user may run, in the order help lists them."""
    role = role_of(policy, user_id, group_ids)
    return tuple(v for v in Verb if role >= required_role(v))


def is_protected(policy: Policy, env: EnvRef) -> bool:
    """Does a change to this environment need approval?

    A pattern with a `/` is matched against `project/env` under each name the project goes by
    (slug, name, with and without a `platform:` prefix, so `derp:*/*-prod` matches on one
    platform and `*/*-prod` on all); a pattern without one against the environment's name and type. Matching is
    case-insensitive fnmatch, so a plain word such as `production` matches that type or name.
    """
    if (env.env_type or "").strip().lower() == PRODUCTION_TYPE:
        return True
    return env_matches(policy.protected, env)


def can_approve(policy: Policy, user_id: str, group_ids: Iterable[str]) -> bool:
    """Approvers and admins may vote on approval requests."""
    who = {user_id, *group_ids}
    return bool(who & (policy.approvers | policy.admins))


def approval_refusal(
    policy: Policy, user_id: str, group_ids: Iterable[str], *, requested_by: str
) -> str | None:
    """Why this user may not vote on a request by `requested_by`, or None when they may."""
    if not can_approve(policy, user_id, group_ids):
        return (
            "Only approvers and admins can approve. "
            "Ask an admin to add you to `approvers` in the policy file."
        )
    if user_id == requested_by and not policy.rules.self_approval:
        return "You cannot approve your own request; another approver has to."
    return None


def approval_rules(policy: Policy) -> ApprovalRules:
    """How many distinct approvers, whether the requester counts, and how long a request lives."""
    return policy.rules


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def backup_first(policy: Policy, env: EnvRef) -> bool:
    """Must an approved change to this environment wait for a backup first (`backup_before`)?"""
    return policy.rules.backup_before and is_protected(policy, env)


def _backup_timeout(value: object) -> timedelta:
    timeout = _duration_of(value)
    if timeout is None or not timedelta(minutes=1) <= timeout <= MAX_BACKUP_TIMEOUT:
        raise ConfigError(
            f"`protected.backup_timeout` is {value!r}; expected a duration such as 30m or 2h "
            "(from 1m to 1d)"
        )
    return timeout
