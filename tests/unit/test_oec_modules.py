"""Module lists as typed in Slack: the technical-name rule, `all`, the limit of 50 (§9.6)."""

from __future__ import annotations

import pytest

from oec_chatops.oec.modules import MAX_MODULES, ModuleListError, ModuleSelection, parse_modules

FIFTY = ",".join(f"m{i}" for i in range(MAX_MODULES))
FIFTY_ONE = FIFTY + ",m50"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sale_custom", ModuleSelection(names=("sale_custom",))),
        ("sale_custom,stock", ModuleSelection(names=("sale_custom", "stock"))),
        (
            " sale_custom , stock  account ",
            ModuleSelection(names=("sale_custom", "stock", "account")),
        ),
        ("sale,stock,sale", ModuleSelection(names=("sale", "stock"))),
        (["l10n_be", "website_sale_2"], ModuleSelection(names=("l10n_be", "website_sale_2"))),
        ("a" * 64, ModuleSelection(names=("a" * 64,))),
        ("all", ModuleSelection(every=True)),
        (" all ,", ModuleSelection(every=True)),
        (FIFTY, ModuleSelection(names=tuple(f"m{i}" for i in range(MAX_MODULES)))),
    ],
)
def test_accepted(typed: str | list[str], expected: ModuleSelection) -> None:
    assert parse_modules(typed) == expected


@pytest.mark.parametrize(
    ("typed", "bad", "says"),
    [
        ("", (), "at least one module"),
        (" , ", (), "at least one module"),
        ([], (), "at least one module"),
        ("Sale", ("Sale",), "Did you mean `sale`?"),
        ("sale-custom", ("sale-custom",), "Did you mean `sale_custom`?"),
        ("1abc", ("1abc",), "start with a letter"),
        ("_private", ("_private",), "`_private`"),
        ("a" * 65, ("a" * 65,), "at most 64"),
        ("sale,Stock,acc;ount", ("Stock", "acc;ount"), "`Stock`, `acc;ount`"),
        (["sale", "x y"], ("x y",), "`x y`"),
        ("all,sale", (), "give it alone, not with `sale`"),
        (FIFTY_ONE, (), "At most 50 modules at once (51 given)"),
        ("A,B,C,D,E,F,G", ("A", "B", "C", "D", "E", "F", "G"), "and 2 more"),
    ],
)
def test_refused_with_the_bad_names_named(
    typed: str | list[str], bad: tuple[str, ...], says: str
) -> None:
    with pytest.raises(ModuleListError) as info:
        parse_modules(typed, endpoint="POST /environments/{env_id}/quick-update")
    assert info.value.bad == bad
    assert says in info.value.message
    assert info.value.fields == [{"field": "modules", "message": info.value.message}]


def test_all_is_refused_where_it_is_not_allowed() -> None:
    with pytest.raises(ModuleListError, match="name the modules one by one"):
        parse_modules("all", allow_all=False)
    assert parse_modules("sale", allow_all=False).as_list == ["sale"]


def test_as_sent_and_as_shown() -> None:
    assert parse_modules("all").as_list == ["all"]
    assert parse_modules("all").label == "all modules"
    assert parse_modules("sale,stock").label == "sale, stock"
