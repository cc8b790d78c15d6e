"""Recording which orders were planted as anomalies (evaluation data, never read by the flow)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.label_tables import InjectedAnomaly
from erp_core.adapters.order_tables import Order
from erp_core.adapters.tables import Channel

CHUNK = 500


@dataclass(frozen=True)
class PlantedOrder:
    channel: str
    external_id: str
    kind: str
    details: dict[str, Any] = field(default_factory=dict)


def record_injected(db: Database, planted: Sequence[PlantedOrder]) -> int:
    """Label the planted orders that exist (by channel and external id); returns how many."""

    def work(session: Session) -> int:
        written = 0
        for start in range(0, len(planted), CHUNK):
            chunk = planted[start : start + CHUNK]
            keys = [(p.channel, p.external_id) for p in chunk]
            ids = {
                (code, external_id): order_id
                for code, external_id, order_id in session.execute(
                    select(Channel.code, Order.external_id, Order.id)
                    .join(Channel, Channel.id == Order.channel_id)
                    .where(tuple_(Channel.code, Order.external_id).in_(keys))
                )
            }
            rows = [
                {"order_id": ids[key], "kind": p.kind, "details": p.details}
                for key, p in zip(keys, chunk, strict=True)
                if key in ids
            ]
            if rows:
                session.execute(insert(InjectedAnomaly), rows)
            written += len(rows)
        return written

    return db.transact(work)
