"""Durable state in SQLite: schema, the database handle, and one small repository per table group."""

from oec_chatops.store.store import Store

__all__ = ["Store"]
