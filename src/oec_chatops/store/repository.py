"""What every repository shares: the connection it works on, and the row ↔ value mapping.

A repository is bound to one connection so the same code runs inside a group-committed batch
(`Store.write`) and on its own. Rows come back as frozen dataclasses (`rows.py`): `from_row`
fills one from the columns of the same names, so a table's mapping is written once, in its row
type, instead of once per repository; JSON columns go through `dumps`/`loads` so every table
stores them the same way (orjson, `default=str` for the odd datetime).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

import orjson

from oec_chatops.store.dbapi import Connection

R = TypeVar("R")


def dumps(value: Any) -> str:
    """A JSON column's text."""
    return orjson.dumps(value, default=str).decode()


_EMPTY: Any = object()


def loads(text: str | None, default: Any = _EMPTY) -> Any:
    """A JSON column's value; `default` (`{}` unless given) for NULL or an empty string."""
    if text:
        return orjson.loads(text)
    return {} if default is _EMPTY else default


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def from_row(cls: type[R], row: Any, **converted: Any) -> R:
    """`cls` (a dataclass) from the row's columns of the same names; `converted` gives the
    fields that need more than the raw column (JSON, enums, timestamps). A field with no column
    of its name keeps its default."""
    columns = set(row.keys())
    values = {
        name: row[name] for name in _field_names(cls) if name in columns and name not in converted
    }
    return cls(**values, **converted)


class Repository:
    """A repository over one connection (one transaction when used inside `Store.write`)."""

    __slots__ = ("conn",)

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
