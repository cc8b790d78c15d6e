"""Proof that the balances are a true projection of the ledger, computed in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, literal, select, union_all

from erp_core.adapters.database import Database
from erp_core.adapters.tables import BALANCES, MOVES


def discrepancies_query() -> Select[Any]:
    """Every (item, location, status) whose balance differs from the sum of its moves
    (incoming minus outgoing)."""
    flows = union_all(
        select(
            MOVES.c.item_id, MOVES.c.location_id, MOVES.c.to_status.label("status"), MOVES.c.qty
        ).where(MOVES.c.to_status.is_not(None)),
        select(
            MOVES.c.item_id,
            MOVES.c.location_id,
            MOVES.c.from_status.label("status"),
            (literal(0) - MOVES.c.qty).label("qty"),
        ).where(MOVES.c.from_status.is_not(None)),
    ).subquery()
    sums = (
        select(
            flows.c.item_id,
            flows.c.location_id,
            flows.c.status,
            func.sum(flows.c.qty).label("ledger"),
        )
        .group_by(flows.c.item_id, flows.c.location_id, flows.c.status)
        .subquery()
    )
    same_key = and_(
        sums.c.item_id == BALANCES.c.item_id,
        sums.c.location_id == BALANCES.c.location_id,
        sums.c.status == BALANCES.c.status,
    )
    ledger = func.coalesce(sums.c.ledger, 0)
    wrong_balances = (
        select(
            BALANCES.c.item_id,
            BALANCES.c.location_id,
            BALANCES.c.status,
            BALANCES.c.qty.label("balance"),
            ledger.label("ledger"),
        )
        .select_from(BALANCES.outerjoin(sums, same_key))
        .where(BALANCES.c.qty != ledger)
    )
    missing_balances = (
        select(
            sums.c.item_id,
            sums.c.location_id,
            sums.c.status,
            literal(0).label("balance"),
            sums.c.ledger,
        )
        .select_from(sums.outerjoin(BALANCES, same_key))
        .where(BALANCES.c.id.is_(None), sums.c.ledger != 0)
    )

    return select(union_all(wrong_balances, missing_balances).subquery())


def ledger_discrepancies(db: Database) -> list[dict[str, Any]]:
    """An empty list means the ledger and balances agree."""
    return db.read(lambda s: [dict(r._mapping) for r in s.execute(discrepancies_query())])
