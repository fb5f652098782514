"""`Deliveries`: verified webhook deliveries, kept whatever their event (the dedupe record)."""

from __future__ import annotations

from oec_chatops.store.repository import Repository


class Deliveries(Repository):
    def insert(
        self,
        *,
        delivery_id: str,
        event: str,
        received_at: float,
        signed_at: int | None,
        task_id: str | None,
        env_id: str | None,
        payload: bytes,
    ) -> bool:
        """Store a verified delivery; False when this id was stored before (a replay).

        `delivery_id` must be the signed dedupe key (see `receiver.dedupe_key`): it is also
        written as `dedupe_key`, whose unique index still holds after the payload is pruned.
        """
        cur = self.conn.execute(
            "INSERT INTO deliveries (delivery_id, dedupe_key, event, received_at, "
            "signed_at, task_id, env_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                delivery_id,
                delivery_id,
                event,
                received_at,
                signed_at,
                task_id,
                env_id,
                payload.decode(),
            ),
        )
        return cur.rowcount == 1

    def mark_routed(self, delivery_id: str, rows: int) -> None:
        self.conn.execute(
            "UPDATE deliveries SET routed = ? WHERE delivery_id = ?", (rows, delivery_id)
        )

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM deliveries").fetchone()[0])
