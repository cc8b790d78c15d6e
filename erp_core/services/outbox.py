"""Customer-facing events, written in the caller's transaction so none is lost or invented."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import OutboxEvent
from erp_core.clock import utcnow
from erp_core.services.audit import json_safe


def emit(session: Session, kind: str, order_id: int | None, payload: dict[str, Any]) -> None:
    session.add(
        OutboxEvent(
            event_id=str(uuid.uuid4()), kind=kind, order_id=order_id, payload=json_safe(payload)
        )
    )


def pending_events(db: Database, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Undelivered events in the order they happened; a sender delivers, then acknowledges."""
    query = (
        select(
            OutboxEvent.id,
            OutboxEvent.event_id,
            OutboxEvent.kind,
            OutboxEvent.order_id,
            OutboxEvent.payload,
            OutboxEvent.created_at,
            OutboxEvent.delivered_at,
        )
        .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.id > after_id)
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return db.read(lambda session: [dict(r._mapping) for r in session.execute(query)])


def acknowledge(db: Database, ids: list[int]) -> int:
    """Mark events delivered; acknowledging twice is harmless. Returns how many were new."""

    def work(session: Session) -> int:
        result = session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids), OutboxEvent.delivered_at.is_(None))
            .values(delivered_at=utcnow())
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    return db.transact(work)
