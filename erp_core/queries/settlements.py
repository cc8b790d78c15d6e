"""Reading settlements: the imported payouts, and the exceptions queue finance works."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.settlement_tables import Settlement, SettlementException, SettlementRow
from erp_core.adapters.tables import Channel
from erp_core.domain.errors import NotFound
from erp_core.domain.settlements import ExceptionKind, ExceptionStatus
from erp_core.queries.pages import Page, keyset, page_of

S, X, R = Settlement, SettlementException, SettlementRow
_SETTLEMENTS = select(
    S.id,
    S.settlement_id,
    Channel.code.label("channel"),
    S.posted_date,
    S.file_hash,
    S.payout,
    S.matched_payout,
    S.row_count,
    S.matched_count,
    S.exception_count,
    S.imported_by,
    S.imported_at,
    S.journal_entry_id,
).join(Channel, Channel.id == S.channel_id)
_EXCEPTIONS = (
    select(
        X.id,
        X.settlement_id,
        S.settlement_id.label("marketplace_settlement_id"),
        Channel.code.label("channel"),
        R.line,
        R.type,
        R.order_ref,
        R.order_id,
        R.description,
        R.account,
        X.kind,
        X.expected,
        X.actual,
        X.status,
        X.opened_at,
        X.reason,
        X.resolved_by,
        X.resolved_at,
        X.journal_entry_id,
    )
    .join(R, R.id == X.row_id)
    .join(S, S.id == X.settlement_id)
    .join(Channel, Channel.id == S.channel_id)
)


def settlement_page(session: Session, channel: str | None, cursor: str | None, limit: int) -> Page:
    """Settlements, newest import first."""
    query = _SETTLEMENTS if channel is None else _SETTLEMENTS.where(Channel.code == channel)
    rows = list(session.execute(keyset(query, S.id, cursor, limit, newest_first=True)))
    shown, next_cursor = page_of(rows, limit, lambda row: (row.id,))
    return Page([dict(row._mapping) for row in shown], next_cursor)


def settlement_detail(session: Session, settlement_id: int) -> dict[str, Any]:
    """A settlement with its exceptions counted by kind as opened, and how many are open."""
    row = session.execute(_SETTLEMENTS.where(S.id == settlement_id)).first()
    if row is None:
        raise NotFound(f"settlement {settlement_id} not found", id=settlement_id)
    counts = session.execute(
        select(X.kind, X.status, func.count())
        .where(X.settlement_id == settlement_id)
        .group_by(X.kind, X.status)
    ).all()
    by_kind: dict[str, int] = {}
    for kind, _, n in counts:
        by_kind[kind] = by_kind.get(kind, 0) + n
    still_open = sum(n for _, status, n in counts if status == ExceptionStatus.OPEN)
    return {**row._mapping, "exceptions_by_kind": by_kind, "open_exceptions": still_open}


def exception_page(
    session: Session,
    status: ExceptionStatus | None,
    kind: ExceptionKind | None,
    channel: str | None,
    settlement_id: int | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """Exceptions, oldest first (the order a queue is worked in)."""
    query = _EXCEPTIONS
    if status is not None:
        query = query.where(X.status == status.value)
    if kind is not None:
        query = query.where(X.kind == kind.value)
    if channel is not None:
        query = query.where(Channel.code == channel)
    if settlement_id is not None:
        query = query.where(X.settlement_id == settlement_id)
    rows = list(session.execute(keyset(query, X.id, cursor, limit)))
    shown, next_cursor = page_of(rows, limit, lambda row: (row.id,))
    return Page([dict(row._mapping) for row in shown], next_cursor)


def exception_detail(session: Session, exception_id: int) -> dict[str, Any]:
    row = session.execute(_EXCEPTIONS.where(X.id == exception_id)).first()
    if row is None:
        raise NotFound(f"settlement exception {exception_id} not found", id=exception_id)
    return dict(row._mapping)
