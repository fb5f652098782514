"""The repositories the features added (change control, backups on approvals, digests, audit
search, multi-workspace installs), on a real SQLite file and on a real PostgreSQL database:
the `db_target` fixture runs each test on both engines, so SQL that only one of them accepts,
or that answers differently on the other (types, ordering, booleans), fails here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from oec_chatops.digest_time import digest_day
from oec_chatops.domain import Approval, ApprovalState, BackupFacts
from oec_chatops.store import Store
from oec_chatops.store.workspaces import InstallationRow

T0 = 1_767_000_000.25  # an epoch with a fraction: REAL must stay a double on both engines


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    s = Store(db_target)
    yield s
    s.close()


def test_freezes_are_active_until_they_end_or_are_lifted(store: Store) -> None:
    shop = store.freezes.add(
        env_glob="shop/*", reason="release", created_by="U1", now=T0, ends_at=T0 + 3600.5
    )
    store.freezes.add(
        env_glob="crm/prod", reason=None, created_by="U2", now=T0 + 1, ends_at=T0 + 60
    )
    assert [f.environments for f in store.freezes.active(T0 + 2)] == [("shop/*",), ("crm/prod",)]
    assert store.freezes.active(T0 + 2)[0].ends_at == datetime.fromtimestamp(T0 + 3600.5, UTC)
    assert [f.environments for f in store.freezes.active(T0 + 60)] == [("shop/*",)]

    assert store.freezes.lift(env_glob="shop/other", by="U3", now=T0 + 70) == []
    lifted = store.freezes.lift(env_glob="shop/*", by="U3", now=T0 + 70)
    assert [f.freeze_id for f in lifted] == [shop.freeze_id]
    assert store.freezes.active(T0 + 70) == []
    assert store.freezes.lift(env_glob="shop/*", by="U3", now=T0 + 71) == []


def test_a_lock_has_one_holder_and_only_that_holder_releases_it(store: Store) -> None:
    mine = store.locks.take(env_id="e1", env_label="shop/prod", holder="U1", reason="db", now=T0)
    theirs = store.locks.take(env_id="e1", env_label="shop/prod", holder="U2", reason=None, now=T0)
    assert (mine.holder, theirs.holder, theirs.reason) == ("U1", "U1", "db")
    store.locks.take(env_id="e0", env_label="crm/prod", holder="U2", reason=None, now=T0 - 5)
    assert [lock.env_label for lock in store.locks.all()] == ["crm/prod", "shop/prod"]

    assert store.locks.release("e1", holder="U2") is False
    assert store.locks.release("e1", holder="U1") is True
    assert store.locks.get("e1") is None
    assert store.locks.take(env_id="e1", env_label="shop/prod", holder="U2", reason=None, now=T0)


def _approval(approval_id: str, **fields: object) -> Approval:
    return Approval(
        approval_id=approval_id,
        verb="restore",
        env_label="shop/prod",
        env_id="e1",
        requested_by="U1",
        channel_id="C1",
        state=ApprovalState.PENDING,
        required=1,
        created_at=datetime.fromtimestamp(T0, UTC),
        expires_at=datetime.fromtimestamp(T0 + 1800, UTC),
        **fields,  # type: ignore[arg-type]
    )


def test_approvals_keep_override_hold_backup_facts_and_the_backup_taken_first(
    store: Store,
) -> None:
    facts = BackupFacts(
        backup_id="b-7",
        status="done",
        created_at=datetime.fromtimestamp(T0 - 86400.5, UTC),
        size_bytes=12_345_678_901,
        contents="full",
        backup_type="manual",
    )
    a = _approval("a1", override=True, backup_id="b-7", backup_facts=facts, backup_first=True)
    store.approvals.create(a, self_approval=False, now=T0)
    store.approvals.create(_approval("a2"), self_approval=True, now=T0)

    got = store.approvals.get("a1")
    assert got is not None
    assert (got.override, got.backup_first, got.backup_id, got.backup_facts) == (
        True,
        True,
        "b-7",
        facts,
    )
    plain = store.approvals.get("a2")
    assert plain is not None
    assert (plain.override, plain.backup_first, plain.backup_facts, plain.held_until) == (
        False,
        False,
        None,
        None,
    )
    assert store.approvals.self_approval_allowed("a2") is True
    assert store.approvals.self_approval_allowed("a1") is False

    held = T0 + 7200.5
    assert store.approvals.transition(
        "a1", from_states=[ApprovalState.PENDING], to=ApprovalState.WAITING, now=T0, held_until=held
    )
    waiting = store.approvals.get("a1")
    assert waiting is not None
    assert waiting.held_until == datetime.fromtimestamp(held, UTC)

    assert store.approvals.set_pre_backup("a1", "b-8") is False  # not backing up yet
    assert store.approvals.transition(
        "a1", from_states=[ApprovalState.WAITING], to=ApprovalState.BACKING_UP, now=T0 + 1.5
    )
    assert store.approvals.set_pre_backup("a1", "b-8") is True
    assert store.approvals.set_pre_backup("a1", "b-9") is False  # once
    backing_up = store.approvals.in_states([ApprovalState.BACKING_UP])
    assert [(x.approval_id, x.pre_backup_id) for x in backing_up] == [("a1", "b-8")]
    assert store.approvals.state_since("a1") == T0 + 1.5


def test_a_digest_day_collects_once_per_item_and_is_claimed_once(store: Store) -> None:
    day = digest_day(T0, "09:00", "Europe/Paris")

    def collect(key: str, when: float) -> str:
        return store.digests.collect(
            channel_id="C1",
            item_key=key,
            day=day,
            at="09:00",
            tz="Europe/Paris",
            when=when,
            body={"summary": key, "failed": False},
        )

    assert collect("t2", T0 + 2) == day.day
    assert collect("t1", T0 + 1) == day.day
    assert collect("t1", T0 + 3) == day.day  # the same item twice is kept once
    assert store.digests.waiting("C1") == [(day.day, day.due_at, 2)]
    assert store.digests.next_due_at() == day.due_at
    assert store.digests.due(day.due_at - 0.5) == []
    (row,) = store.digests.due(day.due_at)
    assert (row.day, row.window_start, row.due_at) == (day.day, day.window_start, day.due_at)
    assert [i["summary"] for i in store.digests.items("C1", day.day)] == ["t1", "t2"]

    assert store.digests.claim(row, day.due_at) is True
    assert store.digests.claim(row, day.due_at) is False
    store.digests.drop_items("C1", day.day)
    assert store.digests.items("C1", day.day) == []
    # An event for the claimed day goes to the next one, not behind the claim.
    later = collect("t3", T0 + 4)
    assert later != day.day
    assert [d for d, _, n in store.digests.waiting("C1") if n] == [later]


def test_audit_search_filters_pages_and_counts_newest_first(store: Store) -> None:
    for i, target in enumerate(["shop/prod", "crm/prod", "shop/prod", "shop/prod"]):
        store.audit.record(at=T0 + i // 2, actor="U1", action=f"a{i}", result="ok", target=target)
    page, total = store.audit.search(since=None, target="shop/prod", limit=2)
    assert ([r.action for r in page], total) == (["a3", "a2"], 3)  # equal `at`: newest id first
    page, total = store.audit.search(since=None, target="shop/prod", limit=2, offset=2)
    assert ([r.action for r in page], total) == (["a0"], 3)
    page, total = store.audit.search(since=T0 + 1, target=None, limit=10)
    assert ([r.action for r in page], total) == (["a3", "a2"], 2)
    assert page[0].at == T0 + 1
    assert store.audit.search(since=None, target="SHOP/PROD", limit=10) == ([], 0)


def _installation(team_id: str, token: str) -> InstallationRow:
    return InstallationRow(
        team_id=team_id,
        team_name=f"team {team_id}",
        enterprise_id=None,
        app_id="A1",
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        installer_user_id="U1",
        bot_token_sealed=token,
        installed_at=T0,
    )


def test_installations_are_replaced_on_reinstall_resealed_and_deleted(store: Store) -> None:
    store.installations.save(_installation("T2", "sealed-a"))
    store.installations.save(_installation("T1", "sealed-b"))
    store.installations.save(_installation("T2", "sealed-c"))  # reinstall
    assert [(i.team_id, i.bot_token_sealed) for i in store.installations.all()] == [
        ("T1", "sealed-b"),
        ("T2", "sealed-c"),
    ]
    store.installations.reseal("T1", "sealed-d")
    got = store.installations.get("T1")
    assert got is not None
    assert (got.bot_token_sealed, got.installed_at) == ("sealed-d", T0)
    assert store.installations.delete("T1") == 1
    assert store.installations.delete("T1") == 0
    assert store.installations.get("T1") is None


def test_an_oauth_state_is_consumed_once_and_never_after_it_expires(store: Store) -> None:
    store.oauth_states.issue("s1", expires_at=T0 + 600, now=T0)
    store.oauth_states.issue("s2", expires_at=T0 + 10, now=T0)
    assert store.oauth_states.consume("s1", now=T0 + 1) is True
    assert store.oauth_states.consume("s1", now=T0 + 2) is False
    assert store.oauth_states.consume("s2", now=T0 + 10) is False  # expired
    assert store.oauth_states.consume("nobody-issued", now=T0) is False


def test_workspace_settings_keep_the_key_and_the_policy_apart(store: Store) -> None:
    store.workspace_settings.set_key("T1", "sealed-key", now=T0)
    store.workspace_settings.set_policy("T1", 'default_role = "viewer"', now=T0 + 1)
    store.workspace_settings.set_policy("T0", "", now=T0 + 2)
    got = store.workspace_settings.get("T1")
    assert got is not None
    assert (got.oec_key_sealed, got.policy_text, got.updated_at) == (
        "sealed-key",
        'default_role = "viewer"',
        T0 + 1,
    )
    assert [w.team_id for w in store.workspace_settings.all()] == ["T0", "T1"]
    assert store.workspace_settings.delete("T1") == 1
    assert store.workspace_settings.get("T1") is None


def test_an_uninstalled_workspaces_pending_messages_are_failed_and_no_others(
    store: Store,
) -> None:
    store.channel_teams.note("C1", "T1", now=T0)
    store.channel_teams.note("C2", "T2", now=T0)
    store.channel_teams.note("C3", "T2", now=T0)
    store.channel_teams.note("C3", "T1", now=T0 + 1)  # the channel moved to T1
    assert store.channel_teams.team_of("C3") == "T1"
    assert store.channel_teams.team_of("C9") is None
    for channel in ("C1", "C2", "C3"):
        store.outbox.enqueue(kind="post", key=channel, channel_id=channel, body={}, now=T0)
    assert store.channel_teams.fail_pending("T1", reason="uninstalled", now=T0 + 2) == 2
    assert [r.channel_id for r in store.outbox.heads()] == ["C2"]


def test_text_with_a_nul_character_is_stored_and_found_again(store: Store) -> None:
    """PostgreSQL's TEXT cannot hold NUL (it refuses the statement); people can type one."""
    store.freezes.add(
        env_glob="shop/*", reason="a\x00b", created_by="U\x001", now=T0, ends_at=T0 + 9
    )
    store.audit.record(at=T0, actor="U1", action="freeze", result="ok", target="shop\x00*")
    (freeze,) = store.freezes.active(T0)
    assert freeze.reason.replace("\ufffd", "\x00") == "a\x00b"
    assert store.audit.search(since=None, target="shop\x00*", limit=5)[1] == 1
