"""Odoo module lists as people type them, checked before anything is sent. Pure.

`/oec update shop/staging sale_custom,stock` and `/oec reinit ... sale_custom` name modules by
their technical names. oec.sh refuses anything else with a 422 (CONTRACT.md §9.6: lower-case
letters, digits and underscores, up to 64 characters, at most 50 modules); checking here gives
the user a message naming exactly the bad names, spends no write budget, and never asks an
approver to approve a request that cannot succeed. The rule is one notch stricter than the
API's: a technical name is a Python package name (`odoo.addons.<name>`), so it starts with a
letter.

`all` is not a module: it means "every installed module" (quick-update `update_all`, or
`update_modules: ["all"]` on a deploy), so it is only accepted alone, and never where reset
data would follow (`reinitialize_specific`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from oec_chatops.context import request_id_var
from oec_chatops.oec.errors import OecInvalidRequest

MODULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_MODULES = 50
ALL = "all"
_SEPARATORS = re.compile(r"[\s,]+")
_SHOWN = 5  # bad names named in one message; the rest are counted


class ModuleListError(OecInvalidRequest):
    """A module list oec.sh would refuse. `bad` holds the names that are not technical names."""

    def __init__(self, message: str, *, bad: Sequence[str] = (), endpoint: str = "") -> None:
        super().__init__(
            message,
            fields=[{"field": "modules", "message": message}],
            endpoint=endpoint,
            request_id=request_id_var.get(),
        )
        self.bad = tuple(bad)


@dataclass(frozen=True, slots=True)
class ModuleSelection:
    """Either every module (`every`), or these technical names, deduplicated, in typed order."""

    names: tuple[str, ...] = ()
    every: bool = False

    @property
    def as_list(self) -> list[str]:
        """As the API takes it: `["all"]` or the names."""
        return [ALL] if self.every else list(self.names)

    @property
    def label(self) -> str:
        """`all modules`, or `sale_custom, stock`: for cards and replies."""
        return "all modules" if self.every else ", ".join(self.names)


def parse_modules(
    value: str | Sequence[str], *, allow_all: bool = True, endpoint: str = ""
) -> ModuleSelection:
    """Read `sale_custom,stock` (or a list of names) into a `ModuleSelection`.

    A string may separate names by commas and/or spaces; the items of a list are names as
    they are (trimmed), so `["x y"]` is refused rather than read as two modules. Raises `ModuleListError` with a message
    naming the offending names when the list is empty, mixes `all` with names, asks for `all`
    where `allow_all` is false, holds more than 50 modules, or holds a name that is not a
    technical module name.
    """
    typed = _SEPARATORS.split(value) if isinstance(value, str) else [v.strip() for v in value]
    names = list(dict.fromkeys(n for n in typed if n))
    if not names:
        raise ModuleListError(
            "Give at least one module by its technical name (e.g. `sale_custom`)"
            + (", or `all`." if allow_all else "."),
            endpoint=endpoint,
        )
    if ALL in names:
        others = [n for n in names if n != ALL]
        if not allow_all:
            raise ModuleListError(
                "`all` cannot be used here: name the modules one by one.", endpoint=endpoint
            )
        if others:
            raise ModuleListError(
                f"`all` already means every module; give it alone, not with {_names(others)}.",
                endpoint=endpoint,
            )
        return ModuleSelection(every=True)
    if len(names) > MAX_MODULES:
        raise ModuleListError(
            f"At most {MAX_MODULES} modules at once ({len(names)} given).", endpoint=endpoint
        )
    bad = [n for n in names if not MODULE_NAME.fullmatch(n)]
    if bad:
        hint = _hint(bad)
        raise ModuleListError(
            f"Not a technical module name: {_names(bad)}. Technical names are lower-case "
            "letters, digits and underscores, start with a letter and have at most 64 "
            f"characters (e.g. `sale_custom`).{hint}",
            bad=bad,
            endpoint=endpoint,
        )
    return ModuleSelection(names=tuple(names))


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(f"`{n[:70].replace('`', '')}`" for n in names[:_SHOWN])
    rest = len(names) - _SHOWN
    return shown + (f" and {rest} more" if rest > 0 else "")


def _hint(bad: Sequence[str]) -> str:
    """`Did you mean sale_custom?` when lower-casing and `-` → `_` would make names valid."""
    fixed = [n.lower().replace("-", "_") for n in bad]
    if all(MODULE_NAME.fullmatch(f) for f in fixed):
        return f" Did you mean {_names(fixed)}?"
    return ""
